namespace BitcoinVolume.Ingest.Gaps;

/// <summary>
/// The trades that fill a gap (<see cref="Admission.FillsGap"/>: backfilled, or a late live frame), from their admission by
/// the <see cref="TradeGate"/> until Kafka acknowledged them, per stream (<see cref="Contracts.StreamKey"/> text). The
/// <see cref="GapReporter"/> holds a gap's <c>filled</c> marker until none of the gap's trades is pending here, so the marker
/// is produced after every one of them is on `trades` (same key, same partition: the marker then follows them on the
/// partition, whichever thread produced them). A trade Kafka rejected for good is remembered as failed, and the marker of its
/// gap says <c>unfilled</c> instead. Only gap-filling trades are tracked: the live stream costs one volatile read per trade.
/// Thread-safe: the gate registers under its lock, delivery reports arrive on librdkafka's thread.
/// </summary>
public sealed class GapFillAcks
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, StreamFills> streams = new(StringComparer.Ordinal);
    private volatile int pending;

    /// <summary>Gap-filling trades admitted and not yet acknowledged (or failed), over all streams.</summary>
    public int Pending => pending;

    /// <summary>The gate admitted <paramref name="tradeId"/> of <paramref name="stream"/> into a gap: pending until its delivery report.</summary>
    public void Admitted(string stream, long tradeId)
    {
        lock (gate)
        {
            if (Of(stream).Pending.Add(tradeId))
            {
                pending++;
            }
        }
    }

    /// <summary>True while <paramref name="tradeId"/> of <paramref name="stream"/> fills a gap and waits for its acknowledgement.</summary>
    public bool IsPending(string stream, long tradeId)
    {
        if (pending == 0)
        {
            return false;
        }

        lock (gate)
        {
            return streams.TryGetValue(stream, out var fills) && fills.Pending.Contains(tradeId);
        }
    }

    /// <summary>The delivery report of a gap-filling trade: acknowledged (<paramref name="ok"/>) or failed for good.</summary>
    public void Delivered(string stream, long tradeId, bool ok)
    {
        lock (gate)
        {
            if (streams.TryGetValue(stream, out var fills) && fills.Pending.Remove(tradeId))
            {
                pending--;
                if (!ok)
                {
                    fills.Failed.Add(tradeId);
                }
            }
        }
    }

    /// <summary>
    /// Whether every gap-filling trade of <paramref name="stream"/> in <paramref name="range"/> has its delivery report, and
    /// how many of them Kafka rejected (forgotten by this call: the marker that asks reports them).
    /// </summary>
    public (bool Settled, int Failed) Settle(string stream, TradeIdRange range)
    {
        lock (gate)
        {
            if (!streams.TryGetValue(stream, out var fills))
            {
                return (true, 0);
            }

            if (fills.Pending.Any(range.Contains))
            {
                return (false, 0);
            }

            return (true, fills.Failed.RemoveWhere(range.Contains));
        }
    }

    private StreamFills Of(string stream)
    {
        if (!streams.TryGetValue(stream, out var fills))
        {
            streams.Add(stream, fills = new StreamFills());
        }

        return fills;
    }

    private sealed class StreamFills
    {
        public HashSet<long> Pending { get; } = [];

        public HashSet<long> Failed { get; } = [];
    }
}
