using BitcoinVolume.Aggregate.Windowing;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Aggregate.Tests;

public class FootprintAggregatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("90123.45", "10")]
    [InlineData("10000", "10")]
    [InlineData("9999.99", "1")]
    [InlineData("3000", "1")]
    [InlineData("150.5", "0.1")]
    [InlineData("0.5", "0.0001")]
    [InlineData("0.00001234", "0.00000001")]
    public void The_magnitude_rule_is_the_power_of_ten_three_orders_below_the_price(string price, string tick) =>
        Assert.Equal(decimal.Parse(tick, System.Globalization.CultureInfo.InvariantCulture), FootprintAggregator.MagnitudeTick(decimal.Parse(price, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void Ticks_come_from_the_settings_the_defaults_and_else_the_first_trade_and_stay()
    {
        var options = new FootprintOptions();
        options.Ticks["SOL-USD"] = 0.05m;
        var footprint = new FootprintAggregator(options, new WindowingOptions());
        footprint.Add(new Trade("BTC-USD", 1, T0, 90_015.5m, 1m, TakerSide.Buy));
        footprint.Add(new Trade("ETH-EUR", 1, T0, 3_000.4m, 1m, TakerSide.Buy));
        footprint.Add(new Trade("SOL-USD", 1, T0, 141.37m, 1m, TakerSide.Sell));
        footprint.Add(new Trade("XRP-USD", 1, T0, 2.3456m, 1m, TakerSide.Sell));
        footprint.Add(new Trade("XRP-USD", 2, T0, 23.456m, 1m, TakerSide.Sell)); // the stream's tick stays that of its first trade
        var changes = footprint.TakeChanges(null);
        var byProduct = changes.Windows.ToDictionary(w => w.Product);
        Assert.Equal((10m, 90_010m), (byProduct["BTC-USD"].Tick, byProduct["BTC-USD"].Levels.Single().Price));
        Assert.Equal((1m, 3_000m), (byProduct["ETH-EUR"].Tick, byProduct["ETH-EUR"].Levels.Single().Price));
        Assert.Equal((0.05m, 141.35m), (byProduct["SOL-USD"].Tick, byProduct["SOL-USD"].Levels.Single().Price));
        Assert.Equal(0.001m, byProduct["XRP-USD"].Tick);
        Assert.Equal([2.345m, 23.456m], byProduct["XRP-USD"].Levels.Select(l => l.Price));
        Assert.Equal(4, changes.Ticks.Count);
        Assert.Equal("90010", byProduct["BTC-USD"].Levels.Single().Price.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_window_is_final_when_the_watermark_passes_its_end_and_a_correction_grows_its_version()
    {
        var footprint = new FootprintAggregator(new FootprintOptions(), new WindowingOptions());
        footprint.Add(new Trade("BTC-USD", 1, T0.AddSeconds(10), 90_001m, 0.5m, TakerSide.Buy));
        footprint.Add(new Trade("BTC-USD", 2, T0.AddSeconds(20), 90_009m, 0.25m, TakerSide.Sell));
        var first = Assert.Single(footprint.TakeChanges(T0.AddSeconds(15)).Windows);
        Assert.Equal((2L, false, 4L), (first.Trades, first.Final, first.Version));
        Assert.Equal(new FootprintLevel(90_000m, 0.5m, 0.25m, 1, 1), Assert.Single(first.Levels));
        var final = Assert.Single(footprint.TakeChanges(T0.AddMinutes(1)).Windows);
        Assert.Equal((true, 5L), (final.Final, final.Version));
        Assert.Empty(footprint.TakeChanges(T0.AddMinutes(2)).Windows);
        footprint.Add(new Trade("BTC-USD", 3, T0.AddSeconds(30), 89_999.99m, 1m, TakerSide.Sell));
        var corrected = Assert.Single(footprint.TakeChanges(T0.AddMinutes(2)).Windows);
        Assert.Equal((3L, true, 7L), (corrected.Trades, corrected.Final, corrected.Version));
        Assert.Equal([89_990m, 90_000m], corrected.Levels.Select(l => l.Price));
        var pruned = footprint.TakeChanges(T0.AddMinutes(1) + TimeSpan.FromDays(7));
        Assert.Equal(corrected.Key, Assert.Single(pruned.Pruned).Key);
        Assert.Equal(0, footprint.WindowCount);
    }

    [Fact]
    public void Tens_of_thousands_of_windows_with_growing_level_lists_pruned_and_created_again_equal_the_oracle()
    {
        // Window and level state live in StructSlab chunks; a window's levels grow by moving to a longer run, and a pruned
        // window's runs are reused: two streams over ~10 days with retention 1 h, some minutes with bursts of hundreds of
        // levels, some trades out of order.
        var windowing = new WindowingOptions { Retention = TimeSpan.FromHours(1) };
        var options = new FootprintOptions();
        options.Ticks["BTC-USD"] = 1m;
        options.Ticks["ETH-USD"] = 0.05m;
        var footprint = new FootprintAggregator(options, windowing);
        var random = new Random(8);
        var ticks = new Dictionary<string, decimal> { ["BTC-USD"] = 1m, ["ETH-USD"] = 0.05m };
        var ids = new Dictionary<string, long> { ["BTC-USD"] = 0, ["ETH-USD"] = 0 };
        var time = T0;
        var latest = T0;
        var distinct = new List<Trade>();
        var emitted = new Dictionary<(string, DateTimeOffset), FootprintWindow>();
        var peak = 0;
        for (var i = 0; i < 100_000; i++)
        {
            var burst = random.Next(300) == 0;
            for (var b = 0; b < (burst ? 400 : 1); b++)
            {
                time = time.AddSeconds(burst ? 0.1 : random.Next(0, 18));
                var product = random.Next(3) == 0 ? "ETH-USD" : "BTC-USD";
                var basePrice = product == "BTC-USD" ? 90_000m : 3_000m;
                var price = basePrice + (random.Next(-20_000, 20_000) / (burst ? 100m : 1_000m));
                var trade = new Trade(product, ++ids[product], time.AddSeconds(-random.Next(0, 3)), price, random.Next(1, 100_000_000) / 100_000_000m, random.Next(2) == 0 ? TakerSide.Buy : TakerSide.Sell);
                footprint.Add(trade);
                distinct.Add(trade);
                latest = trade.Time > latest ? trade.Time : latest;
            }

            if (i % 500 == 499)
            {
                peak = Math.Max(peak, footprint.WindowCount);
                foreach (var value in footprint.TakeChanges(latest.AddSeconds(-5)).Windows)
                {
                    emitted[(value.Product, value.WindowStart)] = value;
                }
            }
        }

        foreach (var value in footprint.TakeChanges(DateTimeOffset.MaxValue).Windows)
        {
            emitted[(value.Product, value.WindowStart)] = value;
        }

        var expected = distinct
            .GroupBy(t => (t.Product, Start: new DateTimeOffset(WindowSpec.Default.StartOf(t.Time.UtcTicks), TimeSpan.Zero)))
            .ToDictionary(g => g.Key, g => g
                .GroupBy(t => Math.Floor(t.Price / ticks[t.Product]) * ticks[t.Product])
                .OrderBy(l => l.Key)
                .Select(l => (l.Key, l.Where(t => t.Side == TakerSide.Buy).Sum(t => t.Size), l.Where(t => t.Side == TakerSide.Sell).Sum(t => t.Size),
                    (long)l.Count(t => t.Side == TakerSide.Buy), (long)l.Count(t => t.Side == TakerSide.Sell)))
                .ToList());
        Assert.True(expected.Count > 3 * StructSlab<int>.ChunkSize, $"{expected.Count} windows");
        Assert.True(expected.Values.Max(l => l.Count) > 128, "some windows need long level runs");
        Assert.True(peak < StructSlab<int>.ChunkSize, $"retention should keep few windows alive, peak {peak}");
        Assert.Equal(0, footprint.WindowCount);
        Assert.Equal(expected.Count, emitted.Count);
        foreach (var (key, levels) in expected)
        {
            var got = emitted[key];
            Assert.True(got.Final, key.ToString());
            Assert.Equal(levels, got.Levels.Select(l => (l.Price, l.BuyBase, l.SellBase, l.BuyTrades, l.SellTrades)).ToList());
            Assert.Equal(levels.Sum(l => l.Item4 + l.Item5), got.Trades);
        }
    }

    [Fact]
    public void A_window_with_more_levels_than_a_slab_chunk_holds_keeps_them_all()
    {
        // A tick far too small for the prices: 6,000 distinct levels in one minute (more than one StructSlab chunk), in
        // random order, then the window is pruned and its storage used again.
        var windowing = new WindowingOptions { Retention = TimeSpan.FromMinutes(5) };
        var options = new FootprintOptions();
        options.Ticks["BTC-USD"] = 0.01m;
        var footprint = new FootprintAggregator(options, windowing);
        var random = new Random(4);
        var prices = Enumerable.Range(0, 6_000).Select(i => 90_000m + (i / 100m)).OrderBy(_ => random.Next()).ToList();
        for (var i = 0; i < prices.Count; i++)
        {
            footprint.Add(new Trade("BTC-USD", i + 1, T0.AddSeconds(i / 200.0), prices[i], 0.5m, i % 2 == 0 ? TakerSide.Buy : TakerSide.Sell));
            footprint.Add(new Trade("BTC-USD", i + 1, T0.AddSeconds(i / 200.0), prices[i], 0.25m, TakerSide.Buy));
        }

        var value = Assert.Single(footprint.TakeChanges(T0.AddMinutes(1)).Windows);
        Assert.Equal(12_000, value.Trades);
        Assert.Equal(prices.Order(), value.Levels.Select(l => l.Price));
        Assert.All(value.Levels, l => Assert.Equal(2, l.BuyTrades + l.SellTrades));
        Assert.Equal(6_000 * 0.75m, value.Levels.Sum(l => l.BuyBase + l.SellBase));

        Assert.Single(footprint.TakeChanges(T0.AddMinutes(7)).Pruned);
        footprint.Add(new Trade("BTC-USD", 7_000, T0.AddMinutes(8), 90_000m, 1m, TakerSide.Sell));
        var next = Assert.Single(footprint.TakeChanges(T0.AddMinutes(8)).Windows);
        Assert.Equal(new FootprintLevel(90_000m, 0m, 1m, 0, 1), Assert.Single(next.Levels));
    }
}
