using BitcoinVolume.Aggregate.Windowing;
using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;
using CsCheck;

namespace BitcoinVolume.Aggregate.Tests;

/// <summary>
/// Random interleavings with duplicates, out-of-order and late trades, and restarts from committed state: the last value
/// emitted for every window equals an independent oracle exactly, versions only grow, and trades beyond retention are
/// reported, not counted.
/// </summary>
public class VolumeAggregatorPropertyTests
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
    [InlineData("5m")]
    public void Emitted_final_values_equal_the_oracle(string window) =>
        Streams.Select(Gen.Int, Gen.Int[0, 30], Gen.Int[0, 20]).Sample(
            (trades, seed, duplicatePercent, disorderSeconds) =>
            {
                var arrival = ArrivalOrder.Arrive(trades, new Random(seed), duplicatePercent, disorderSeconds, maxLateMinutes: 40);
                var options = new WindowingOptions { Grace = TimeSpan.FromSeconds(5), Retention = TimeSpan.FromMinutes(10), Window = WindowSpec.Parse(window) };
                var aggregator = new VolumeAggregator(options);
                var emitted = new Dictionary<string, WindowVolume>(StringComparer.Ordinal);
                var tooLate = new List<Trade>();
                var batch = new Random(seed ^ 0x5bd1e995);
                var store = new InMemoryStateStore();
                for (var i = 0; i < arrival.Count; i++)
                {
                    if (aggregator.Apply(arrival[i]) == ApplyOutcome.TooLate)
                    {
                        tooLate.Add(arrival[i]);
                    }

                    if (batch.Next(10) == 0 || i == arrival.Count - 1)
                    {
                        var changes = aggregator.TakeChanges();
                        Collect(changes.Windows, emitted);
                        store.Commit(changes);

                        // Sometimes the process "restarts": a fresh aggregator restored from what was committed.
                        if (batch.Next(4) == 0)
                        {
                            aggregator = store.Restore(options);
                        }
                    }
                }

                aggregator.AdvanceWatermark(DateTimeOffset.MaxValue);
                Collect(aggregator.TakeChanges().Windows, emitted);

                var (expected, expectedLate) = Oracle(arrival, options);
                Assert.Equal(expectedLate.OrderBy(t => t.TradeId), tooLate.OrderBy(t => t.TradeId));
                Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), emitted.Keys.Order(StringComparer.Ordinal));
                foreach (var (key, value) in expected)
                {
                    var got = emitted[key];
                    Assert.True(got.Final, key);
                    Assert.Equal(value, got with { Version = 0, Final = false });
                }
            },
            iter: 300);

    private static void Collect(IReadOnlyList<WindowVolume> changes, Dictionary<string, WindowVolume> emitted)
    {
        foreach (var window in changes)
        {
            if (emitted.TryGetValue(window.Key, out var previous))
            {
                Assert.True(window.Version > previous.Version, $"version of {window.Key} went from {previous.Version} to {window.Version}");
            }

            emitted[window.Key] = window;
        }
    }

    /// <summary>Straight from the definitions: distinct trades, minus those beyond retention at arrival, grouped and summed by the one oracle.</summary>
    private static (Dictionary<string, WindowVolume> Windows, List<Trade> Late) Oracle(IReadOnlyList<Trade> arrival, WindowingOptions options)
    {
        var seen = new HashSet<(string, long)>();
        var late = new List<Trade>();
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
                late.Add(trade);
                seen.Remove((trade.Product, trade.TradeId));
                continue;
            }

            maxTime = trade.Time > maxTime ? trade.Time : maxTime;
            counted.Add(trade);
        }

        var windows = WindowOracle.Compute(counted, options.Window).Values
            .Select(w => w.ToWindowVolume(version: 0, final: false))
            .ToDictionary(w => w.Key, StringComparer.Ordinal);
        return (windows, late);
    }

    private static Trade[] MakeTrades(int count, int products, int seed)
    {
        var random = new Random(seed);
        var ids = new long[products];
        var time = T0;
        var trades = new Trade[count];
        for (var i = 0; i < count; i++)
        {
            // Mostly seconds apart, sometimes a long pause, so windows close and some arrivals are beyond retention.
            time = time.AddMilliseconds(random.Next(10) == 0 ? random.Next(60_000, 900_000) : random.Next(0, 5_000));
            var p = random.Next(products);
            var price = 20_000m + (random.Next(-100_000, 100_000) / 100m);
            var size = random.Next(1, 100_000_000) / 100_000_000m;
            trades[i] = new Trade($"P{p}-USD", ++ids[p], time, price, size, random.Next(2) == 0 ? TakerSide.Buy : TakerSide.Sell);
        }

        return trades;
    }
}
