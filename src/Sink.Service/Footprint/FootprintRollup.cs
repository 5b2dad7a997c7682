using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Model;

namespace BitcoinVolume.Sink.Footprint;

/// <summary>
/// The footprint math of <c>/api/footprint</c>, pure: base windows → bars of an interval at a tick (levels merged exactly:
/// a stored level L goes to floor(L / tick) × tick), the point of control, the value area and diagonal imbalances.
/// </summary>
public static class FootprintRollup
{
    /// <summary>The share of a bar's volume its value area holds: 70 %.</summary>
    public const decimal ValueAreaShare = 0.7m;

    /// <summary>
    /// Rolls <paramref name="windows"/> (one stream, any order) into bars of <paramref name="interval"/> at
    /// <paramref name="tick"/> (a whole multiple of every window's tick; the caller checks), ordered by start.
    /// </summary>
    public static FootprintBar[] Bars(IEnumerable<FootprintWindow> windows, VolumeInterval interval, decimal tick, decimal imbalanceRatio)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var bars = new SortedDictionary<DateTimeOffset, (SortedDictionary<decimal, Sum> Levels, long Trades, bool Final)>();
        foreach (var window in windows)
        {
            var start = interval.BarStart(window.WindowStart);
            if (!bars.TryGetValue(start, out var bar))
            {
                bar = (new SortedDictionary<decimal, Sum>(), 0, true);
            }

            foreach (var level in window.Levels)
            {
                var price = FootprintWindow.LevelOf(level.Price, tick);
                if (!bar.Levels.TryGetValue(price, out var sum))
                {
                    bar.Levels[price] = sum = new Sum();
                }

                sum.Add(level);
            }

            bars[start] = (bar.Levels, bar.Trades + window.Trades, bar.Final && window.Final);
        }

        return [.. bars.Where(b => b.Value.Levels.Count > 0).Select(b => Bar(b.Key, tick, b.Value.Levels, b.Value.Trades, b.Value.Final, imbalanceRatio))];
    }

    /// <summary>
    /// The index of the point of control: the level with the largest total volume; among equal totals the lowest price
    /// (the first in ascending order).
    /// </summary>
    public static int PointOfControl(IReadOnlyList<decimal> totals)
    {
        ArgumentNullException.ThrowIfNull(totals);
        var poc = 0;
        for (var i = 1; i < totals.Count; i++)
        {
            if (totals[i] > totals[poc])
            {
                poc = i;
            }
        }

        return poc;
    }

    /// <summary>
    /// The value area as indexes [low, high] of the ascending levels: start at the POC and, while the area holds less than
    /// 70 % of the total volume, add the neighbouring level (the next one above or the next one below, one level at a time)
    /// with the larger volume; on a tie the one above. Levels without trades are not stored, so "next" skips empty ticks.
    /// </summary>
    public static (int Low, int High) ValueArea(IReadOnlyList<decimal> totals, int poc)
    {
        ArgumentNullException.ThrowIfNull(totals);
        var total = totals.Sum();
        var (low, high) = (poc, poc);
        var area = totals[poc];
        while (area < total * ValueAreaShare && (low > 0 || high < totals.Count - 1))
        {
            var above = high < totals.Count - 1 ? totals[high + 1] : -1m;
            var below = low > 0 ? totals[low - 1] : -1m;
            if (above >= below)
            {
                high++;
                area += above;
            }
            else
            {
                low--;
                area += below;
            }
        }

        return (low, high);
    }

    private static FootprintBar Bar(DateTimeOffset start, decimal tick, SortedDictionary<decimal, Sum> merged, long trades, bool final, decimal ratio)
    {
        var prices = merged.Keys.ToArray();
        var sums = merged.Values.ToArray();
        var totals = sums.Select(s => s.BuyBase + s.SellBase).ToArray();
        var poc = PointOfControl(totals);
        var (low, high) = ValueArea(totals, poc);
        var (lowest, highest) = (prices[0], prices[^1]);
        var levels = new FootprintBarLevel[prices.Length];
        for (var i = 0; i < prices.Length; i++)
        {
            var s = sums[i];
            var below = prices[i] - tick;
            var above = prices[i] + tick;
            var sellBelow = merged.TryGetValue(below, out var b) ? b.SellBase : 0m;
            var buyAbove = merged.TryGetValue(above, out var a) ? a.BuyBase : 0m;
            levels[i] = new FootprintBarLevel(
                prices[i], s.BuyBase, s.SellBase, s.BuyTrades, s.SellTrades,
                BuyImbalance: below >= lowest && s.BuyBase > 0 && s.BuyBase >= ratio * sellBelow,
                SellImbalance: above <= highest && s.SellBase > 0 && s.SellBase >= ratio * buyAbove);
        }

        return new FootprintBar(start.UtcDateTime, tick, levels, prices[poc], prices[high], prices[low], trades, final);
    }

    private sealed class Sum
    {
        public decimal BuyBase { get; private set; }

        public decimal SellBase { get; private set; }

        public long BuyTrades { get; private set; }

        public long SellTrades { get; private set; }

        public void Add(FootprintLevel level)
        {
            BuyBase += level.BuyBase;
            SellBase += level.SellBase;
            BuyTrades += level.BuyTrades;
            SellTrades += level.SellTrades;
        }
    }
}
