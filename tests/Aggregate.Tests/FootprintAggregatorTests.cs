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
}
