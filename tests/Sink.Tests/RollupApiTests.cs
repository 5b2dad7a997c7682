using System.Text.Json;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Sink.Tests;

/// <summary>
/// Every interval through the API against an oracle computed here from the minute rows that were stored: sums of counts
/// and volumes, VWAP = quote/base, open/close of the first/last minute, high/low extremes, net and imbalance.
/// </summary>
public sealed class RollupApiTests(RollupApiTests.Fixture fixture) : IClassFixture<RollupApiTests.Fixture>
{
    private const string Product = "ROLL-USD";
    private static readonly DateTimeOffset From = new(2026, 8, 9, 0, 0, 0, TimeSpan.Zero);
    private static readonly int Minutes = 2 * 1440 + 437; // two days and a ragged end

    public sealed class Fixture : IAsyncLifetime
    {
        public SinkApiFactory Factory { get; } = new();

        public List<WindowVolume> Rows { get; } = [];

        public async Task InitializeAsync()
        {
            var random = new Random(20260809);
            long tradeId = 1_000_000;
            for (var minute = 0; minute < Minutes; minute++)
            {
                foreach (var side in new[] { TakerSide.Buy, TakerSide.Sell })
                {
                    if (random.Next(5) == 0)
                    {
                        continue; // some minutes have no trades on a side
                    }

                    var trades = random.Next(1, 40);
                    var low = 60000m + (random.Next(0, 500_000) / 100m);
                    var high = low + (random.Next(0, 10_000) / 100m);
                    var open = low + ((high - low) * random.Next(0, 101) / 100m);
                    var close = low + ((high - low) * random.Next(0, 101) / 100m);
                    var baseVolume = random.Next(1, 2_000_000_000) / 100_000_000m;
                    Rows.Add(new WindowVolume(Product, side, From.AddMinutes(minute), trades, baseVolume, decimal.Round(baseVolume * (low + high) / 2, 10),
                        open, high, low, close, tradeId, tradeId + trades - 1, Version: 1, Final: true));
                    tradeId += trades;
                }
            }

            await Factory.Store.UpsertAsync(Rows);
        }

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    [Theory]
    [InlineData("1m", 1)]
    [InlineData("5m", 5)]
    [InlineData("15m", 15)]
    [InlineData("1h", 60)]
    [InlineData("4h", 240)]
    [InlineData("1d", 1440)]
    [InlineData("7m", 7)]
    [InlineData("7", 7)]
    [InlineData("90m", 90)]
    [InlineData("6h", 360)]
    public async Task Every_interval_rolls_up_to_the_sums_of_its_minute_rows(string interval, int minutes)
    {
        using var client = fixture.Factory.CreateClient();
        var to = From.AddMinutes(Minutes);
        using var json = JsonDocument.Parse(await client.GetStringAsync(
            $"/api/volumes?product={Product}&interval={interval}&from={From:yyyy-MM-ddTHH:mm:ssZ}&to={to:yyyy-MM-ddTHH:mm:ssZ}"));
        var bars = json.RootElement.EnumerateArray().ToArray();

        var length = TimeSpan.FromMinutes(minutes);
        var expected = fixture.Rows
            .GroupBy(r => BarStart(r.WindowStart, length))
            .Where(g => g.Key >= From && g.Key < to) // bars whose start is in [from, to), complete
            .OrderBy(g => g.Key)
            .SelectMany(bar => bar.GroupBy(r => r.Side).OrderBy(s => s.Key).Select(side => (Start: bar.Key, Side: side.Key, Rows: side.ToList(), Bar: bar.ToList())))
            .ToList();
        Assert.Equal(expected.Count, bars.Length);

        foreach (var (want, got) in expected.Zip(bars))
        {
            var baseVolume = want.Rows.Sum(r => r.BaseVolume);
            var quoteVolume = want.Rows.Sum(r => r.QuoteVolume);
            var buy = want.Bar.Where(r => r.Side == TakerSide.Buy).Sum(r => r.BaseVolume);
            var sell = want.Bar.Where(r => r.Side == TakerSide.Sell).Sum(r => r.BaseVolume);
            Assert.Equal(want.Start.UtcDateTime, got.GetProperty("start").GetDateTime());
            Assert.Equal((want.Start + length).UtcDateTime, got.GetProperty("end").GetDateTime());
            Assert.Equal(want.Side == TakerSide.Buy ? "buy" : "sell", got.GetProperty("side").GetString());
            Assert.Equal(want.Rows.Sum(r => r.Trades), got.GetProperty("trades").GetInt64());
            Assert.Equal(baseVolume, got.GetProperty("baseVolume").GetDecimal());
            Assert.Equal(quoteVolume, got.GetProperty("quoteVolume").GetDecimal());
            Assert.Equal(quoteVolume / baseVolume, got.GetProperty("vwap").GetDecimal());
            Assert.Equal(want.Rows.MinBy(r => r.WindowStart)!.Open, got.GetProperty("open").GetDecimal());
            Assert.Equal(want.Rows.MaxBy(r => r.WindowStart)!.Close, got.GetProperty("close").GetDecimal());
            Assert.Equal(want.Rows.Max(r => r.High), got.GetProperty("high").GetDecimal());
            Assert.Equal(want.Rows.Min(r => r.Low), got.GetProperty("low").GetDecimal());
            Assert.Equal(buy - sell, got.GetProperty("net").GetDecimal());
            Assert.Equal((buy - sell) / (buy + sell), got.GetProperty("imbalance").GetDecimal());
        }

        // Nothing lost or counted twice across bars: every minute row whose bar is returned is in exactly one bar.
        var covered = expected.SelectMany(e => e.Rows).ToList();
        Assert.Equal(covered.Count, covered.Distinct().Count());
        Assert.Equal(covered.Sum(r => r.BaseVolume), bars.Sum(b => b.GetProperty("baseVolume").GetDecimal()));
        Assert.Equal(covered.Sum(r => r.Trades), bars.Sum(b => b.GetProperty("trades").GetInt64()));
        if (minutes is 1 or 5 or 15 or 60 or 240 or 1440 or 90 or 360)
        {
            Assert.Equal(fixture.Rows.Sum(r => r.QuoteVolume), bars.Sum(b => b.GetProperty("quoteVolume").GetDecimal())); // day-aligned: all rows
        }
    }

