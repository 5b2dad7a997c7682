using System.Globalization;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Backfill;
using BitcoinVolume.Ingest.Gaps;
using BitcoinVolume.Ingest.Live;
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
/// Runs ingest. Multi-venue mode (<c>Ingest:Source</c> unset or <c>live</c>, see <see cref="VenuePlan"/>): every enabled
/// venue is its own pipeline on its own task — its live feed, parser, gate, backfiller and recovery, its own
/// <see cref="IngestStatus"/> (<c>ingest-&lt;venue&gt;</c>) — sharing the one <see cref="TradePublisher"/>; a venue that is
/// unreachable, refuses its subscription or has no adapter never stalls the others. Single-source mode (a named live
/// source, replay, synthetic): the source's frames (optionally recorded) go through the <see cref="FrameProcessor"/>
/// (parse, dedup, gap detection, produce, dead-letter); for live sources a <see cref="Backfiller"/> fills gaps from REST
/// alongside; a source that carries several venues (<see cref="IMultiVenueSource"/>) gets a parser and gate per venue
/// (<see cref="VenueFrameRouter"/>). A finite source (replay, synthetic with a count) ends with a flush and
/// <c>finished</c> in the status. A source that fails for good (missing file, reconnects given up) makes its health check
/// unhealthy; input never does.
/// </summary>
public sealed class IngestWorker(
    IOptions<IngestOptions> options,
    FrameSourceFactory sources,
    VenueRegistry venues,
    TradePublisher publisher,
    GapReporter reporter,
    IngestStatus status,
    IngestVenueStatuses venueStatuses,
    IngestMetrics metrics,
    DeliveredMarks deliveredMarks,
    GapFillAcks fillAcks,
    IConfiguration configuration,
    ILoggerFactory loggers,
    TimeProvider timeProvider,
    ILogger<IngestWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var o = options.Value;
        FrameRecorder? recorder;
        try
        {
            recorder = string.IsNullOrWhiteSpace(o.Record.Path) ? null : new FrameRecorder(o.Record, timeProvider, loggers.CreateLogger<FrameRecorder>());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            status.Fail($"cannot record into {o.Record.Path}: {e.Message}");
            foreach (var venue in venueStatuses.All)
            {
                venue.Fail($"cannot record into {o.Record.Path}: {e.Message}");
            }

            logger.RecordPathNotUsable(e, o.Record.Path);
            return;
        }

        using var recording = recorder;
        if (venueStatuses.IsMultiVenue)
        {
            await RunVenuesAsync(o, recorder, stoppingToken).ConfigureAwait(false);
            return;
        }

        var (spec, resolved) = venues.Resolve(o.Source);
        var source = sources.Create(spec);
        IReadOnlySet<string>? products = spec.IsLive
            ? o.LiveProducts.ToHashSet(StringComparer.Ordinal)
            : o.Products.Length == 0 ? null : o.Products.ToHashSet(StringComparer.Ordinal);
        var tail = spec.IsLive && o.Recovery.Enabled && products is not null ? ReadTailAsync(o.Recovery, stoppingToken) : null;
        await RunPipelineAsync(resolved.Venue, spec.IsLive, source, products, status, recorder, tail, stoppingToken).ConfigureAwait(false);
    }

    /// <summary>Every venue of the plan on its own task; the tail of `trades` is read once for all of them.</summary>
    private async Task RunVenuesAsync(IngestOptions o, FrameRecorder? recorder, CancellationToken stoppingToken)
    {
        var plan = venueStatuses.Plan;
        logger.ReadingVenues(plan.Count, string.Join("; ", plan.Select(v => $"{v.Id}: {string.Join(",", v.Products)}")));
        status.Report($"reading {plan.Count} venues");
        status.ObserveOpenGaps(() => venueStatuses.All.Sum(s => s.OpenGaps));
        var tail = o.Recovery.Enabled ? ReadTailAsync(o.Recovery, stoppingToken) : null;
        var runs = new List<Task>();
        foreach (var planned in plan)
        {
            var venueStatus = venueStatuses.Of(planned.Id);
            if (!venues.TryGet(planned.Id, out var venue))
            {
                logger.VenueWithoutAdapter(planned.Id);
                venueStatus.Unavailable("no adapter");
                continue;
            }

            runs.Add(Task.Run(() => RunVenueAsync(venue, planned, venueStatus, o, recorder, tail, stoppingToken), stoppingToken));
        }

        await Task.WhenAll(runs).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task RunVenueAsync(IVenue venue, PlannedVenue planned, IngestStatus venueStatus, IngestOptions o, FrameRecorder? recorder, Task<TradeTail?>? tail, CancellationToken stoppingToken)
    {
        IFrameSource source;
        try
        {
            var feed = venue.CreateLiveFeed(venue.LiveSources[0].Name);
            source = new WebSocketFrameSource(feed, planned.Products, o.Live, o.Parser.MaxFrameBytes, venueStatus, metrics, loggers.CreateLogger<WebSocketFrameSource>(), timeProvider);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            venueStatus.Fail($"cannot create the live feed of {venue.Id}: {e.Message}");
            logger.SourceFailed(e, venue.Id, e.Message);
            return;
        }

        await RunPipelineAsync(venue, live: true, source, planned.Products.ToHashSet(StringComparer.Ordinal), venueStatus, recorder, tail, stoppingToken).ConfigureAwait(false);
    }

    /// <summary>One source through its venue's pipeline (or, for a source of several venues, through one pipeline per venue).</summary>
    private async Task RunPipelineAsync(
        IVenue venue, bool live, IFrameSource source, IReadOnlySet<string>? products, IngestStatus pipelineStatus, FrameRecorder? recorder, Task<TradeTail?>? tail,
        CancellationToken stoppingToken)
    {
        var o = options.Value;
        var mode = GapPolicy.For(live, venue, o.Backfill.Enabled);
        var store = live && !string.IsNullOrWhiteSpace(o.State.Path) ? new IngestStateStore(Path.GetFullPath(o.State.Path), logger) : null;
        var gate = new TradeGate(o.Gaps, mode, o.Backfill.MaxGapTrades, reporter, timeProvider) { Tracker = store is null ? null : deliveredMarks, Fills = live ? fillAcks : null };
        pipelineStatus.ObserveOpenGaps(() => gate.OpenGaps);
        if (pipelineStatus == status)
        {
            metrics.ObserveOpenGaps(() => gate.OpenGaps);
        }

        IReadOnlyList<TradeGap> restartGaps = [];
        if ((tail is not null || store is not null) && products is not null)
        {
            pipelineStatus.Report("recovering high-water marks");
            var stored = store?.Load(venue.Id);
            if (store is not null)
            {
                logger.StateLoaded(venue.Id, store.Folder, stored!.Count, string.Join(", ", stored.Values.Select(m => $"{m.Stream}={m.TradeId.ToString(CultureInfo.InvariantCulture)}")));
            }

            var recovered = tail is null ? null : await tail.ConfigureAwait(false);
            Restore(recovered, gate, venue.Id, products);
            restartGaps = ResumeFromStoredMarks(recovered, stored, gate, venue, mode, products, pipelineStatus);
        }

        var symbols = SymbolMap.ForProducts(venue, products ?? (IEnumerable<string>)[]);
        var processor = new FrameProcessor(venue.CreateParser(o.Parser, timeProvider, symbols), gate, publisher, reporter, metrics, pipelineStatus, logger, timeProvider, products, venue.Id);
        foreach (var downtime in restartGaps)
        {
            processor.Resumed(downtime);
        }

        var router = source is IMultiVenueSource multi
            ? new VenueFrameRouter(venue.Id, processor, id => ProcessorOf(multi, id, products, pipelineStatus), v => logger.FramesOfUnknownVenue(v, source.Description))
            : null;

        logger.Reading(source.Description, products is null ? "all in the source" : string.Join(",", products), mode, o.Record.Path ?? "off");
        pipelineStatus.Report($"reading {source.Description}");
        var started = timeProvider.GetTimestamp();
        using var stopBackfill = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var backfill = mode == GapMode.Backfill
            ? new Backfiller(gate, venue.CreateHistory(o.Parser, timeProvider, symbols), publisher, reporter, o.Backfill, metrics, pipelineStatus,
                loggers.CreateLogger<Backfiller>(), timeProvider).RunAsync(stopBackfill.Token)
            : Task.CompletedTask;
        var marks = store is null
            ? Task.CompletedTask
            : WriteMarksAsync(store, venue.Id, gate, o.State.Interval, o.State.Rewind, gate.DurableMarks().ToDictionary(m => m.Stream, m => m.TradeId, StringComparer.Ordinal), stopBackfill.Token);
        try
        {
            await foreach (var frame in source.ReadFramesAsync(stoppingToken).ConfigureAwait(false))
            {
                if (frame.SessionEnded is null)
                {
                    recorder?.Write(frame);
                }

                if (router is null)
                {
                    await processor.ProcessAsync(frame, stoppingToken).ConfigureAwait(false);
                }
                else
                {
                    await router.ProcessAsync(frame, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await stopBackfill.CancelAsync().ConfigureAwait(false);
            await backfill.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await DrainMarkersAsync(o.Kafka.FlushTimeout).ConfigureAwait(false);
            return;
        }
        catch (Exception e)
        {
            pipelineStatus.Fail(e.Message);
            logger.SourceFailed(e, source.Description, e.Message);
            return;
        }
        finally
        {
            await stopBackfill.CancelAsync().ConfigureAwait(false);
            await backfill.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await marks.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        publisher.Flush(stoppingToken);
        await reporter.FlushAsync(publisher, stoppingToken).ConfigureAwait(false);
        var elapsed = timeProvider.GetElapsedTime(started);
        pipelineStatus.Report($"finished {source.Description}", finished: true);
        var all = router?.Processors ?? [processor];
        logger.SourceFinished(
            source.Description, elapsed.TotalSeconds, all.Sum(p => p.Frames), all.Sum(p => p.Trades), all.Sum(p => p.Duplicates),
            all.Sum(p => p.Ignored + p.Heartbeats), all.Sum(p => p.Invalid), all.Sum(p => p.FilteredOut), publisher.Delivered, publisher.DeliveryErrors);
    }

    /// <summary>
    /// At a stop: waits (at most <paramref name="timeout"/>) for Kafka to acknowledge what is buffered, then produces the gap
    /// markers that were waiting for it (a filled marker held for its trades' acknowledgement), so they are not lost with the
    /// process. The producer's own shutdown flush then delivers them.
    /// </summary>
    private async Task DrainMarkersAsync(TimeSpan timeout)
    {
        if (reporter.HeldMarkers == 0)
        {
            await reporter.FlushAsync(publisher, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        using var wait = new CancellationTokenSource(timeout);
        try
        {
            publisher.Flush(wait.Token);
        }
        catch (OperationCanceledException)
        {
            // What is still unacknowledged keeps its markers held: the next start recovers those gaps from the tail.
        }

        await reporter.FlushAsync(publisher, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>The pipeline of one venue of a source that carries several: its parser, a gate of its own, its instruments; null without an adapter.</summary>
    private FrameProcessor? ProcessorOf(IMultiVenueSource source, string venueId, IReadOnlySet<string>? products, IngestStatus pipelineStatus)
    {
        if (!venues.TryGet(venueId, out var venue))
        {
            return null;
        }

        var o = options.Value;
        var gate = new TradeGate(o.Gaps, GapPolicy.For(live: false, venue, o.Backfill.Enabled), o.Backfill.MaxGapTrades, reporter, timeProvider);
        var symbols = SymbolMap.ForProducts(venue, products ?? (IEnumerable<string>)[]);
        if (source.Instruments.TryGetValue(venueId, out var instruments))
        {
            symbols.AddRange(instruments);
        }

        return new FrameProcessor(venue.CreateParser(o.Parser, timeProvider, symbols), gate, publisher, reporter, metrics, pipelineStatus, logger, timeProvider, products, venue.Id);
    }

    /// <summary>
    /// Writes the venue's durable marks every <paramref name="interval"/> until stopped, and once more then (what is still
    /// unacknowledged at that moment holds its stream's mark back: the next start fetches it again, never loses it). Each
    /// file also carries the rewind marks: per stream the mark of the newest write at least <paramref name="rewind"/> old
    /// (at start: the marks the streams resumed with, <paramref name="resumed"/>).
    /// </summary>
    private async Task WriteMarksAsync(
        IngestStateStore store, string venue, TradeGate gate, TimeSpan interval, TimeSpan rewind, IReadOnlyDictionary<string, long> resumed, CancellationToken stoppingToken)
    {
        var history = new Queue<(DateTimeOffset At, Dictionary<string, long> Marks)>();
        history.Enqueue((timeProvider.GetUtcNow() - rewind, new Dictionary<string, long>(resumed, StringComparer.Ordinal)));
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(interval, timeProvider, stoppingToken).ConfigureAwait(false);
                Save();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            Save();
        }

        void Save()
        {
            var now = timeProvider.GetUtcNow();
            var marks = gate.DurableMarks();
            if (marks.Count == 0)
            {
                return;
            }

            history.Enqueue((now, marks.ToDictionary(m => m.Stream, m => m.TradeId, StringComparer.Ordinal)));
            while (history.Count > 1 && history.ElementAt(1).At <= now - rewind)
            {
                history.Dequeue();
            }

            store.Save(venue, marks, history.Peek().Marks, now);
        }
    }

    /// <summary>
    /// Restart recovery from ingest's own stored marks (<see cref="IngestStateStore"/>), after the tail of `trades`: per
    /// stream the newer of the two wins, logged with the reason. A contiguous stream seeded from its stored mark has its
    /// downtime (the ids between the mark and the first live trade) opened as a gap that the backfiller fills (its markers,
    /// cause <c>restart</c>, run from the mark's trade time to the first live trade's: open, then filled or unfilled); a venue
    /// that cannot backfill (ids not contiguous, no REST history, or backfill off) has it logged and counted as lost, and
    /// on a venue whose ids are not contiguous the downtime is returned as an open <c>restart</c> marker per stream, from the
    /// mark's trade time, which the stream's first new trade makes unfilled (<see cref="FrameProcessor.Resumed"/>).
    /// </summary>
    private List<TradeGap> ResumeFromStoredMarks(
        TradeTail? tail, IReadOnlyDictionary<string, StoredMark>? stored, TradeGate gate, IVenue venue, GapMode mode, IReadOnlySet<string> products, IngestStatus pipelineStatus)
    {
        var downtimes = new List<TradeGap>();
        foreach (var product in products.Order(StringComparer.Ordinal))
        {
            var stream = StreamKey.Of(venue.Id, product);
            var local = stored?.GetValueOrDefault(stream);
            var tailIds = tail?.IdsByStream.GetValueOrDefault(stream);
            long? tailHigh = tailIds is { Count: > 0 } ? tailIds.Max() : null;
            if (local is null)
            {
                if (tailHigh is { } high)
                {
                    logger.Resumed(stream, high, default, "the tail of trades", "no local mark is stored");
                    metrics.Resumed(venue.Id, ResumeSources.Trades);
                    pipelineStatus.Resumed(new StreamResume(stream, high, ResumeSources.Trades, null, mode == GapMode.Backfill));
                }

                continue;
            }

            var ago = (timeProvider.GetUtcNow() - local.Time).TotalSeconds;
            var backfills = mode == GapMode.Backfill && local.Contiguous;
            if (mode == GapMode.DedupOnly || !local.Contiguous)
            {
                // Nothing to seed: a mark of ids that are not contiguous says nothing about the ids below it.
            }
            else if (tailHigh is { } tailMark && tailMark >= local.TradeId)
            {
                logger.Resumed(stream, tailMark, local.Time, "the tail of trades", $"not older than the local mark {local.TradeId.ToString(CultureInfo.InvariantCulture)}");
                metrics.Resumed(venue.Id, ResumeSources.Trades);
                pipelineStatus.Resumed(new StreamResume(stream, tailMark, ResumeSources.Trades, local.Time, backfills));
                continue;
            }
            else
            {
                if (tailHigh is not null)
                {
                    // The tail seeded the stream with older ids: start it over from the newer local mark.
                    gate.Forget(stream);
                }

                // Without a record in trades (a new development broker), the old log's last trades may never have reached
                // the aggregator: resume at the rewind mark, so they are fetched again (counted once by trade id).
                var resumeAt = tailHigh is null && local.RewindTradeId is { } rewind ? rewind : local.TradeId;
                if (gate.RestoreMark(stream, resumeAt, local.Time))
                {
                    var newer = tailHigh is { } older
                        ? $"newer than the tail of trades ({older.ToString(CultureInfo.InvariantCulture)})"
                        : resumeAt < local.TradeId
                            ? $"trades holds no record of it (a new development broker, or Ingest:Recovery off), so it resumes at the rewind mark (Ingest:State:Rewind) {resumeAt.ToString(CultureInfo.InvariantCulture)}, {(local.TradeId - resumeAt).ToString(CultureInfo.InvariantCulture)} ids before the mark {local.TradeId.ToString(CultureInfo.InvariantCulture)}, fetching again what the old broker's log may not have passed on"
                            : "trades holds no record of it (a new development broker, or Ingest:Recovery off)";
                    logger.Resumed(stream, resumeAt, local.Time, "the local mark", backfills
                        ? $"{newer}; the downtime since {local.Time:O} ({ago:F0} s ago) is backfilled from REST"
                        : newer);
                    metrics.Resumed(venue.Id, ResumeSources.Local);
                    pipelineStatus.Resumed(new StreamResume(stream, resumeAt, ResumeSources.Local, local.Time, backfills));
                }
            }

            if (!backfills)
            {
                var why = mode switch
                {
                    GapMode.DedupOnly => "its trade ids are not contiguous, so the missed ones cannot be named",
                    GapMode.Report => "Ingest:Backfill:Enabled=false; the gap is reported unfilled when the first live trade shows it",
                    _ => "it serves no trade history",
                };

                logger.DowntimeLost(stream, local.TradeId, local.Time, ago, venue.Id, why);
                metrics.DowntimeLost(venue.Id);
                pipelineStatus.Resumed(new StreamResume(stream, local.TradeId, ResumeSources.Local, local.Time, Backfilled: false));
                if (mode == GapMode.DedupOnly || !local.Contiguous)
                {
                    // Contiguous ids without backfill: the gate's restart gap of the first live trade is reported unfilled.
                    downtimes.Add(RestartGap(venue.Id, product, local.Time, why));
                }
            }
        }

        return downtimes;
    }

    /// <summary>The open marker of a stream's downtime on a venue that cannot name the trades it missed: from the stored mark's trade time to now.</summary>
    private TradeGap RestartGap(string venue, string product, DateTimeOffset since, string why)
    {
        var now = timeProvider.GetUtcNow();
        return new TradeGap(
            venue, product, $"restart:{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture)}", GapState.Open, since, now > since ? now : since, TradeGap.Restart,
            $"ingest restart: {venue} trades after its last delivered one ({since:O}) were not received while ingest was down and cannot be backfilled ({why})");
    }

    /// <summary>
    /// Restart recovery: reads the tail of `trades` (what earlier runs produced), once for all venues. Kafka trouble here
    /// is logged and ingest starts without it (null).
    /// </summary>
    private Task<TradeTail?> ReadTailAsync(RecoveryOptions recovery, CancellationToken stoppingToken) => Task.Run(() =>
    {
        try
        {
            var client = KafkaClientSettings.From(configuration).ToClientConfig();
            return TradeTailReader.Read(client, recovery, logger, stoppingToken);
        }
        catch (Exception e) when (e is Confluent.Kafka.KafkaException or InvalidOperationException)
        {
            logger.RecoveryFailed(e, e.Message);
            return null;
        }
    }, stoppingToken);

    /// <summary>
    /// Seeds a venue's gate with what earlier runs produced for its streams, so the first live trade after a restart opens
    /// a gap from the stored high-water mark that the backfiller fills, and gaps still open when the previous run stopped
    /// are fetched again.
    /// </summary>
    private void Restore(TradeTail? tail, TradeGate gate, string venue, IReadOnlySet<string> products)
    {
        if (tail is null)
        {
            return;
        }

        var restored = 0;
        var holes = 0;
        foreach (var (stream, ids) in tail.IdsByStream)
        {
            var (streamVenue, product) = StreamKey.Parse(stream);
            if (streamVenue == venue && products.Contains(product))
            {
                holes += gate.Restore(stream, ids, tail.TextIdsByStream.GetValueOrDefault(stream), tail.TimesByStream.GetValueOrDefault(stream), tail.UnresolvedGapsByStream.GetValueOrDefault(stream));
                restored++;
            }
        }

        logger.Recovered(
            restored, tail.Records, tail.Partitions, tail.Elapsed.TotalMilliseconds, tail.Complete ? "" : ", INCOMPLETE: time limit Ingest:Recovery:Timeout reached", holes,
            string.Join(", ", products.Select(p => $"{StreamKey.Of(venue, p)}={gate.HighWaterMark(StreamKey.Of(venue, p))?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}")));
    }
}
