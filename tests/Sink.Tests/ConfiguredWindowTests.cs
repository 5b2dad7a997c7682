using System.Net;
using System.Text;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Consumer;
using BitcoinVolume.Sink.Infrastructure;
using BitcoinVolume.Sink.Infrastructure.BigQuery;
using BitcoinVolume.Sink.Model;
using static BitcoinVolume.Sink.Tests.TestData;

namespace BitcoinVolume.Sink.Tests;

/// <summary>The sink follows its base window (<c>Sink:Window</c>): validation, intervals, rollups, the API and its config.</summary>
public sealed class ConfiguredWindowTests
{
    private static readonly WindowSpec TenSeconds = WindowSpec.Parse("10s");

    [Theory]
    [InlineData("2026-08-09T21:04:10Z", "10s", true)]
    [InlineData("2026-08-09T21:04:30Z", "10s", true)]
    [InlineData("2026-08-09T21:04:05Z", "10s", false)]
    [InlineData("2026-08-09T21:04:05Z", "5s", true)]
    [InlineData("2026-08-09T21:04:30Z", "1m", false)]
    [InlineData("2026-08-09T21:05:00Z", "5m", true)]
    [InlineData("2026-08-09T21:04:00Z", "5m", false)]
    public void The_decoder_checks_window_starts_against_the_configured_window(string start, string window, bool valid)
    {
        var bytes = Encoding.UTF8.GetBytes($$"""{"product":"BTC-USD","side":"buy","windowStart":"{{start}}","trades":1,"version":1}""");

        Assert.Equal(valid, WindowRecordDecoder.TryDecode(bytes, Topics.Volumes1m, WindowSpec.Parse(window), out _, out var reason, out var detail));
        if (!valid)
        {
            Assert.Equal("unaligned_window", reason);
            Assert.Contains($"{window} window", detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_decoder_rejects_starts_that_are_not_whole_seconds_even_with_the_finest_window()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"product":"BTC-USD","side":"buy","windowStart":"2026-08-09T21:04:10.5Z","trades":1,"version":1}""");

        Assert.False(WindowRecordDecoder.TryDecode(bytes, Topics.Volumes1m, WindowSpec.Finest, out _, out var reason, out _));
        Assert.Equal("unaligned_window", reason);
    }

    [Theory]
    [InlineData(null, 10, "10s")]
    [InlineData("10s", 10, "10s")]
    [InlineData("30s", 30, "30s")]
    [InlineData("90s", 90, "90s")]
    [InlineData("60s", 60, "1m")]
    [InlineData("1m", 60, "1m")]
    [InlineData("7", 420, "7m")]
    [InlineData("1h", 3600, "1h")]
    [InlineData("366d", 31_622_400, "366d")]
    public void With_a_ten_second_window_intervals_are_whole_multiples_of_it_seconds_included(string? text, int seconds, string name)
    {
        Assert.True(VolumeInterval.TryParse(text, TenSeconds, out var interval));
        Assert.Equal((TimeSpan.FromSeconds(seconds), name), (interval.Length, interval.Name));
    }

    [Theory]
    [InlineData("5s")]
    [InlineData("15s")]
    [InlineData("0s")]
    [InlineData("10S")]
    [InlineData("367d")]
    [InlineData("s")]
    public void With_a_ten_second_window_other_lengths_are_rejected(string text) =>
        Assert.False(VolumeInterval.TryParse(text, TenSeconds, out _));

    [Theory]
    [InlineData(null, "5m", true)]
    [InlineData("15m", "15m", true)]
    [InlineData("1h", "1h", true)]
    [InlineData("7m", null, false)]
    [InlineData("1m", null, false)]
    [InlineData("300s", null, false)]
    public void With_a_five_minute_window_intervals_are_whole_multiples_of_five_minutes(string? text, string? name, bool valid)
    {
        Assert.Equal(valid, VolumeInterval.TryParse(text, WindowSpec.Parse("5m"), out var interval));
        if (valid)
        {
            Assert.Equal(name, interval.Name);
        }
    }

    [Fact]
    public void The_offered_intervals_start_with_the_base_window_and_are_multiples_of_it()
    {
        Assert.Equal(["1m", "5m", "15m", "1h", "4h", "1d"], VolumeInterval.CommonFor(WindowSpec.Default).Select(i => i.Name));
        Assert.Equal(VolumeInterval.Common, VolumeInterval.CommonFor(WindowSpec.Default));
        Assert.Equal(["10s", "30s", "1m", "5m", "15m", "1h", "4h", "1d"], VolumeInterval.CommonFor(TenSeconds).Select(i => i.Name));
        Assert.Equal(["45m", "1d"], VolumeInterval.CommonFor(WindowSpec.Parse("45m")).Select(i => i.Name));
        Assert.Equal(VolumeInterval.Syntax, VolumeInterval.SyntaxFor(WindowSpec.Default));
        Assert.Contains("<N>s", VolumeInterval.SyntaxFor(TenSeconds), StringComparison.Ordinal);
        Assert.DoesNotContain("<N>s", VolumeInterval.SyntaxFor(WindowSpec.Parse("5m")), StringComparison.Ordinal);
    }

    [Fact]
    public void Ten_second_rows_roll_up_into_ten_second_and_one_minute_bars_exactly()
    {
        var rows = new[]
        {
            Window(start: T0, trades: 1, baseVolume: 0.1m, quoteVolume: 10m, open: 100m, high: 100m, low: 100m, close: 100m, firstTradeId: 1, lastTradeId: 1),
            Window(start: T0.AddSeconds(10), trades: 2, baseVolume: 0.2m, quoteVolume: 21m, open: 101m, high: 106m, low: 99m, close: 104m, firstTradeId: 2, lastTradeId: 3),
            Window(start: T0.AddSeconds(50), trades: 3, baseVolume: 0.3m, quoteVolume: 30.3m, open: 98m, high: 102m, low: 97m, close: 101m, firstTradeId: 4, lastTradeId: 6),
            Window(start: T0.AddSeconds(60), trades: 4),
        };

        var tens = VolumeRollup.Roll(rows, VolumeInterval.ForWindow(TenSeconds), TenSeconds);
        var minutes = VolumeRollup.Roll(rows, VolumeInterval.OneMinute, TenSeconds);

        Assert.Equal(4, tens.Length);
        Assert.All(tens, b => Assert.Equal(b.Start.AddSeconds(10), b.End));
        Assert.Equal(2, minutes.Length);
        var first = minutes[0];
        Assert.Equal((T0.UtcDateTime, T0.AddMinutes(1).UtcDateTime, 6L, 0.6m, 61.3m), (first.Start, first.End, first.Trades, first.BaseVolume, first.QuoteVolume));
        Assert.Equal((100m, 106m, 97m, 101m), (first.Open, first.High, first.Low, first.Close));
        Assert.Throws<ArgumentOutOfRangeException>(() => VolumeRollup.Roll(rows, VolumeInterval.FromSeconds(15), TenSeconds));
        Assert.Throws<ArgumentOutOfRangeException>(() => VolumeRollup.Roll(rows, VolumeInterval.ForWindow(TenSeconds)));
    }

    [Fact]
    public void The_stream_update_of_a_window_ends_one_base_window_later()
    {
        var update = VolumeUpdate.FromWindow(Window(start: T0.AddSeconds(20)), TenSeconds);

        Assert.Equal((T0.AddSeconds(20).UtcDateTime, T0.AddSeconds(30).UtcDateTime), (update.Start, update.End));
        Assert.Equal(T0.AddMinutes(1).UtcDateTime, VolumeUpdate.FromWindow(Window(), WindowSpec.Default).End);
    }

    [Theory]
    [InlineData("2026-08-09T21:04:00Z", "10s", "2026-08-09T21:04:00Z")]
    [InlineData("2026-08-09T21:04:00.0000001Z", "10s", "2026-08-09T21:04:10Z")]
    [InlineData("2026-08-09T21:04:00.5Z", "1s", "2026-08-09T21:04:01Z")]
    [InlineData("2026-08-09T21:04:00.5Z", "1m", "2026-08-09T21:05:00Z")]
    [InlineData("9999-12-31T23:59:59.5Z", "1m", "9999-12-31T23:59:00Z")]
    public void Range_bounds_are_rounded_up_to_the_next_window_start_within_DateTimeOffset(string value, string window, string expected)
    {
        var parse = (string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(parse(expected), WindowBatch.CeilingToStart(parse(value), WindowSpec.Parse(window)));
    }

    [Fact]
    public void The_BigQuery_view_ends_windows_one_base_window_after_their_start()
    {
        Assert.Contains("TIMESTAMP_ADD(window_start, INTERVAL 1 MINUTE) AS window_end", BigQuerySql.CreateLatestView("p", "d", "t"), StringComparison.Ordinal);
        Assert.Contains("TIMESTAMP_ADD(window_start, INTERVAL 10 SECOND) AS window_end", BigQuerySql.CreateLatestView("p", "d", "t", window: TenSeconds), StringComparison.Ordinal);
        Assert.Contains("TIMESTAMP_ADD(window_start, INTERVAL 60 MINUTE) AS window_end", BigQuerySql.CreateLatestView("p", "d", "t", window: WindowSpec.Parse("1h")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_serves_ten_second_windows_and_their_rollups_with_Sink_Window_10s()
    {
        await using var factory = new SinkApiFactory(new Dictionary<string, string> { ["Sink:Window"] = "10s" });
        await factory.Store.UpsertAsync(
        [
            Window(start: T0, trades: 1, baseVolume: 1m, quoteVolume: 100m, firstTradeId: 1, lastTradeId: 1),
            Window(start: T0.AddSeconds(10), trades: 2, baseVolume: 2m, quoteVolume: 200m, firstTradeId: 2, lastTradeId: 3),
            Window(start: T0.AddSeconds(30), trades: 3, baseVolume: 3m, quoteVolume: 300m, firstTradeId: 4, lastTradeId: 6),
        ]);
        using var client = factory.CreateClient();
        const string range = "product=BTC-USD&from=2026-08-09T21:04:00Z&to=2026-08-09T21:05:00Z";

        using var config = JsonDocument.Parse(await client.GetStringAsync("/api/config"));
        Assert.Equal("10s", config.RootElement.GetProperty("window").GetString());
        Assert.Equal(10, config.RootElement.GetProperty("windowSeconds").GetInt64());
        Assert.Equal(["10s", "30s", "1m", "5m", "15m", "1h", "4h", "1d"], config.RootElement.GetProperty("intervals").EnumerateArray().Select(e => e.GetString()));

        using var tens = JsonDocument.Parse(await client.GetStringAsync($"/api/volumes?{range}"));
        Assert.Equal(
            [("2026-08-09T21:04:00Z", "2026-08-09T21:04:10Z", 1L), ("2026-08-09T21:04:10Z", "2026-08-09T21:04:20Z", 2L), ("2026-08-09T21:04:30Z", "2026-08-09T21:04:40Z", 3L)],
            tens.RootElement.EnumerateArray().Select(b => (b.GetProperty("start").GetString(), b.GetProperty("end").GetString(), b.GetProperty("trades").GetInt64())));
        Assert.Equal(await client.GetStringAsync($"/api/volumes?{range}"), await client.GetStringAsync($"/api/volumes?{range}&interval=10s"));

        using var thirty = JsonDocument.Parse(await client.GetStringAsync($"/api/volumes?{range}&interval=30s"));
        Assert.Equal([3L, 3L], thirty.RootElement.EnumerateArray().Select(b => b.GetProperty("trades").GetInt64()));

        using var minute = JsonDocument.Parse(await client.GetStringAsync($"/api/volumes?{range}&interval=1m"));
        var bar = Assert.Single(minute.RootElement.EnumerateArray());
        Assert.Equal((6L, 6m, 600m), (bar.GetProperty("trades").GetInt64(), bar.GetProperty("baseVolume").GetDecimal(), bar.GetProperty("quoteVolume").GetDecimal()));

        var bad = await client.GetAsync(new Uri($"/api/volumes?{range}&interval=15s", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("whole multiple of the 10s base window", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_row_limit_counts_base_window_rows()
    {
        // One 10m bar is 60 windows × 2 sides = 120 rows to read; one 1h bar is 720.
        await using var factory = new SinkApiFactory(new Dictionary<string, string> { ["Sink:Window"] = "10s", ["Sink:MaxMinuteRows"] = "120" });
        await factory.Store.UpsertAsync([Window()]);
        using var client = factory.CreateClient();

        var under = await client.GetAsync(new Uri("/api/volumes?product=BTC-USD&interval=10m&from=2026-08-09T21:00:00Z&to=2026-08-09T21:00:01Z", UriKind.Relative));
        var over = await client.GetAsync(new Uri("/api/volumes?product=BTC-USD&interval=1h&from=2026-08-09T21:00:00Z&to=2026-08-09T21:00:01Z", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, under.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, over.StatusCode);
        Assert.Contains("up to 720 stored 10s rows", await over.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_default_window_the_config_is_one_minute_and_the_usual_intervals()
    {
        await using var factory = new SinkApiFactory();
        using var client = factory.CreateClient();

        using var config = JsonDocument.Parse(await client.GetStringAsync("/api/config"));

        Assert.Equal("1m", config.RootElement.GetProperty("window").GetString());
        Assert.Equal(60, config.RootElement.GetProperty("windowSeconds").GetInt64());
        Assert.Equal(["1m", "5m", "15m", "1h", "4h", "1d"], config.RootElement.GetProperty("intervals").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void An_invalid_Sink_Window_stops_the_service_at_start_naming_the_setting_the_value_and_the_rule()
    {
        using var factory = new SinkApiFactory(new Dictionary<string, string> { ["Sink:Window"] = "7s" });

        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        var message = string.Join(" | ", Chain(error).Select(e => e.Message));
        Assert.Contains("Sink:Window", message, StringComparison.Ordinal);
        Assert.Contains("'7s' is not a valid window", message, StringComparison.Ordinal);
        Assert.Contains("whole number of minutes that divides a day", message, StringComparison.Ordinal);
    }

    private static IEnumerable<Exception> Chain(Exception? error)
    {
        for (; error is not null; error = error.InnerException)
        {
            yield return error;
        }
    }
}
