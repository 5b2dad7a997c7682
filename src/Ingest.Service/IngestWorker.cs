using System.Text;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Producing;
using BitcoinVolume.Ingest.Sources;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Ingest;

/// <summary>
/// Reads frames from the configured source, normalizes them to taker-side trades, and produces them to Kafka.
/// Frames that are not trades are counted and skipped; frames that are bad are counted, logged once per reason and
/// dead-lettered. Input never stops the service.
/// </summary>
public sealed class IngestWorker(
    IOptions<IngestOptions> options,
    CoinbaseFrameParser parser,
    TradePublisher publisher,
    IngestStatus status,
    IngestMetrics metrics,
    TimeProvider timeProvider,
    ILogger<IngestWorker> logger) : BackgroundService
{
    private const int MaxRawBytesInDeadLetter = 64 * 1024;
    private readonly HashSet<string> loggedReasons = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var spec = SourceSpec.Parse(options.Value.Source);
        IFrameSource? source = spec.Kind switch
        {
            SourceKind.Replay => new ReplayFileSource(spec.Path!),
            _ => null,
        };
        if (source is null)
        {
            status.Report($"source {spec} is not available in this version");
            logger.LogWarning(
                "Ingest source '{Source}': the live Coinbase feed is not built yet (its issue adds it). No trades will be read. " +
                "Replay a recording instead: --Ingest:Source replay:/absolute/path/to/frames.ndjson", spec);
            return;
        }

        var products = options.Value.Products.Length == 0 ? null : options.Value.Products.ToHashSet(StringComparer.Ordinal);
        logger.LogInformation("Ingest reading {Source}; products: {Products}", source.Description, products is null ? "all in the source" : string.Join(",", products));
        status.Report($"reading {source.Description}");

        var counts = new IngestCounts();
        var trades = new List<Trade>(128);
        var started = timeProvider.GetTimestamp();
        await foreach (var frame in source.ReadFramesAsync(stoppingToken).ConfigureAwait(false))
        {
            trades.Clear();
            var result = parser.Parse(frame.Data.Span, trades);
            counts.Frames++;
            metrics.Frame(result.Kind.ToString().ToLowerInvariant(), result.Label);
            if (result.Kind == FrameKind.Ignored)
            {
                counts.Ignored++;
            }

            foreach (var trade in trades)
            {
                if (products is not null && !products.Contains(trade.Product))
                {
                    counts.FilteredOut++;
                    continue;
                }

                publisher.Publish(trade, stoppingToken);
                counts.Trades++;
            }

            metrics.Trades(trades.Count);
            if (result.Kind == FrameKind.Invalid)
            {
                counts.Invalid++;
                DeadLetter(frame, result, stoppingToken);
            }
        }

        publisher.Flush(stoppingToken);
        var elapsed = timeProvider.GetElapsedTime(started);
        status.Report($"finished {source.Description}", finished: true);
        logger.LogInformation(
            "Replay of {Source} finished in {Elapsed:F1} s: {Frames} frames, {Trades} trades produced, {Ignored} non-trade frames skipped, " +
            "{Invalid} invalid frames dead-lettered, {Filtered} trades of other products left out; Kafka acknowledged {Delivered}, failed {Failed}",
            source.Description, elapsed.TotalSeconds, counts.Frames, counts.Trades, counts.Ignored, counts.Invalid, counts.FilteredOut,
            publisher.Delivered, publisher.DeliveryErrors);
    }

    private void DeadLetter(RawFrame frame, FrameResult result, CancellationToken cancellationToken)
    {
        var reason = result.Reason ?? DeadLetterReasons.MalformedJson;
        metrics.DeadLettered(reason);
        if (loggedReasons.Add(reason))
        {
            logger.LogWarning("Dead-lettering frame at {Origin}: {Reason} ({Detail}). Further frames with this reason are counted in ingest.frames.dead_lettered, not logged.", frame.Origin, reason, result.Detail);
        }

        var raw = frame.Data.Length <= MaxRawBytesInDeadLetter
            ? Encoding.UTF8.GetString(frame.Data.Span)
            : Encoding.UTF8.GetString(frame.Data.Span[..MaxRawBytesInDeadLetter]) + "…(truncated)";
        publisher.DeadLetter(new DeadLetter(reason, result.Detail ?? reason, frame.Origin, raw, timeProvider.GetUtcNow()), cancellationToken);
    }

    private sealed class IngestCounts
    {
        public long Frames { get; set; }

        public long Trades { get; set; }

        public long Ignored { get; set; }

        public long Invalid { get; set; }

        public long FilteredOut { get; set; }
    }
}
