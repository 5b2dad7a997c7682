using Microsoft.Extensions.Configuration;

namespace Aspire.Hosting;

/// <summary>The settings each service gets from the AppHost, every one through an Aspire parameter (<see cref="SettingParameters"/>).</summary>
public static class ServiceSettingsExtensions
{
    /// <summary>Name of the connection-string resource of the sink's database (and of <c>ConnectionStrings:volumes</c>).</summary>
    public const string VolumesResourceName = "volumes";

    /// <summary>The aggregator's setting to keep its state across development broker restarts (see <see cref="WithAggregateSettings"/>).</summary>
    public const string ContinueAcrossBrokerRestarts = "Aggregate:ContinueAcrossBrokerRestarts";

    /// <summary>The base window length unless <c>Aggregate:Window</c> (or <c>Sink:Window</c>) says otherwise.</summary>
    public const string DefaultWindow = "1m";

    /// <summary>
    /// Passes every <c>Ingest:*</c> setting given to the AppHost on to Ingest.Service: <c>Ingest:Source</c> (e.g.
    /// <c>replay:PATH</c>; a relative path is taken from the current folder), <c>Ingest:Products</c> (comma-separated or
    /// a list) and all others as they are (<c>Ingest:Live:*</c>, <c>Ingest:Record:*</c>, the per-venue
    /// <c>Ingest:Venues:&lt;id&gt;:Enabled</c> and <c>Ingest:Venues:&lt;id&gt;:Products</c>, …). Without <c>Ingest:Source</c>
    /// ingest reads every venue enabled by default (docs/INGEST.md, "Running several venues"). <c>Ingest:State:Path</c>
    /// (ingest's durable high-water marks) is the AppHost's own value if set, else <c>data/ingest-state</c> at the repository root.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithIngestSettings(this IResourceBuilder<ProjectResource> ingest, IDistributedApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        if (configuration["Ingest:Source"] is { Length: > 0 } source)
        {
            if (source.StartsWith("replay:", StringComparison.Ordinal))
            {
                source = "replay:" + Path.GetFullPath(source["replay:".Length..]);
            }

            ingest.WithSetting(builder, "Ingest:Source", source);
        }

        var products = configuration["Ingest:Products"]?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            ?? configuration.GetSection("Ingest:Products").Get<string[]>()
            ?? [];
        for (var i = 0; i < products.Length; i++)
        {
            ingest.WithSetting(builder, $"Ingest:Products:{i}", products[i]);
        }

        // Ingest's durable high-water marks (docs/INGEST.md, "Restart recovery"): beside the aggregator's state, so a restart
        // of the AppHost (a new development broker, whose trades has no tail) still backfills the downtime.
        var state = configuration["Ingest:State:Path"] is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", "..", "data", "ingest-state"));
        ingest.WithSetting(builder, "Ingest:State:Path", state);