    [Fact]
    public async Task A_bar_starting_before_from_is_left_out_and_the_last_bar_is_complete_past_to()
    {
        using var client = fixture.Factory.CreateClient();
        // from 00:10 with 1h bars: the first bar is 01:00; to 02:30 includes the 02:00 bar in full (until 03:00).
        using var json = JsonDocument.Parse(await client.GetStringAsync(
            $"/api/volumes?product={Product}&interval=1h&from=2026-08-09T00:10:00Z&to=2026-08-09T02:30:00Z"));
        var bars = json.RootElement.EnumerateArray().ToArray();

        Assert.Equal(["2026-08-09T01:00:00Z", "2026-08-09T02:00:00Z"], bars.Select(b => b.GetProperty("start").GetString()!).Distinct().ToArray());
        var second = fixture.Rows.Where(r => r.Side == TakerSide.Buy && r.WindowStart >= From.AddHours(2) && r.WindowStart < From.AddHours(3));
        Assert.Equal(second.Sum(r => r.BaseVolume), bars.Single(b => b.GetProperty("start").GetString() == "2026-08-09T02:00:00Z" && b.GetProperty("side").GetString() == "buy").GetProperty("baseVolume").GetDecimal());
    }

    private static DateTimeOffset BarStart(DateTimeOffset time, TimeSpan length) =>
        new(time.UtcTicks - ((time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) % length.Ticks), TimeSpan.Zero);
}
