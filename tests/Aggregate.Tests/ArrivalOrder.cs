using BitcoinVolume.Contracts;

namespace BitcoinVolume.Aggregate.Tests;

/// <summary>How the property tests make trades arrive: with duplicates, out of order, and a few very late.</summary>
internal static class ArrivalOrder
{
    /// <summary>
    /// Each trade once, plus a copy at a random place for <paramref name="duplicatePercent"/> % of them; then sorted by a
    /// time jittered by up to <paramref name="disorderSeconds"/>, one in 50 held back by up to
    /// <paramref name="maxLateMinutes"/> minutes.
    /// </summary>
    public static List<Trade> Arrive(Trade[] trades, Random random, int duplicatePercent, int disorderSeconds, int maxLateMinutes)
    {
        var arrival = new List<Trade>(trades.Length * 2);
        foreach (var trade in trades)
        {
            arrival.Add(trade);
            if (random.Next(100) < duplicatePercent)
            {
                arrival.Insert(random.Next(arrival.Count + 1), trade);
            }
        }

        return arrival
            .Select(t => (t, at: t.Time.AddSeconds(random.Next(0, disorderSeconds + 1)).AddMinutes(random.Next(50) == 0 ? random.Next(1, maxLateMinutes) : 0)))
            .OrderBy(x => x.at)
            .Select(x => x.t)
            .ToList();
    }
}
