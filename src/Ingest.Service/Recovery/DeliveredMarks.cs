namespace BitcoinVolume.Ingest.Recovery;

/// <summary>
/// What Kafka has acknowledged, per stream (<see cref="Contracts.StreamKey"/> text): the highest trade id acknowledged
/// (and its trade time), and the ids admitted by a <see cref="Gaps.TradeGate"/> that are not acknowledged yet. The durable
/// high-water mark of a stream (<see cref="Gaps.TradeGate.DurableMarks"/>) is derived from it, so a stored mark never runs
/// ahead of `trades`: an id admitted and still in the producer's buffer holds the mark below it. Thread-safe: the gate
/// registers admissions (under its own lock), the producer's delivery reports arrive on librdkafka's thread.
/// </summary>
public sealed class DeliveredMarks
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, StreamAcks> streams = new(StringComparer.Ordinal);

    /// <summary>The gate admitted <paramref name="tradeId"/> of <paramref name="stream"/>: it is pending until acknowledged.</summary>
    public void Admitted(string stream, long tradeId)
    {
        lock (gate)
        {
            Of(stream).Pending.Add(tradeId);
        }
    }

    /// <summary>
    /// The producer's delivery report of a trade: acknowledged (<paramref name="ok"/>) or failed for good (counted and logged
    /// by the producer; it no longer holds the mark back, as nothing will ever deliver it).
    /// </summary>
    public void Delivered(string stream, long tradeId, DateTimeOffset time, bool ok)
    {
        lock (gate)
        {
            var acks = Of(stream);
            acks.Pending.Remove(tradeId);
            if (ok && (acks.High is null || tradeId > acks.High.Value))
            {
                acks.High = tradeId;
                acks.HighTime = time;
            }
        }
    }

    /// <summary>The highest acknowledged id of <paramref name="stream"/> (with its trade time) and the lowest id still pending; nulls when none.</summary>
    public (long? High, DateTimeOffset HighTime, long? LowestPending) Snapshot(string stream)
    {
        lock (gate)
        {
            if (!streams.TryGetValue(stream, out var acks))
            {
                return (null, default, null);
            }

            return (acks.High, acks.HighTime, acks.Pending.Count == 0 ? null : acks.Pending.Min());
        }
    }

    private StreamAcks Of(string stream)
    {
        if (!streams.TryGetValue(stream, out var acks))
        {
            streams.Add(stream, acks = new StreamAcks());
        }

        return acks;
    }

    private sealed class StreamAcks
    {
        public HashSet<long> Pending { get; } = [];

        public long? High { get; set; }

        public DateTimeOffset HighTime { get; set; }
    }
}
