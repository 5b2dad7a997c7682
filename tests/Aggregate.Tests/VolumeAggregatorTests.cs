using BitcoinVolume.Aggregate.Windowing;
using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;

namespace BitcoinVolume.Aggregate.Tests;

public class VolumeAggregatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 8, 9, 21, 4, 0, TimeSpan.Zero);

    private static Trade T(long id, double seconds, decimal price, decimal size, TakerSide side = TakerSide.Buy, string product = "BTC-USD") =>
        new(product, id, T0.AddSeconds(seconds), price, size, side);

    [Fact]
    public void One_window_sums_exactly_and_takes_open_close_by_trade_id()
    {
        var aggregator = new VolumeAggregator(new WindowingOptions());
        Assert.Equal(ApplyOutcome.Counted, aggregator.Apply(T(12, 30, 101.5m, 0.1m)));
        Assert.Equal(ApplyOutcome.Counted, aggregator.Apply(T(10, 10, 100m, 0.2m)));
        Assert.Equal(ApplyOutcome.Counted, aggregator.Apply(T(11, 20, 99.25m, 0.00000001m)));

        var window = Assert.Single(aggregator.TakeChanges().Windows);

        Assert.Equal(
            new WindowVolume("BTC-USD", TakerSide.Buy, T0, 3, 0.30000001m, (101.5m * 0.1m) + (100m * 0.2m) + (99.25m * 0.00000001m), 100m, 101.5m, 99.25m, 101.5m, 10, 12, Version: 6, Final: false)
            {
                // Every notional is below 1,000 USD: all three trades are in the first default class.
                SizeClasses = [new(0m, 1000m, 3, 0.30000001m), new(1000m, 10000m, 0, 0m), new(10000m, 100000m, 0, 0m), new(100000m, 1000000m, 0, 0m), new(1000000m, null, 0, 0m)],
            },
            window);
        Assert.Equal(window.QuoteVolume / window.BaseVolume, window.Vwap);
        Assert.Empty(aggregator.TakeChanges().Windows);
    }

    [Fact]
    public void Buy_and_sell_and_products_and_minutes_are_separate_windows()
    {
        var aggregator = new VolumeAggregator(new WindowingOptions());
        aggregator.Apply(T(1, 1, 10m, 1m, TakerSide.Buy));
        aggregator.Apply(T(2, 2, 10m, 2m, TakerSide.Sell));
        aggregator.Apply(T(3, 61, 10m, 3m, TakerSide.Buy));
        aggregator.Apply(T(1, 1, 10m, 4m, TakerSide.Buy, "ETH-USD"));

        var windows = aggregator.TakeChanges().Windows;

        Assert.Equal(4, windows.Count);
        Assert.Equal(
            [("BTC-USD", TakerSide.Buy, T0, 1m), ("BTC-USD", TakerSide.Buy, T0.AddMinutes(1), 3m), ("BTC-USD", TakerSide.Sell, T0, 2m), ("ETH-USD", TakerSide.Buy, T0, 4m)],
            windows.Select(w => (w.Product, w.Side, w.WindowStart, w.BaseVolume)).OrderBy(x => x.Product, StringComparer.Ordinal).ThenBy(x => x.Side).ThenBy(x => x.WindowStart));
    }

    [Fact]
    public void Duplicate_trade_ids_count_once()
    {
        var aggregator = new VolumeAggregator(new WindowingOptions());
        Assert.Equal(ApplyOutcome.Counted, aggregator.Apply(T(5, 1, 10m, 1m)));
        Assert.Equal(ApplyOutcome.Duplicate, aggregator.Apply(T(5, 1, 10m, 1m)));
        Assert.Equal(1, Assert.Single(aggregator.TakeChanges().Windows).Trades);
        Assert.Equal(ApplyOutcome.Duplicate, aggregator.Apply(T(5, 1, 10m, 1m)));
        Assert.Empty(aggregator.TakeChanges().Windows);
    }

    [Fact]
    public void A_window_becomes_final_when_the_watermark_passes_its_end_plus_grace()
    {
        var aggregator = new VolumeAggregator(new WindowingOptions { Grace = TimeSpan.FromSeconds(5) });
        aggregator.Apply(T(1, 10, 10m, 1m));
        aggregator.TakeChanges();

        aggregator.Apply(T(2, 64, 10m, 1m)); // watermark = 59 s: first window still open
        Assert.All(aggregator.TakeChanges().Windows, w => Assert.False(w.Final));

        aggregator.Apply(T(3, 65, 10m, 1m)); // watermark = 60 s = end of the first window
        var changes = aggregator.TakeChanges().Windows;
        var first = Assert.Single(changes, w => w.WindowStart == T0);
        Assert.True(first.Final);
        Assert.Equal(3, first.Version); // 1 trade * 2 + final
        Assert.False(Assert.Single(changes, w => w.WindowStart == T0.AddMinutes(1)).Final);
    }

    [Fact]
    public void A_late_trade_within_retention_corrects_a_final_window_with_a_higher_version()
    {
        var aggregator = new VolumeAggregator(new WindowingOptions());
        aggregator.Apply(T(1, 10, 10m, 1m));
        aggregator.Apply(T(3, 600, 10m, 1m));
        var before = Assert.Single(aggregator.TakeChanges().Windows, w => w.WindowStart == T0);
        Assert.True(before.Final);

        Assert.Equal(ApplyOutcome.Correction, aggregator.Apply(T(2, 20, 12m, 2m)));

        var after = Assert.Single(aggregator.TakeChanges().Windows);
        Assert.True(after.Final);
        Assert.True(after.Version > before.Version);
        Assert.Equal((2L, 3m, 34m, 12m), (after.Trades, after.BaseVolume, after.QuoteVolume, after.Close));
    }

    [Fact]
    public void A_trade_older_than_retention_is_too_late_and_changes_nothing()
    {
        var aggregator = new VolumeAggregator(new WindowingOptions { Retention = TimeSpan.FromHours(1) });
        aggregator.Apply(T(100, 3 * 3600, 10m, 1m));
        aggregator.TakeChanges();

        Assert.Equal(ApplyOutcome.TooLate, aggregator.Apply(T(1, 0, 10m, 1m)));
        Assert.Empty(aggregator.TakeChanges().Windows);
    }

    [Fact]
    public void Windows_beyond_retention_are_pruned_from_state()
    {
        var aggregator = new VolumeAggregator(new WindowingOptions { Retention = TimeSpan.FromHours(1) });
        aggregator.Apply(T(1, 0, 10m, 1m));
        aggregator.Apply(T(2, 1800, 10m, 1m));
        aggregator.TakeChanges();
        Assert.Equal(2, aggregator.WindowCount);

        aggregator.Apply(T(3, 4000, 10m, 1m)); // horizon = 4000 - 5 - 3600 = 395 s: the first window (ends at 60 s) goes
        aggregator.TakeChanges();

        Assert.Equal(2, aggregator.WindowCount);
        Assert.Equal(ApplyOutcome.TooLate, aggregator.Apply(T(4, 30, 10m, 1m)));
    }

    [Fact]
    public void Replaying_a_months_old_recording_is_never_judged_late_by_the_wall_clock()
    {
        var aggregator = new VolumeAggregator(new WindowingOptions());
        var old = new Trade("BTC-USD", 1, new DateTimeOffset(2021, 4, 17, 16, 43, 0, TimeSpan.Zero), 1m, 1m, TakerSide.Buy);
        Assert.Equal(ApplyOutcome.Counted, aggregator.Apply(old));
        Assert.False(Assert.Single(aggregator.TakeChanges().Windows).Final);
    }

    [Fact]
    public void Finalizing_at_the_end_of_input_marks_every_window_final()
    {
        var aggregator = new VolumeAggregator(new WindowingOptions());
        aggregator.Apply(T(1, 1, 10m, 1m));
        aggregator.Apply(T(2, 61, 10m, 1m));
        aggregator.TakeChanges();

        aggregator.AdvanceWatermark(DateTimeOffset.MaxValue);

        Assert.All(aggregator.TakeChanges().Windows, w => Assert.True(w.Final));
    }

    [Fact]
    public void Tens_of_thousands_of_windows_pruned_and_created_again_equal_the_oracle()
    {
        // Window state lives in chunks of StructSlab.ChunkSize, and a pruned window's slot is reused: 4 streams (USD and BTC
        // quotes with size classes, JPY without) over ~2 weeks of event time, with retention 1 h, go through many chunks'
        // worth of windows and reuse slots thousands of times, with some trades out of order and duplicated.
        var options = new WindowingOptions { Retention = TimeSpan.FromHours(1) };
        var aggregator = new VolumeAggregator(options);
        var random = new Random(21);
        string[] products = ["BTC-USD", "ETH-BTC", "BTC-JPY", "SOL-USD"];
        var ids = new long[products.Length];
        var time = T0;
        var distinct = new List<Trade>();
        var emitted = new Dictionary<string, WindowVolume>(StringComparer.Ordinal);
        var peak = 0;
        for (var i = 0; i < 120_000; i++)
        {
            time = time.AddSeconds(random.Next(0, 20));
            var p = random.Next(products.Length);
            var price = products[p] == "ETH-BTC" ? 0.05m + (random.Next(0, 1000) / 100_000m) : 20_000m + (random.Next(-50_000, 50_000) / 100m);
            var trade = new Trade(products[p], ++ids[p], time.AddSeconds(-random.Next(0, 3)), price, random.Next(1, 1_000_000_000) / 100_000_000m, random.Next(2) == 0 ? TakerSide.Buy : TakerSide.Sell);
            Assert.NotEqual(ApplyOutcome.TooLate, aggregator.Apply(trade));
            distinct.Add(trade);
            if (random.Next(50) == 0)
            {
                Assert.Equal(ApplyOutcome.Duplicate, aggregator.Apply(trade));
            }

            if (i % 700 == 699)
            {
                peak = Math.Max(peak, aggregator.WindowCount);
                foreach (var window in aggregator.TakeChanges().Windows)
                {
                    emitted[window.Key] = window;
                }
            }
        }

        aggregator.AdvanceWatermark(DateTimeOffset.MaxValue);
        foreach (var window in aggregator.TakeChanges().Windows)
        {
            emitted[window.Key] = window;
        }

        var expected = WindowOracle.Compute(distinct).Values.Select(w => w.ToWindowVolume(version: 0, final: true)).ToList();
        Assert.True(expected.Count > 4 * StructSlab<int>.ChunkSize, $"{expected.Count} windows");
        Assert.True(peak < StructSlab<int>.ChunkSize, $"retention should keep few windows alive, peak {peak}");
        Assert.Equal(expected.Count, emitted.Count);
        foreach (var want in expected)
        {
            Assert.Equal(want, emitted[want.Key] with { Version = 0 });
        }
    }
}
