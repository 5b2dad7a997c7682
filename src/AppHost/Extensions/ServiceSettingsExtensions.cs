using Microsoft.Extensions.Configuration;

namespace Aspire.Hosting;

public static class ServiceSettingsExtensions
{
    /// <summary>
    /// Passes every <c>Ingest:*</c> setting given to the AppHost on to Ingest.Service: <c>Ingest:Source</c> (e.g.
    /// <c>replay:PATH</c>; a relative path is taken from the current folder), <c>Ingest:Products</c> (comma-separated or
    /// an array) and all others as they are (<c>Ingest:Live:*</c>, <c>Ingest:Record:*</c>, …).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithIngestSettings(this IResourceBuilder<ProjectResource> ingest, IConfiguration configuration)
    {
        if (configuration["Ingest:Source"] is { Length: > 0 } source)
        {
            if (source.StartsWith("replay:", StringComparison.Ordinal))
            {
                source = "replay:" + Path.GetFullPath(source["replay:".Length..]);
            }

            ingest.WithEnvironment("Ingest__Source", source);
        }

        var products = configuration["Ingest:Products"]?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            ?? configuration.GetSection("Ingest:Products").Get<string[]>()
            ?? [];
        for (var i = 0; i < products.Length; i++)
        {
            ingest.WithEnvironment($"Ingest__Products__{i}", products[i]);
        }

        foreach (var (key, value) in configuration.GetSection("Ingest").AsEnumerable(makePathsRelative: true))
        {
            if (value is not null && !key.StartsWith("Source", StringComparison.Ordinal) && !key.StartsWith("Products", StringComparison.Ordinal))
            {
                ingest.WithEnvironment($"Ingest__{key.Replace(":", "__", StringComparison.Ordinal)}", value);
            }
        }

        return ingest;
    }

    /// <summary>
    /// Gives Sink.Service its store: <c>Sink:Store</c> (sqlite, postgres or bigquery; default sqlite), every
    /// <c>Sink:BigQuery:*</c> setting, and <c>ConnectionStrings:volumes</c> — the AppHost's own value if set, else (for
    /// SQLite) a file <c>data/volumes.db</c> at the repository root.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithVolumesDatabase(this IResourceBuilder<ProjectResource> sink, IDistributedApplicationBuilder builder)
    {
        var store = builder.Configuration["Sink:Store"] is { Length: > 0 } chosen ? chosen : "sqlite";
        sink.WithEnvironment("Sink__Store", store);
        foreach (var setting in builder.Configuration.GetSection("Sink:BigQuery").AsEnumerable(makePathsRelative: true).Where(s => s.Value is not null))
        {
            sink.WithEnvironment($"Sink__BigQuery__{setting.Key.Replace(":", "__", StringComparison.Ordinal)}", setting.Value);
        }

        if (builder.Configuration.GetConnectionString("volumes") is { Length: > 0 } configured)
        {
            return sink.WithEnvironment("ConnectionStrings__volumes", configured);
        }

        return store.ToUpperInvariant() switch
        {
            "SQLITE" => sink.WithEnvironment("ConnectionStrings__volumes", $"Data Source={Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", "..", "data", "volumes.db"))}"),
            "POSTGRES" => throw new InvalidOperationException("Sink:Store is 'postgres': give the AppHost ConnectionStrings:volumes (e.g. --ConnectionStrings:volumes \"Host=...;Database=...;Username=...\")."),
            _ => sink,
        };
    }

    /// <summary>
    /// Gives Aggregate.Service its RocksDB folder (<c>Aggregate:StatePath</c>): the AppHost's own value if set; else, with a
    /// real cluster, <c>data/aggregate-state</c> at the repository root; with the development broker (whose data dies
    /// with it) a fresh folder per run, since state must never outlive the log it was built from.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithAggregatorState(this IResourceBuilder<ProjectResource> aggregate, IDistributedApplicationBuilder builder, KafkaTarget kafka)
    {
        ArgumentNullException.ThrowIfNull(kafka);
        var path = builder.Configuration["Aggregate:StatePath"] is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : kafka.DevelopmentBroker is null
                ? Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", "..", "data", "aggregate-state"))
                : Path.Combine(Path.GetTempPath(), "bitcoinvolume", $"aggregate-state-{DateTime.UtcNow:yyyyMMddHHmmss}-{Environment.ProcessId}");
        return aggregate.WithEnvironment("Aggregate__StatePath", path);
    }
}
