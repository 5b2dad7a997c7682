using BitcoinVolume.Contracts;

namespace BitcoinVolume.Aggregate.Windowing;

/// <summary>
/// The identity of a trade within its (venue, product) stream for dedup by a horizon: the venue's numeric id, or its
/// text id (<see cref="Trade.TextId"/>) when the venue's ids are not numbers.
/// </summary>
public readonly record struct DedupId(long Number, string? Text)
{
    public static DedupId Of(Trade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        return trade.TextId is { } text ? new DedupId(0, text) : new DedupId(trade.TradeId, null);
    }
}

/// <summary>One remembered id of a horizon-deduplicated stream, with the event time it was counted at (UTC ticks).</summary>
public readonly record struct RecentId(string Stream, DedupId Id, long Ticks);

/// <summary>
/// The trade ids of one stream whose ids are not contiguous (Bitstamp, Bybit; text ids), remembered for a bounded
/// horizon of event time: an id counted at time t is forgotten once the watermark passes t + horizon. The aggregator
/// never counts a trade of such a stream that is older than the horizon (it cannot prove it new): it is too late.
/// </summary>
public sealed class RecentIdSet
{
    private readonly HashSet<DedupId> ids = [];
    private readonly Queue<(long Ticks, DedupId Id)> byArrival = new();

    public int Count => ids.Count;

    public bool Contains(DedupId id) => ids.Contains(id);

    /// <summary>Adds an id counted at <paramref name="ticks"/>; false when it is already present.</summary>
    public bool Add(DedupId id, long ticks)
    {
        if (!ids.Add(id))
        {
            return false;
        }

        byArrival.Enqueue((ticks, id));
        return true;
    }

    /// <summary>
    /// Forgets ids counted before <paramref name="horizonTicks"/>, in arrival order (an older id behind a newer one is
    /// forgotten a little later: only memory, never correctness, since trades that old are too late anyway).
    /// </summary>
    public void Forget(long horizonTicks, string stream, List<RecentId> forgotten)
    {
        ArgumentNullException.ThrowIfNull(forgotten);
        while (byArrival.TryPeek(out var head) && head.Ticks < horizonTicks)
        {
            byArrival.Dequeue();
            ids.Remove(head.Id);
            forgotten.Add(new RecentId(stream, head.Id, head.Ticks));
        }
    }
}
