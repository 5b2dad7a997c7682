using BitcoinVolume.Aggregate.Windowing;
using BitcoinVolume.Contracts;
using CsCheck;

namespace BitcoinVolume.Aggregate.Tests;

/// <summary>
/// The footprint (volume at price) beside the volume aggregator, as the aggregator's batch processor drives it: random
/// interleavings with duplicates, disorder, late corrections, trades beyond retention and restarts from committed state.
/// The last value emitted for every window equals an oracle computed straight from the distinct trades (levels =
/// floor(price / tick) × tick), its trade count equals the two volume windows' counts, and versions only grow.
/// </summary>
public class FootprintAggregatorPropertyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly Gen<Trade[]> Streams =
        from count in Gen.Int[1, 400]
        from products in Gen.Int[1, 3]
        from seed in Gen.Int
        select MakeTrades(count, products, seed);

    [Theory]
    [InlineData("1m")]
    [InlineData("10s")]
    public void Emitted_final_levels_equal_the_oracle_and_count_what_the_windows_count(string window) =>
        Streams.Select(Gen.Int, Gen.Int[0, 30], Gen.Int[0, 20]).Sample(
            (trades, seed, duplicatePercent, disorderSeconds) =>
            {
                var arrival = ArrivalOrder.Arrive(trades, new Random(seed), duplicatePercent, disorderSeconds, maxLateMinutes: 40);
                var options = new WindowingOptions { Grace = TimeSpan.FromSeconds(5), Retention = TimeSpan.FromMinutes(10), Window = WindowSpec.Parse(window) };
                var footprintOptions = new FootprintOptions();
                footprintOptions.Ticks["P1-USD"] = 2.5m;
                var aggregator = new VolumeAggregator(options);
                var footprint = new FootprintAggregator(footprintOptions, options);
                var emitted = new Dictionary<string, FootprintWindow>(StringComparer.Ordinal);
                var windows = new Dictionary<string, WindowVolume>(StringComparer.Ordinal);
                var batch = new Random(seed ^ 0x5bd1e995);
                var store = new InMemoryStateStore();
                var footprintStore = new InMemoryFootprintStore();
                for (var i = 0; i < arrival.Count; i++)
                {
                    if (aggregator.Apply(arrival[i]) is ApplyOutcome.Counted or ApplyOutcome.Correction)
                    {
                        footprint.Add(arrival[i]);
                    }

                    if (batch.Next(10) == 0 || i == arrival.Count - 1)
                    {
                        var changes = aggregator.TakeChanges();
                        var levels = footprint.TakeChanges(aggregator.Watermark);
                        Collect(levels.Windows, emitted);
                        foreach (var w in changes.Windows)
                        {
                            windows[w.Key] = w;
                        }

                        store.Commit(changes);
                        footprintStore.Commit(levels);
                        if (batch.Next(4) == 0)
                        {
                            aggregator = store.Restore(options);
                            footprint = footprintStore.Restore(footprintOptions, options);
                        }
                    }
                }

                aggregator.AdvanceWatermark(DateTimeOffset.MaxValue);
                windows = aggregator.TakeChanges().Windows.Concat(windows.Values).DistinctBy(w => w.Key).ToDictionary(w => w.Key, StringComparer.Ordinal);
                Collect(footprint.TakeChanges(aggregator.Watermark).Windows, emitted);

                var expected = Oracle(arrival, options, footprintOptions);
                Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), emitted.Keys.Order(StringComparer.Ordinal));
                foreach (var (key, levels) in expected)
                {
                    var got = emitted[key];
                    Assert.True(got.Final, key);
                    Assert.Equal(levels, got.Levels.Select(l => (l.Price, l.BuyBase, l.SellBase, l.BuyTrades, l.SellTrades)).ToList());
                    Assert.Equal(levels.Sum(l => l.BuyTrades + l.SellTrades), got.Trades);
                    Assert.Equal(FootprintWindow.VersionOf(got.Trades, final: true), got.Version);
                    var bars = windows.Values.Where(w => w.Product == got.Product && w.WindowStart == got.WindowStart).ToList();
                    Assert.Equal(bars.Sum(w => w.Trades), got.Trades);
                    Assert.Equal(bars.Sum(w => w.BaseVolume), got.Levels.Sum(l => l.BuyBase + l.SellBase));
                }
            },
            iter: 200);

    private static void Collect(IReadOnlyList<FootprintWindow> changes, Dictionary<string, FootprintWindow> emitted)
    {
        foreach (var window in changes)
        {
            if (emitted.TryGetValue(window.Key, out var previous))
            {
                Assert.True(window.Version > previous.Version, $"version of {window.Key} went from {previous.Version} to {window.Version}");
            }

            Assert.Equal(window.Levels.OrderBy(l => l.Price).Select(l => l.Price), window.Levels.Select(l => l.Price));
            emitted[window.Key] = window;
        }
    }

    /// <summary>Straight from the definitions: distinct trades minus those beyond retention at arrival, bucketed by floor(price / tick) × tick.</summary>
    private static Dictionary<string, List<(decimal Price, decimal Buy, decimal Sell, long BuyTrades, long SellTrades)>> Oracle(
        IReadOnlyList<Trade> arrival, WindowingOptions options, FootprintOptions footprint)
    {
        var seen = new HashSet<(string, long)>();
        var counted = new List<Trade>();
        var maxTime = DateTimeOffset.MinValue;
        foreach (var trade in arrival)
        {
            if (!seen.Add((trade.Product, trade.TradeId)))
            {
                continue;
            }

            if (maxTime != DateTimeOffset.MinValue && trade.Time < maxTime - options.Grace - options.Retention)
            {
                seen.Remove((trade.Product, trade.TradeId));
                continue;
            }

            maxTime = trade.Time > maxTime ? trade.Time : maxTime;
            counted.Add(trade);
        }

        // The ticks of the test's products: P1-USD set (2.5); the others by the magnitude rule at ~20,000 (10^4 / 1000 = 10).
        decimal TickOf(string product) => footprint.Ticks.TryGetValue(product, out var tick) ? tick : 10m;
        return counted
            .GroupBy(t => FootprintWindow.KeyOf(t.Venue, t.Product, options.Window.StartOf(t.Time)))
            .ToDictionary(
                g => g.Key,
                g => g.GroupBy(t => Math.Floor(t.Price / TickOf(t.Product)) * TickOf(t.Product))
                    .OrderBy(l => l.Key)
                    .Select(l => (
                        l.Key / 1.000000000000000000000000000000000m,
                        l.Where(t => t.Side == TakerSide.Buy).Sum(t => t.Size),
                        l.Where(t => t.Side == TakerSide.Sell).Sum(t => t.Size),
                        (long)l.Count(t => t.Side == TakerSide.Buy),
                        (long)l.Count(t => t.Side == TakerSide.Sell)))
                    .ToList(),
                StringComparer.Ordinal);
    }

    private static Trade[] MakeTrades(int count, int products, int seed)
    {
        var random = new Random(seed);
        var ids = new long[products];
        var time = T0;
        var trades = new Trade[count];
        for (var i = 0; i < count; i++)
        {
            time = time.AddMilliseconds(random.Next(10) == 0 ? random.Next(60_000, 900_000) : random.Next(0, 5_000));
            var p = random.Next(products);
            // Prices near 20,000 with cents, so levels of 10 (and 2.5) hold several trades and edges are hit exactly.
            var price = 20_000m + (random.Next(-5_000, 5_000) / 100m);
            var size = random.Next(1, 100_000_000) / 100_000_000m;
            trades[i] = new Trade($"P{p}-USD", ++ids[p], time, price, size, random.Next(2) == 0 ? TakerSide.Buy : TakerSide.Sell);
        }

        return trades;
    }
}