        return ingest.WithSettingsOf(builder, "Ingest", key =>
            key.StartsWith("Source", StringComparison.Ordinal) || key.StartsWith("Products", StringComparison.Ordinal) || key.Equals("State:Path", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Gives Aggregate.Service its RocksDB folder (<c>Aggregate:StatePath</c>): the AppHost's own value if set, else
    /// <c>data/aggregate-state</c> at the repository root — with a real cluster and with the development broker alike, so
    /// the state survives a restart of the AppHost — and its checkpoint folder (<c>Aggregate:Checkpoints:Path</c>, else
    /// <c>data/aggregate-checkpoints</c>, or with a given state folder that folder's name + <c>-checkpoints</c>, so a run
    /// with a state folder of its own never restores another run's checkpoints). With the development broker (whose log dies with it) it also sets
    /// <c>Aggregate:ContinueAcrossBrokerRestarts=true</c> unless given: state built against an earlier development broker
    /// is kept and the new log is read from its start (dedup by trade id makes re-sent trades harmless). Also the base
    /// window (<see cref="WithWindow"/>) and every other <c>Aggregate:*</c> setting.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithAggregateSettings(this IResourceBuilder<ProjectResource> aggregate, IDistributedApplicationBuilder builder, KafkaTarget kafka)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(kafka);
        var path = builder.Configuration["Aggregate:StatePath"] is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", "..", "data", "aggregate-state"));
        aggregate.WithSetting(builder, "Aggregate:StatePath", path);
        var checkpoints = builder.Configuration["Aggregate:Checkpoints:Path"] is { Length: > 0 } configuredCheckpoints
            ? Path.GetFullPath(configuredCheckpoints)
            : builder.Configuration["Aggregate:StatePath"] is { Length: > 0 }
                ? path + "-checkpoints" // a state folder of its own gets checkpoints of its own, never another run's
                : Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", "..", "data", "aggregate-checkpoints"));
        aggregate.WithSetting(builder, "Aggregate:Checkpoints:Path", checkpoints);
        if (kafka.DevelopmentBroker is not null && builder.Configuration[ContinueAcrossBrokerRestarts] is not { Length: > 0 })
        {
            aggregate.WithSetting(builder, ContinueAcrossBrokerRestarts, "true");
        }

        return aggregate
            .WithWindow(builder, "Aggregate")
            .WithSettingsOf(builder, "Aggregate", key => IsOneOf(key, "StatePath", "Window", "Checkpoints:Path"));
    }

    /// <summary>
    /// Gives Sink.Service its store: <c>Sink:Store</c> (sqlite, postgres or bigquery; default sqlite) and the
    /// connection-string resource <c>volumes</c> — <c>ConnectionStrings:volumes</c> if the AppHost was given it (a secret
    /// parameter), else (for SQLite) a file <c>data/volumes.db</c> at the repository root; plus the base window
    /// (<see cref="WithWindow"/>) and every other <c>Sink:*</c> setting (<c>Sink:BigQuery:*</c>, …). Each
    /// <c>Aggregate:LargeTrades:MinNotional:&lt;QUOTE&gt;</c> given is passed as <c>Sink:LargeTrades:MinNotional:&lt;QUOTE&gt;</c> too
    /// (unless that is given).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithSinkSettings(this IResourceBuilder<ProjectResource> sink, IDistributedApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var store = builder.Configuration["Sink:Store"] is { Length: > 0 } chosen ? chosen : "sqlite";
        sink.WithSetting(builder, "Sink:Store", store)
            .WithWindow(builder, "Sink")
            .WithSettingsOf(builder, "Sink", key => IsOneOf(key, "Store", "Window"));

        // The sink must know the aggregator's large-trade thresholds (the API says them, trade rules are checked against them).
        foreach (var threshold in builder.Configuration.GetSection("Aggregate:LargeTrades:MinNotional").GetChildren())
        {
            if (builder.Configuration[$"Sink:LargeTrades:MinNotional:{threshold.Key}"] is not { Length: > 0 } && threshold.Value is { Length: > 0 } value)
            {
                sink.WithSetting(builder, $"Sink:LargeTrades:MinNotional:{threshold.Key}", value);
            }
        }

        if (builder.Configuration.GetConnectionString(VolumesResourceName) is { Length: > 0 })
        {
            return sink.WithReference(builder.AddConnectionString(VolumesResourceName));
        }

        return store.ToUpperInvariant() switch
        {
            "SQLITE" => sink.WithReference(builder.AddConnectionString(
                VolumesResourceName,
                ReferenceExpression.Create($"Data Source={builder.AddParameter("volumes-sqlite-file", Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", "..", "data", "volumes.db")), publishValueAsDefault: true)}"))),
            "POSTGRES" => throw new InvalidOperationException("Sink:Store is 'postgres': give the AppHost ConnectionStrings:volumes (e.g. --ConnectionStrings:volumes \"Host=...;Database=...;Username=...\")."),
            _ => sink,
        };
    }

    /// <summary>
    /// Sets <c>{section}:Window</c> from the one parameter <c>window</c>: the aggregator and the sink must use the same
    /// base window. Its value is <c>Aggregate:Window</c> or <c>Sink:Window</c> (default <see cref="DefaultWindow"/>); both
    /// given and different is an error.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithWindow(this IResourceBuilder<ProjectResource> service, IDistributedApplicationBuilder builder, string section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var aggregate = builder.Configuration["Aggregate:Window"];
        var sink = builder.Configuration["Sink:Window"];
        if (aggregate is { Length: > 0 } && sink is { Length: > 0 } && !string.Equals(aggregate.Trim(), sink.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"Aggregate:Window '{aggregate}' and Sink:Window '{sink}' differ: the sink stores the aggregator's windows, so give one of them (or both equal).");
        }

        var window = aggregate is { Length: > 0 } ? aggregate : sink is { Length: > 0 } ? sink : DefaultWindow;
        var parameter = builder.GetOrAddParameter("window", () => builder.AddParameter("window", window.Trim(), publishValueAsDefault: true)
            .WithDescription("Base window length of the aggregator and the sink (`Aggregate:Window`, `Sink:Window`)."));
        return service.WithEnvironment($"{section}__Window", parameter);
    }

    private static bool IsOneOf(string key, params string[] names) =>
        names.Any(name => key.Equals(name, StringComparison.OrdinalIgnoreCase) || key.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase));
}
