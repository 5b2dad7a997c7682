using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Producing;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

public static class IngestServiceExtensions
{
    public static IHostApplicationBuilder AddIngestServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IngestOptions>().BindConfiguration(IngestOptions.Section)
            .Validate(o => TryParseSource(o.Source), BitcoinVolume.Ingest.Sources.SourceSpec.Help)
            .ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IngestMetrics>();
        builder.Services.AddSingleton<IngestStatus>();
        builder.Services.AddSingleton(sp => new CoinbaseFrameParser(sp.GetRequiredService<IOptions<IngestOptions>>().Value.Parser, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(sp => new TradePublisher(
            KafkaSettings.GetBootstrapServers(builder.Configuration),
            sp.GetRequiredService<IngestMetrics>(),
            sp.GetRequiredService<ILogger<TradePublisher>>()));
        builder.Services.AddHostedService<TopicProvisioning>();
        builder.Services.AddHostedService<IngestWorker>();
        builder.Services.AddHealthChecks().AddCheck<IngestStatus>("ingest");
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, IngestApiJsonContext.Default));
        return builder;
    }

    private static bool TryParseSource(string value)
    {
        try
        {
            BitcoinVolume.Ingest.Sources.SourceSpec.Parse(value);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Creates missing topics on a real cluster before the worker produces (runs first: hosted services start in order).</summary>
    private sealed class TopicProvisioning(IConfiguration configuration, ILogger<TopicProvisioning> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var created = await KafkaTopicProvisioner.EnsureTopicsAsync(KafkaSettings.GetBootstrapServers(configuration), Topics.All, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (created.Count > 0)
            {
                logger.LogInformation("Created Kafka topics: {Topics}", string.Join(", ", created));
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
