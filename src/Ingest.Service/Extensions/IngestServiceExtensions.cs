using BitcoinVolume.Ingest;
using BitcoinVolume.Ingest.Gaps;
using BitcoinVolume.Ingest.Producing;
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
        services.AddSingleton<IValidateOptions<IngestOptions>, IngestOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IngestMetrics>();
        services.AddSingleton(sp => new IngestStatus { UnhealthyAfterFailures = Options(sp).Live.UnhealthyAfterFailures });
        services.AddSingleton(sp => new TradePublisher(
            KafkaClientSettings.From(builder.Configuration).ToClientConfig(),
            Options(sp).Kafka,
            sp.GetRequiredService<IngestMetrics>(),
            sp.GetRequiredService<ILogger<TradePublisher>>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<GapReporter>();
        services.AddSingleton<FrameSourceFactory>();

        // Every venue (parser, live feed, REST history, its options) and the registry the pipeline finds them in.
        services.AddIngestVenues();

        services.AddKafkaTopicProvisioning();
        services.AddHostedService<IngestWorker>();
        services.AddHealthChecks()
            .AddCheck<IngestStatus>("ingest")
            .AddCheck<TradePublisher>("kafka-producer");
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, IngestApiJsonContext.Default));
        return builder;
    }

    private static IngestOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<IngestOptions>>().Value;

    /// <summary>Checks every setting of section <c>Ingest</c> at start and names each bad one (a venue validates its own section).</summary>
    private sealed class IngestOptionsValidator(VenueRegistry venues) : IValidateOptions<IngestOptions>
    {
        public ValidateOptionsResult Validate(string? name, IngestOptions options)
        {
            var errors = new List<string>();
            try
            {
                venues.Resolve(options.Source);
            }
            catch (ArgumentException e)
            {
                errors.Add(e.Message);
            }

            var live = options.Live;
            Check(live.StallTimeout > TimeSpan.Zero, "Ingest:Live:StallTimeout must be positive");
            Check(live.ConnectTimeout > TimeSpan.Zero, "Ingest:Live:ConnectTimeout must be positive");
            Check(live.ReconnectDelay > TimeSpan.Zero && live.MaxReconnectDelay >= live.ReconnectDelay, "Ingest:Live:ReconnectDelay must be positive and at most Ingest:Live:MaxReconnectDelay");
            Check(live.MaxReconnectAttempts >= 0, "Ingest:Live:MaxReconnectAttempts must be 0 (no limit) or more");
            Check(live.FrameBuffer is > 0 and <= 1_000_000, "Ingest:Live:FrameBuffer must be between 1 and 1,000,000");
            Check(live.UnhealthyAfterFailures > 0, "Ingest:Live:UnhealthyAfterFailures must be positive");
            var backfill = options.Backfill;
            Check(backfill.PageSize is > 0 and <= BackfillOptions.MaxPageSize, $"Ingest:Backfill:PageSize must be between 1 and {BackfillOptions.MaxPageSize}");
            Check(backfill.RequestsPerSecond > 0, "Ingest:Backfill:RequestsPerSecond must be positive");
            Check(backfill.MaxAttempts > 0, "Ingest:Backfill:MaxAttempts must be positive");
            Check(backfill.MaxGapTrades > 0, "Ingest:Backfill:MaxGapTrades must be positive");
            Check(backfill.Delay >= TimeSpan.Zero && backfill.RetryDelay >= TimeSpan.Zero && backfill.PollInterval > TimeSpan.Zero, "Ingest:Backfill delays must not be negative (PollInterval positive)");
            Check(options.Gaps.MaxOpenGapsPerProduct > 0 && options.Gaps.MaxProducts > 0, "Ingest:Gaps limits must be positive");
            Check(options.Record.MaxFileBytes > 0 && options.Record.MaxFileAge > TimeSpan.Zero && options.Record.MaxFiles >= 0 && options.Record.FlushInterval > TimeSpan.Zero,
                "Ingest:Record:MaxFileBytes, MaxFileAge and FlushInterval must be positive, MaxFiles 0 or more");
            Check(options.Replay.Speed > 0, "Ingest:Replay:Speed must be positive");
            Check(options.Kafka.MaxBufferedMessages > 0 && options.Kafka.MaxBufferedKbytes > 0 && options.Kafka.UnhealthyAfter > TimeSpan.Zero, "Ingest:Kafka limits must be positive");
            Check(options.Recovery.MaxRecordsPerPartition > 0 && options.Recovery.Timeout > TimeSpan.Zero, "Ingest:Recovery:MaxRecordsPerPartition and Timeout must be positive");
            Check(options.Parser.MaxFrameBytes > 0, "Ingest:Parser:MaxFrameBytes must be positive");
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);

            void Check(bool ok, string error)
            {
                if (!ok)
                {
                    errors.Add(error);
                }
            }
        }
    }
}
