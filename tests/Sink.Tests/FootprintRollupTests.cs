using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Footprint;
using BitcoinVolume.Sink.Model;
using CsCheck;

namespace BitcoinVolume.Sink.Tests;

/// <summary>
/// Bars of <c>/api/footprint</c> from random minute footprints against an oracle computed here from the raw trades: levels
/// at any multiple of the stored tick and interval, the point of control, the value area (by its definition: the smallest
/// greedy area from the POC holding 70 %) and the diagonal imbalances.
/// </summary>
public sealed class FootprintRollupTests
{
    private static readonly DateTimeOffset T0 = new(2026, 8, 9, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Bars_equal_the_oracle_from_the_trades_at_every_tick_and_interval() =>
        Gen.Int.Sample(
            seed =>
            {
                var random = new Random(seed);
                var trades = Enumerable.Range(0, random.Next(1, 300)).Select(i => new Trade(
                    "BTC-USD", i, T0.AddSeconds(random.Next(0, 4 * 3600)), 90_000m + (random.Next(-3_000, 3_000) / 10m) + (random.Next(10) == 0 ? 0.5m : 0m),
                    random.Next(1, 1000) / 1000m, random.Next(2) == 0 ? TakerSide.Buy : TakerSide.Sell)).ToList();
                var minutes = Windows(trades, 10m);
                foreach (var (interval, tick) in new[] { ("1m", 10m), ("1h", 10m), ("5m", 50m), ("7m", 30m), ("1h", 100m) })
                {
                    Assert.True(VolumeInterval.TryParse(interval, out var i));
                    var actual = FootprintRollup.Bars(minutes.OrderBy(_ => random.Next()), i, tick, 3m);
                    var expected = Oracle(trades, i, tick, 3m);
                    Assert.Equal(expected.Count, actual.Length);
                    for (var b = 0; b < actual.Length; b++)
                    {
                        Assert.Equal(Head(expected[b]), Head(actual[b]));
                        Assert.Equal(expected[b].Levels, actual[b].Levels);
                    }
                }
            },
            iter: 100);

    [Fact]
    public void Ties_the_point_of_control_is_the_lowest_and_the_value_area_grows_up_first()
    {
        Assert.Equal(1, FootprintRollup.PointOfControl([1m, 5m, 2m, 5m]));
        // POC 5 (index 1), total 14, 70 % = 9.8: 5 → +2 above (tie 2 vs 2: above) = 7 → +5 above (5 > 2 below) = 12.
        Assert.Equal((1, 3), FootprintRollup.ValueArea([2m, 5m, 2m, 5m], 1));
        Assert.Equal((1, 1), FootprintRollup.ValueArea([1m, 10m, 1m], 1));
        Assert.Equal((0, 0), FootprintRollup.ValueArea([7m], 0));
    }

    [Fact]
    public void Diagonal_imbalances_compare_buys_with_the_sells_one_tick_below_and_sells_with_the_buys_one_tick_above()
    {
        var window = new FootprintWindow(Venues.Coinbase, "BTC-USD", T0, 10m, 6,
            [new(100m, 0m, 1m, 0, 1), new(110m, 3m, 2m, 1, 1), new(120m, 5m, 6.1m, 1, 1), new(130m, 2m, 0m, 1, 0)], 12, true);
        var bar = Assert.Single(FootprintRollup.Bars([window], VolumeInterval.OneMinute, 10m, 3m));
        // buy 3 at 110 vs sell 1 at 100 → ratio 3: buy imbalance; buy 5 at 120 vs sell 2 at 110: 2.5, none; buy 2 at 130 vs 6.1: none.
        Assert.Equal([false, true, false, false], bar.Levels.Select(l => l.BuyImbalance));
        // sell 1 at 100 vs buy 3 at 110: none; sell 2 at 110 vs buy 5: none; sell 6.1 at 120 vs buy 2 at 130 → 3.05: sell imbalance.
        Assert.Equal([false, false, true, false], bar.Levels.Select(l => l.SellImbalance));
        // POC 120 (11.1 of 19.1; 70 % = 13.37): + 110 (5 > 2 above) = 16.1.
        Assert.Equal((120m, 120m, 110m), (bar.Poc, bar.ValueAreaHigh, bar.ValueAreaLow));
    }

    private static (DateTime, decimal, decimal, decimal, decimal, long, bool) Head(FootprintBar bar) =>
        (bar.Start, bar.Tick, bar.Poc, bar.ValueAreaHigh, bar.ValueAreaLow, bar.Trades, bar.Final);

    /// <summary>Minute footprints of the trades at <paramref name="tick"/>, as the aggregator emits them (final).</summary>
    private static List<FootprintWindow> Windows(List<Trade> trades, decimal tick) =>
        [.. trades.GroupBy(t => WindowSpec.Default.StartOf(t.Time)).Select(g => new FootprintWindow(
            Venues.Coinbase, "BTC-USD", g.Key, tick, g.Count(),
            [.. g.GroupBy(t => Math.Floor(t.Price / tick) * tick).OrderBy(l => l.Key).Select(l => new FootprintLevel(
                l.Key, l.Where(t => t.Side == TakerSide.Buy).Sum(t => t.Size), l.Where(t => t.Side == TakerSide.Sell).Sum(t => t.Size),
                l.Count(t => t.Side == TakerSide.Buy), l.Count(t => t.Side == TakerSide.Sell)))],
            FootprintWindow.VersionOf(g.Count(), true), true))];

    /// <summary>Straight from the trades: bucket each trade by bar and by floor(price / tick) × tick, then the definitions.</summary>
    private static List<FootprintBar> Oracle(List<Trade> trades, VolumeInterval interval, decimal tick, decimal ratio)
    {
        var bars = new List<FootprintBar>();
        foreach (var bar in trades.GroupBy(t => interval.BarStart(t.Time)).OrderBy(g => g.Key))
        {
            var levels = bar.GroupBy(t => Math.Floor(t.Price / tick) * tick).OrderBy(l => l.Key).Select(l => (
                Price: l.Key / 1.000000000000000000000000000000000m,
                Buy: l.Where(t => t.Side == TakerSide.Buy).Sum(t => t.Size),
                Sell: l.Where(t => t.Side == TakerSide.Sell).Sum(t => t.Size),
                BuyTrades: (long)l.Count(t => t.Side == TakerSide.Buy),
                SellTrades: (long)l.Count(t => t.Side == TakerSide.Sell))).ToList();
            var volume = levels.ToDictionary(l => l.Price, l => l.Buy + l.Sell);
            var max = volume.Values.Max();
            var poc = levels.First(l => volume[l.Price] == max).Price;

            // The value area by its definition: grow a set of prices from the POC, taking the bigger neighbour (above on a tie).
            var area = new List<decimal> { poc };
            var total = volume.Values.Sum();
            var prices = levels.Select(l => l.Price).ToList();
            while (area.Sum(p => volume[p]) * 10 < total * 7)
            {
                var up = prices.Where(p => p > area.Max()).Select(p => (decimal?)p).FirstOrDefault();
                var down = prices.Where(p => p < area.Min()).Select(p => (decimal?)p).LastOrDefault();
                area.Add(up is { } u && (down is not { } d0 || volume[u] >= volume[d0]) ? u : down!.Value);
            }

            var byPrice = levels.ToDictionary(l => l.Price);
            var low = prices[0];
            var high = prices[^1];
            bars.Add(new FootprintBar(
                bar.Key.UtcDateTime, tick,
                [.. levels.Select(l => new FootprintBarLevel(
                    l.Price, l.Buy, l.Sell, l.BuyTrades, l.SellTrades,
                    l.Price - tick >= low && l.Buy > 0 && l.Buy >= ratio * (byPrice.TryGetValue(l.Price - tick, out var below) ? below.Sell : 0m),
                    l.Price + tick <= high && l.Sell > 0 && l.Sell >= ratio * (byPrice.TryGetValue(l.Price + tick, out var above) ? above.Buy : 0m)))],
                poc, area.Max(), area.Min(), bar.Count(), true));
        }

        return bars;
    }
}
