using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Model;
using static BitcoinVolume.Sink.Tests.TestData;

namespace BitcoinVolume.Sink.Tests;

public sealed class VolumeRollupTests
{
    [Theory]
    [InlineData(null, 1, "1m")]
    [InlineData("1m", 1, "1m")]
    [InlineData("5m", 5, "5m")]
    [InlineData("15m", 15, "15m")]
    [InlineData("1h", 60, "1h")]
    [InlineData("4h", 240, "4h")]
    [InlineData("1d", 1440, "1d")]
    [InlineData("7m", 7, "7m")]
    [InlineData("7", 7, "7m")]
    [InlineData("60", 60, "1h")]
    [InlineData("90m", 90, "90m")]
    [InlineData("36h", 2160, "36h")]
    [InlineData("0005m", 5, "5m")]
    [InlineData("366d", 527040, "366d")]
    public void TryParse_accepts_whole_minutes_in_m_h_d_or_bare_minutes(string? text, int minutes, string name)
    {
        Assert.True(VolumeInterval.TryParse(text, out var interval));
        Assert.Equal(TimeSpan.FromMinutes(minutes), interval.Length);
        Assert.Equal(name, interval.Name);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("0m")]
    [InlineData("-5m")]
    [InlineData("+5m")]
    [InlineData("1.5h")]
    [InlineData("60s")]
    [InlineData("1M")]
    [InlineData("1H")]
    [InlineData("1w")]
    [InlineData(" 1m")]
    [InlineData("1m ")]
    [InlineData("m")]
    [InlineData("367d")]
    [InlineData("999999999")]
    [InlineData("\u0661m")]
    public void TryParse_rejects_everything_else(string text) => Assert.False(VolumeInterval.TryParse(text, out _));

    [Fact]
    public void One_minute_bars_map_rows_one_to_one_in_start_then_side_order()
    {
        var rows = new[]
        {
            Window(side: TakerSide.Sell, start: T0.AddMinutes(1)),
            Window(side: TakerSide.Sell, start: T0),
            Window(side: TakerSide.Buy, start: T0),
        };

        var bars = VolumeRollup.Roll(rows, VolumeInterval.OneMinute);

        Assert.Equal(
            [(T0.UtcDateTime, TakerSide.Buy), (T0.UtcDateTime, TakerSide.Sell), (T0.AddMinutes(1).UtcDateTime, TakerSide.Sell)],
            bars.Select(b => (b.Start, b.Side)).ToArray());
        Assert.All(bars, b => Assert.Equal(DateTimeKind.Utc, b.Start.Kind));
        Assert.All(bars, b => Assert.Equal(b.Start.AddMinutes(1), b.End));
    }

    [Fact]
    public void Coarser_bars_add_up_minutes_exactly()
    {
        var fiveMinutes = VolumeInterval.FromMinutes(5);
        var start = new DateTimeOffset(2026, 8, 9, 21, 5, 0, TimeSpan.Zero);
        var rows = new[]
        {
            Window(start: start.AddMinutes(3), trades: 2, baseVolume: 0.00000001m, quoteVolume: 0.0006m, open: 60000m, high: 60000m, low: 60000m, close: 60000m, firstTradeId: 20, lastTradeId: 21),
            Window(start: start, trades: 1, baseVolume: 1.1m, quoteVolume: 66000.11m, open: 60000.1m, high: 60010m, low: 59990m, close: 60001m, firstTradeId: 10, lastTradeId: 12),
            Window(start: start.AddMinutes(4), trades: 4, baseVolume: 0.2m, quoteVolume: 12000.02m, open: 60002m, high: 60020m, low: 59980m, close: 60003.5m, firstTradeId: 22, lastTradeId: 30),
            Window(start: start.AddMinutes(5), trades: 9), // next bar
            Window(side: TakerSide.Sell, start: start.AddMinutes(1), trades: 6),
        };

        var bars = VolumeRollup.Roll(rows, fiveMinutes);

        Assert.Equal(3, bars.Length);
        var buy = bars[0];
        var sellBase = rows[4].BaseVolume;
        Assert.Equal((1.30000001m - sellBase, (1.30000001m - sellBase) / (1.30000001m + sellBase)), (buy.Net, buy.Imbalance));
        Assert.Equal((buy.Net, buy.Imbalance), (bars[1].Net, bars[1].Imbalance)); // the same bar's sell row
        Assert.Equal((bars[2].BaseVolume, 1m), (bars[2].Net, bars[2].Imbalance)); // buy only
        Assert.Equal((start.UtcDateTime, start.AddMinutes(5).UtcDateTime, TakerSide.Buy), (buy.Start, buy.End, buy.Side));
        Assert.Equal(7, buy.Trades);
        Assert.Equal(1.30000001m, buy.BaseVolume);
        Assert.Equal(78000.1306m, buy.QuoteVolume);
        Assert.Equal(78000.1306m / 1.30000001m, buy.Vwap);
        Assert.Equal((60000.1m, 60020m, 59980m, 60003.5m), (buy.Open, buy.High, buy.Low, buy.Close));
        Assert.Equal((start.UtcDateTime, TakerSide.Sell), (bars[1].Start, bars[1].Side));
        Assert.Equal((start.AddMinutes(5).UtcDateTime, TakerSide.Buy, 9L), (bars[2].Start, bars[2].Side, bars[2].Trades));
    }

    [Fact]
    public void Bars_are_aligned_to_the_epoch_in_utc()
    {
        var day = VolumeInterval.FromMinutes(1440);

        Assert.Equal(
            new DateTimeOffset(2026, 8, 9, 0, 0, 0, TimeSpan.Zero),
            day.BarStart(new DateTimeOffset(2026, 8, 10, 1, 30, 0, TimeSpan.FromHours(2))));
    }

    [Fact]
    public void Bars_of_any_whole_minutes_are_aligned_to_the_epoch_and_ceiling_finds_the_next_start()
    {
        var seven = VolumeInterval.FromMinutes(7);
        var start = seven.BarStart(new DateTimeOffset(2026, 8, 9, 21, 4, 30, TimeSpan.Zero));

        Assert.Equal(0, (start - DateTimeOffset.UnixEpoch).Ticks % TimeSpan.FromMinutes(7).Ticks);
        Assert.Equal(start, seven.CeilingBarStart(start));
        Assert.Equal(start.AddMinutes(7), seven.CeilingBarStart(start.AddTicks(1)));
    }

    [Fact]
    public void Net_and_imbalance_are_zero_when_a_bar_has_no_volume()
    {
        var bars = VolumeRollup.Roll([Window(baseVolume: 0m, quoteVolume: 0m), Window(side: TakerSide.Sell, baseVolume: 0m, quoteVolume: 0m)], VolumeInterval.OneMinute);

        Assert.All(bars, b => Assert.Equal((0m, 0m, 0m), (b.Vwap, b.Net, b.Imbalance)));
    }
}
