using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Backfill;
using BitcoinVolume.Ingest.Gaps;
using BitcoinVolume.Ingest.Pipeline;
using BitcoinVolume.Ingest.Producing;
using BitcoinVolume.Ingest.Recording;
using BitcoinVolume.Ingest.Recovery;
using BitcoinVolume.Ingest.Sources;
using BitcoinVolume.Ingest.Venues;
using BitcoinVolume.Kafka;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Ingest;

/// <summary>
/// Runs ingest: the configured source's frames (optionally recorded) go through the <see cref="FrameProcessor"/>
/// (parse, dedup, gap detection, produce, dead-letter); for live sources a <see cref="Backfiller"/> fills gaps from REST
/// alongside. The source's venue (resolved through the <see cref="VenueRegistry"/>) gives the parser and the history. A finite source (replay, synthetic with a count) ends with a flush and <c>finished</c> in the status.
/// A source that fails for good (missing file, reconnects given up) makes <c>/health</c> unhealthy; input never does.
/// </summary>
public sealed class IngestWorker(
    IOptions<IngestOptions> options,
    FrameSourceFactory sources,
    VenueRegistry venues,
    TradePublisher publisher,
    GapReporter reporter,
    IngestStatus status,
    IngestMetrics metrics,
    IConfiguration configuration,
    ILoggerFactory loggers,
    TimeProvider timeProvider,
    ILogger<IngestWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var o = options.Value;
        var (spec, resolved) = venues.Resolve(o.Source);
        var venue = resolved.Venue;
        var source = sources.Create(spec);
        var mode = GapPolicy.For(spec.IsLive, venue, o.Backfill.Enabled);
        var gate = new TradeGate(o.Gaps, mode, o.Backfill.MaxGapTrades, reporter, timeProvider);
        status.ObserveOpenGaps(() => gate.OpenGaps);
        metrics.ObserveOpenGaps(() => gate.OpenGaps);
        IReadOnlySet<string>? products = spec.IsLive
            ? o.LiveProducts.ToHashSet(StringComparer.Ordinal)
            : o.Products.Length == 0 ? null : o.Products.ToHashSet(StringComparer.Ordinal);
        if (spec.IsLive && o.Recovery.Enabled && products is not null)
        {
            await RecoverAsync(gate, venue.Id, products, o.Recovery, stoppingToken).ConfigureAwait(false);
        }

        var symbols = SymbolMap.ForProducts(venue, products ?? (IEnumerable<string>)[]);
        var processor = new FrameProcessor(venue.CreateParser(o.Parser, timeProvider, symbols), gate, publisher, reporter, metrics, status, logger, timeProvider, products, venue.Id);
        FrameRecorder? recorder;
        try
        {
            recorder = string.IsNullOrWhiteSpace(o.Record.Path) ? null : new FrameRecorder(o.Record, timeProvider, loggers.CreateLogger<FrameRecorder>());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            status.Fail($"cannot record into {o.Record.Path}: {e.Message}");
            logger.RecordPathNotUsable(e, o.Record.Path);
            return;
        }

        using var recording = recorder;

        logger.Reading(source.Description, products is null ? "all in the source" : string.Join(",", products), mode, o.Record.Path ?? "off");
        status.Report($"reading {source.Description}");
        var started = timeProvider.GetTimestamp();
        using var stopBackfill = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var backfill = mode == GapMode.Backfill
            ? new Backfiller(gate, venue.CreateHistory(o.Parser, timeProvider, symbols), publisher, reporter, o.Backfill, metrics, status,
                loggers.CreateLogger<Backfiller>(), timeProvider).RunAsync(stopBackfill.Token)
            : Task.CompletedTask;
        try
        {
            await foreach (var frame in source.ReadFramesAsync(stoppingToken).ConfigureAwait(false))
            {
                recorder?.Write(frame);
                await processor.ProcessAsync(frame, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e)
        {
            status.Fail(e.Message);
            logger.SourceFailed(e, source.Description, e.Message);
            return;
        }
        finally
        {
            await stopBackfill.CancelAsync().ConfigureAwait(false);
            await backfill.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        publisher.Flush(stoppingToken);
        var elapsed = timeProvider.GetElapsedTime(started);
        status.Report($"finished {source.Description}", finished: true);
        logger.SourceFinished(
            source.Description, elapsed.TotalSeconds, processor.Frames, processor.Trades, processor.Duplicates, processor.Ignored + processor.Heartbeats,
            processor.Invalid, processor.FilteredOut, publisher.Delivered, publisher.DeliveryErrors);
    }

    /// <summary>
    /// Restart recovery: seeds the gate with what earlier runs produced (the tail of `trades`), so the first live trade
    /// after a restart opens a gap from the stored high-water mark that the backfiller fills, and gaps still open when
    /// the previous run stopped are fetched again. Kafka trouble here is logged and ingest starts without it.
    /// </summary>
    private async Task RecoverAsync(TradeGate gate, string venue, IReadOnlySet<string> products, RecoveryOptions recovery, CancellationToken stoppingToken)
    {
        status.Report("recovering high-water marks from trades");
        try
        {
            var client = KafkaClientSettings.From(configuration).ToClientConfig();
            var tail = await Task.Run(() => TradeTailReader.Read(client, recovery, logger, stoppingToken), stoppingToken).ConfigureAwait(false);
            var restored = 0;
            var holes = 0;
            foreach (var (stream, ids) in tail.IdsByStream)
            {
                var (streamVenue, product) = StreamKey.Parse(stream);
                if (streamVenue == venue && products.Contains(product))
                {
                    holes += gate.Restore(stream, ids, tail.TextIdsByStream.GetValueOrDefault(stream));
                    restored++;
                }
            }

            logger.Recovered(
                restored, tail.Records, tail.Partitions, tail.Elapsed.TotalMilliseconds, tail.Complete ? "" : ", INCOMPLETE: time limit Ingest:Recovery:Timeout reached", holes,
                string.Join(", ", products.Select(p => $"{StreamKey.Of(venue, p)}={gate.HighWaterMark(StreamKey.Of(venue, p))?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}")));
        }
        catch (Exception e) when (e is Confluent.Kafka.KafkaException or InvalidOperationException)
        {
            logger.RecoveryFailed(e, e.Message);
        }
    }
}
