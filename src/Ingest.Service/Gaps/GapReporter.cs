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
/// <see cref="FlushAsync"/> from the reader loop and the backfiller.
/// </summary>
public sealed class GapReporter(IngestMetrics metrics, IngestStatus status, ILogger<GapReporter> logger, TimeProvider timeProvider) : IGapObserver
{
    private const int MaxPending = 10_000;
    private readonly Channel<DeadLetter> pending = Channel.CreateBounded<DeadLetter>(new BoundedChannelOptions(MaxPending) { FullMode = BoundedChannelFullMode.Wait });

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

    /// <summary>Produces the queued unfilled-gap records.</summary>
    public async ValueTask FlushAsync(ITradeOutput output, CancellationToken cancellationToken)
    {
        while (pending.Reader.TryRead(out var letter))
        {
            await output.DeadLetterAsync(letter, cancellationToken).ConfigureAwait(false);
            metrics.DeadLettered(letter.Reason);
            status.CountDeadLetter();
        }
    }
}
