using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Producing;

namespace BitcoinVolume.Ingest.Gaps;

/// <summary>The raw part of an <c>unfilled_gap</c> record on trades.dlq (JSON); <paramref name="Venue"/> is the stream's venue.</summary>
public sealed record UnfilledGapRecord(string Product, long FirstTradeId, long LastTradeId, long Trades, int Attempts, string Reason, string Venue = Contracts.Venues.Coinbase);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(UnfilledGapRecord))]
public sealed partial class GapJsonContext : JsonSerializerContext;

/// <summary>
/// Reports gaps: every detected gap is logged and counted; every gap given up is logged, counted and becomes a record
/// on trades.dlq with reason <c>unfilled_gap</c> (detail names the product and id range; raw is an
/// <see cref="UnfilledGapRecord"/>). The gate calls it under its lock, so records are queued (bounded) and produced by
/// <see cref="FlushAsync"/> from the reader loop and the backfiller. Gaps with a known time range also become gap markers
/// (<see cref="TradeGap"/>) on <c>trades</c>: open when detected, unfilled when given up, filled when all their trades were
/// produced — queued the same way and produced by <see cref="FlushAsync"/> after the trades admitted before them. With
/// <paramref name="fills"/> (the service) a <c>filled</c> marker of a trade-id gap is held until Kafka acknowledged every
/// trade that filled it (<see cref="GapFillAcks"/>), so on the partition it follows them, whichever thread produced them.
/// </summary>
public sealed class GapReporter(IngestMetrics metrics, IngestStatus status, ILogger<GapReporter> logger, TimeProvider timeProvider, GapFillAcks? fills = null) : IGapObserver, IDisposable
{
    private const int MaxPending = 10_000;
    private readonly Channel<DeadLetter> pending = Channel.CreateBounded<DeadLetter>(new BoundedChannelOptions(MaxPending) { FullMode = BoundedChannelFullMode.Wait });
    private readonly Channel<TradeGap> markers = Channel.CreateBounded<TradeGap>(new BoundedChannelOptions(MaxPending) { FullMode = BoundedChannelFullMode.Wait });
    private readonly List<TradeGap> held = [];
    private readonly SemaphoreSlim flushing = new(1, 1);

    public void GapOpened(string stream, GapSpan span)
    {
        ArgumentNullException.ThrowIfNull(span);
        Mark(stream, span, GapState.Open, $"{Missing(span)}: backfill pending");
    }

    public void GapGivenUp(string stream, GapSpan span, string reason)
    {
        ArgumentNullException.ThrowIfNull(span);
        Mark(stream, span, GapState.Unfilled, $"{Missing(span)}: {reason}");
    }

    public void GapFilled(string stream, GapSpan span)
    {
        ArgumentNullException.ThrowIfNull(span);
        Mark(stream, span, GapState.Filled, $"trade ids {span.Range} ({span.Range.Count} trades){Context(span)} backfilled");
    }

    /// <summary>
    /// Queues a gap marker for <paramref name="stream"/> (also for gaps that are not trade-id ranges: a skipped sequence
    /// number, a disconnect on a venue that cannot backfill).
    /// </summary>
    public void Mark(TradeGap marker)
    {
        ArgumentNullException.ThrowIfNull(marker);
        logger.GapMarker(marker.Key, marker.Id, StateName(marker.State), marker.Reason);
        metrics.GapMarker(StateName(marker.State));
        if (fills is not null && marker is { State: GapState.Filled, FirstTradeId: not null, LastTradeId: not null })
        {
            lock (held)
            {
                held.Add(marker);
            }

            return;
        }

        if (!markers.Writer.TryWrite(marker))
        {
            logger.GapMarkerQueueFull(MaxPending, marker.Key, marker.Id, StateName(marker.State));
        }
    }

    private void Mark(string stream, GapSpan span, GapState state, string reason)
    {
        var (venue, product) = StreamKey.Parse(stream);
        Mark(new TradeGap(venue, product, span.Id, state, span.From, span.To, span.Cause, reason)
        {
            FirstTradeId = span.Range.First,
            LastTradeId = span.Range.Last,
        });
    }

