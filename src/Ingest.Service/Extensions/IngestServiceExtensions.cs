using BitcoinVolume.Ingest;
using BitcoinVolume.Ingest.Gaps;
using BitcoinVolume.Ingest.Pipeline;
using BitcoinVolume.Ingest.Producing;
using BitcoinVolume.Ingest.Recovery;
using BitcoinVolume.Ingest.Sources;
using BitcoinVolume.Ingest.Venues;
using BitcoinVolume.Kafka;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

public static class IngestServiceExtensions
{
    public static IHostApplicationBuilder AddIngestServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<IngestOptions>().BindConfiguration(IngestOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<IngestOptions>, IngestSourceValidator>();
        services.AddSingleton<IValidateOptions<IngestOptions>, IngestOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IngestMetrics>();
        services.AddSingleton(sp => new IngestStatus { UnhealthyAfterFailures = Options(sp).Live.UnhealthyAfterFailures });

        // No Ingest:Source (or "live"): every enabled venue, each with its own status and health check ingest-<venue>.
        var plan = VenuePlan.From(builder.Configuration);
        services.AddSingleton(sp => new IngestVenueStatuses(plan, sp.GetRequiredService<IngestStatus>(), Options(sp).Live.UnhealthyAfterFailures));
        services.AddSingleton<DeliveredMarks>();
        services.AddSingleton<GapFillAcks>();
        services.AddSingleton(sp => new TradePublisher(
            KafkaClientSettings.From(builder.Configuration).ToClientConfig(),
            Options(sp).Kafka,
            sp.GetRequiredService<IngestMetrics>(),
            sp.GetRequiredService<ILogger<TradePublisher>>(),
            sp.GetRequiredService<TimeProvider>())
        {
            // Acknowledgements are tracked only when the marks are kept (Ingest:State:Path).
            Marks = string.IsNullOrWhiteSpace(Options(sp).State.Path) ? null : sp.GetRequiredService<DeliveredMarks>(),
            Fills = sp.GetRequiredService<GapFillAcks>(),
        });
        services.AddSingleton<GapReporter>();
        services.AddSingleton<FrameSourceFactory>();

        // Every venue (parser, live feed, REST history, its options) and the registry the pipeline finds them in.
        services.AddIngestVenues();

        services.AddKafkaTopicProvisioning();
        services.AddHostedService<IngestWorker>();
        services.AddStatusPublishing<IngestStatusReports>(IngestOptions.Section);
        var checks = services.AddHealthChecks();
        if (plan is null)
        {
            checks.AddCheck<IngestStatus>("ingest");
        }

        IngestVenueStatuses.AddHealthChecks(checks, plan);
        checks.AddCheck<KafkaProducerHealthCheck>(KafkaProducerHealthCheck.Name, tags: ["ready"]);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, IngestApiJsonContext.Default));
        return builder;
    }

    private static IngestOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<IngestOptions>>().Value;
}