    public void Dispose() => flushing.Dispose();

    /// <summary>Held: a filled marker of an id range waits for the acknowledgement of the trades that filled it.</summary>
    public int HeldMarkers
    {
        get
        {
            lock (held)
            {
                return held.Count;
            }
        }
    }

    private static string Missing(GapSpan span) => $"trade ids {span.Range} ({span.Range.Count} trades) missing{Context(span)}";

    private static string Context(GapSpan span) => span.Context is { } context ? $" ({context})" : "";

    private static string StateName(GapState state) => state switch
    {
        GapState.Open => "open",
        GapState.Filled => "filled",
        _ => "unfilled",
    };

    public void GapDetected(string stream, TradeIdRange range, string cause)
    {
        metrics.GapDetected(cause, range.Count);
        status.CountGap();
        logger.GapDetected(stream, range, range.Count, cause);
    }

    public void GapUnfilled(string stream, TradeIdRange range, int attempts, string reason)
    {
        metrics.GapUnfilled(range.Count);
        status.CountUnfilledGap();
        logger.GapUnfilled(stream, range, range.Count, attempts, reason);
        var (venue, product) = StreamKey.Parse(stream);
        var raw = JsonSerializer.Serialize(new UnfilledGapRecord(product, range.First, range.Last, range.Count, attempts, reason, venue), GapJsonContext.Default.UnfilledGapRecord);
        var letter = new DeadLetter(
            DeadLetterReasons.UnfilledGap,
            $"{stream} trade ids {range} ({range.Count} trades) not produced after {attempts} fetch attempts: {reason}",
            $"gap:{stream}",
            raw,
            timeProvider.GetUtcNow());
        if (!pending.Writer.TryWrite(letter))
        {
            logger.UnfilledGapQueueFull(MaxPending, letter.Detail);
        }
    }

    /// <summary>Produces the queued gap markers and unfilled-gap records.</summary>
    public async ValueTask FlushAsync(ITradeOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);

        // One flush at a time (the reader loop and the backfiller both flush), and the held markers ready now are taken
        // before the queue is drained: the open marker of such a gap was queued before its filled one was held, so it is
        // produced first (by this flush or an earlier one).
        await flushing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var settled = fills is null ? [] : Settled();
            while (markers.Reader.TryRead(out var marker))
            {
                await output.PublishGapAsync(marker, cancellationToken).ConfigureAwait(false);
            }

            foreach (var ready in settled)
            {
                await output.PublishGapAsync(ready, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            flushing.Release();
        }

        while (pending.Reader.TryRead(out var letter))
        {
            await output.DeadLetterAsync(letter, cancellationToken).ConfigureAwait(false);
            metrics.DeadLettered(letter.Reason);
            status.CountDeadLetter();
        }
    }

    /// <summary>The held filled markers whose trades all have their delivery reports (in the order they were held); a gap with a trade Kafka rejected is unfilled.</summary>
    private List<TradeGap> Settled()
    {
        List<TradeGap> ready = [];
        lock (held)
        {
            for (var i = 0; i < held.Count; i++)
            {
                var marker = held[i];
                var range = new TradeIdRange(marker.FirstTradeId!.Value, marker.LastTradeId!.Value);
                var (done, failed) = fills!.Settle(marker.Key, range);
                if (!done)
                {
                    continue;
                }

                held.RemoveAt(i--);
                if (failed > 0)
                {
                    marker = marker with
                    {
                        State = GapState.Unfilled,
                        Reason = $"trade ids {range} ({range.Count} trades) missing: {failed} of the trades that filled the gap were rejected by Kafka",
                    };
                    logger.GapMarker(marker.Key, marker.Id, StateName(marker.State), marker.Reason);
                    metrics.GapMarker(StateName(marker.State));
                }

                ready.Add(marker);
            }
        }

        return ready;
    }
}
