using System.Net;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Consumer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static BitcoinVolume.Sink.Tests.TestData;

namespace BitcoinVolume.Sink.Tests;

public sealed class VolumesApiTests(VolumesApiTests.Fixture fixture) : IClassFixture<VolumesApiTests.Fixture>
{
    private const string Range = "product=BTC-USD&from=2026-08-09T21:04:00Z&to=2026-08-09T21:07:00Z";

    private static readonly string[] BarProperties =
        ["start", "end", "product", "side", "trades", "baseVolume", "quoteVolume", "vwap", "open", "high", "low", "close", "net", "imbalance", "venue", "venues", "complete", "incompleteReason", "sizeClasses"];

    // 21:04 buy, 21:04 sell, 21:05 sell, 21:06 buy are in range; the others are not (time or product).
    private static readonly WindowVolume Buy0404 = Window(
        side: TakerSide.Buy, start: T0, version: 4, trades: 7,
        baseVolume: 0.00000001m, quoteVolume: 0.00064123456789m, open: 64123.456789m, high: 64123.456789m, low: 64123.456789m, close: 64123.456789m);

    private static readonly WindowVolume Sell0404 = Window(
        side: TakerSide.Sell, start: T0, version: 2, trades: 2,
        baseVolume: 123456789.123456789012m, quoteVolume: 7901234567890.12345678901m, open: 64000.01m, high: 64000.02m, low: 63999.99m, close: 64000m);

    private static readonly WindowVolume Sell0405 = Window(side: TakerSide.Sell, start: T0.AddMinutes(1), trades: 1, baseVolume: 3m, quoteVolume: 10m);

    private static readonly WindowVolume Buy0406 = Window(side: TakerSide.Buy, start: T0.AddMinutes(2), trades: 5, baseVolume: 0.5m, quoteVolume: 32000.25m);

    private readonly HttpClient client = fixture.CreateClient();

    public sealed class Fixture : IAsyncLifetime
    {
        public SinkApiFactory Factory { get; } = new();

        public HttpClient CreateClient() => Factory.CreateClient();

        public async Task InitializeAsync() =>
            await Factory.Store.UpsertAsync(
            [
                Buy0406,
                Window(side: TakerSide.Buy, start: T0.AddMinutes(3)),  // == to
                Sell0405,
                Window(side: TakerSide.Sell, start: T0.AddMinutes(-1)), // < from
                Sell0404,
                Window(product: "ETH-USD", start: T0),
                Buy0404,
            ]);

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    [Fact]
    public async Task Returns_one_object_per_window_and_side_in_range_with_exact_values()
    {
        var response = await client.GetAsync($"/api/volumes?{Range}&interval=1m");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var bars = json.RootElement.EnumerateArray().ToArray();
        Assert.Equal(4, bars.Length);

        AssertBar(bars[0], Buy0404, "2026-08-09T21:04:00Z", "2026-08-09T21:05:00Z", "buy");
        AssertBar(bars[1], Sell0404, "2026-08-09T21:04:00Z", "2026-08-09T21:05:00Z", "sell");
        AssertBar(bars[2], Sell0405, "2026-08-09T21:05:00Z", "2026-08-09T21:06:00Z", "sell");
        AssertBar(bars[3], Buy0406, "2026-08-09T21:06:00Z", "2026-08-09T21:07:00Z", "buy");
    }

    [Fact]
    public async Task Decimals_are_written_at_full_precision()
    {
        var text = await client.GetStringAsync($"/api/volumes?{Range}");

        Assert.Contains("\"baseVolume\":0.00000001,", text, StringComparison.Ordinal);
        Assert.Contains("\"baseVolume\":123456789.123456789012,", text, StringComparison.Ordinal);
        Assert.Contains("\"quoteVolume\":7901234567890.12345678901,", text, StringComparison.Ordinal);
        Assert.Contains("\"vwap\":64123.456789,", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Interval_defaults_to_1m()
    {
        var withDefault = await client.GetStringAsync($"/api/volumes?{Range}");
        var explicit1m = await client.GetStringAsync($"/api/volumes?{Range}&interval=1m");

        Assert.Equal(explicit1m, withDefault);
    }

    [Fact]
    public async Task Window_starts_in_from_to_half_open_range()
    {
        // from inside 21:04 excludes 21:04; to just after 21:05 includes 21:05.
        using var json = JsonDocument.Parse(
            await client.GetStringAsync("/api/volumes?product=BTC-USD&from=2026-08-09T21:04:30Z&to=2026-08-09T21:05:00.001Z"));

        var bar = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal("2026-08-09T21:05:00Z", bar.GetProperty("start").GetString());
    }

    [Fact]
    public async Task Offsets_and_unzoned_times_are_read_as_instants()
    {
        var utc = await client.GetStringAsync($"/api/volumes?{Range}");
        var offset = await client.GetStringAsync(
            "/api/volumes?product=BTC-USD&from=2026-08-09T23:04:00%2B02:00&to=2026-08-09T21:07");

        Assert.Equal(utc, offset);
    }

    [Fact]
    public async Task An_empty_range_of_a_known_product_gives_an_empty_array()
    {
        Assert.Equal("[]", await client.GetStringAsync("/api/volumes?product=BTC-USD&from=2026-08-10T00:00:00Z&to=2026-08-11T00:00:00Z"));
        Assert.Equal("[]", await client.GetStringAsync("/api/volumes?product=BTC-USD&from=2026-08-09T21:04:10Z&to=2026-08-09T21:04:50Z"));
    }

    [Fact]
    public async Task Products_lists_products_with_rows()
    {
        var response = await client.GetAsync("/api/products");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(["BTC-USD", "ETH-USD"], json.RootElement.EnumerateArray().Select(e => e.GetString()!).ToArray());
    }

    [Theory]
    [InlineData("from=2026-08-09T21:04:00Z&to=2026-08-09T21:07:00Z", "product")]
    [InlineData("product=%20&from=2026-08-09T21:04:00Z&to=2026-08-09T21:07:00Z", "product")]
    [InlineData("product=DOGE-USD&from=2026-08-09T21:04:00Z&to=2026-08-09T21:07:00Z", "product")]
    [InlineData("product=btc-usd&from=2026-08-09T21:04:00Z&to=2026-08-09T21:07:00Z", "product")]
    [InlineData("product=BTC-USD&from=2026-08-09T21:04:00Z&to=2026-08-09T21:07:00Z&interval=5x", "interval")]
    [InlineData("product=BTC-USD&from=2026-08-09T21:04:00Z&to=2026-08-09T21:07:00Z&interval=0", "interval")]
    [InlineData("product=BTC-USD&from=2026-08-09T21:04:00Z&to=2026-08-09T21:07:00Z&interval=-1m", "interval")]
    [InlineData("product=BTC-USD&from=2026-08-09T21:04:00Z&to=2026-08-09T21:07:00Z&interval=1.5h", "interval")]
    [InlineData("product=BTC-USD&from=2026-08-09T21:04:00Z&to=2026-08-09T21:07:00Z&interval=367d", "interval")]
    [InlineData("product=BTC-USD&from=2026-08-09T21:04:00Z&to=2026-08-09T21:07:00Z&format=xml", "format")]
    [InlineData("product=BTC-USD&from=2026-08-09T21:04:00Z&to=2026-08-09T21:07:00Z&format=", "format")]
    [InlineData("product=BTC-USD&from=2026-08-09T25:04:00Z&to=2026-08-09T21:07:00Z", "from")]
    [InlineData("product=BTC-USD&from=1969-12-31T23:00:00Z&to=2026-08-09T21:07:00Z", "from")]
    [InlineData("product=BTC-USD&from=2026-08-09T21:04:00Z&to=2026-08-09T21:07:00Z%2B25:00", "to")]
    [InlineData("product=BTC-USD&from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z&interval=1h", "to")]
    [InlineData("product=BTC-USD&from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&interval=1d", "to")]
    [InlineData("product=BTC-USD&from=2026-08-09T21:04:00Z&to=2026-08-09T21:07:00Z&interval=", "interval")]
    [InlineData("product=BTC-USD&from=2026-08-09T21:04:00Z&to=2026-08-09T21:07:00Z&interval=1M", "interval")]
    [InlineData("product=BTC-USD&to=2026-08-09T21:07:00Z", "from")]
    [InlineData("product=BTC-USD&from=yesterday&to=2026-08-09T21:07:00Z", "from")]
    [InlineData("product=BTC-USD&from=08/09/2026&to=2026-08-09T21:07:00Z", "from")]
    [InlineData("product=BTC-USD&from=2026-08-09T21:04:00Z", "to")]
    [InlineData("product=BTC-USD&from=2026-08-09T21:04:00Z&to=2026-13-01T00:00:00Z", "to")]
    [InlineData("product=BTC-USD&from=2026-08-09T21:04:00Z&to=2026-08-09T21:04:00Z", "to")]
    [InlineData("product=BTC-USD&from=2026-08-09T21:07:00Z&to=2026-08-09T21:04:00Z", "to")]
    [InlineData("product=BTC-USD&from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z", "to")]
    [InlineData("product=BTC-USD&from=2026-08-01T00:00:00Z&to=2026-08-18T08:40:00.0000001Z", "to")]
    [InlineData("product=BTC-USD&from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z", "to")]
    public async Task Bad_queries_are_400_problem_details(string query, string field)
    {
        var response = await client.GetAsync($"/api/volumes?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(400, json.RootElement.GetProperty("status").GetInt32());
        Assert.True(json.RootElement.GetProperty("errors").TryGetProperty(field, out var messages), $"no error for '{field}'");
        Assert.NotEmpty(messages.EnumerateArray());
    }

    [Fact]
    public async Task A_range_of_exactly_max_rows_is_accepted()
    {
        // 25,000 minutes x 2 sides = 50,000 rows = Sink:MaxRows.
        var response = await client.GetAsync("/api/volumes?product=BTC-USD&from=2026-08-01T00:00:00Z&to=2026-08-18T08:40:00Z");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task OpenApi_document_describes_the_endpoints()
    {
        var text = await client.GetStringAsync("/openapi/v1.json");

        Assert.Contains("\"/api/volumes\"", text, StringComparison.Ordinal);
        Assert.Contains("\"/api/products\"", text, StringComparison.Ordinal);
        Assert.Contains("\"/api/volumes/stream\"", text, StringComparison.Ordinal);
        Assert.Contains("\"/api/volumes/extent\"", text, StringComparison.Ordinal);
        Assert.Contains("text/csv", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_consumer_is_not_registered_when_disabled()
    {
        Assert.DoesNotContain(fixture.Factory.Services.GetServices<IHostedService>(), s => s is VolumesConsumer);
    }

    [Fact]
    public async Task Csv_has_the_json_columns_with_exact_decimals()
    {
        var response = await client.GetAsync($"/api/volumes?{Range}&format=csv");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(string.Join(',', BarProperties), lines[0]);
        Assert.Equal(5, lines.Length);
        var net = Buy0404.BaseVolume - Sell0404.BaseVolume;
        var imbalance = net / (Buy0404.BaseVolume + Sell0404.BaseVolume);
        Assert.Equal(
            string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"2026-08-09T21:04:00Z,2026-08-09T21:05:00Z,BTC-USD,sell,2,123456789.123456789012,7901234567890.12345678901,{Sell0404.QuoteVolume / Sell0404.BaseVolume},64000.01,64000.02,63999.99,64000,{net},{imbalance},coinbase,coinbase,true,,"),
            lines[2]);
        Assert.StartsWith("2026-08-09T21:04:00Z,2026-08-09T21:05:00Z,BTC-USD,buy,7,0.00000001,0.00064123456789,64123.456789,", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Net_and_imbalance_repeat_on_both_rows_of_a_bar()
    {
        using var json = JsonDocument.Parse(await client.GetStringAsync($"/api/volumes?{Range}"));
        var bars = json.RootElement.EnumerateArray().ToArray();

        var net = Buy0404.BaseVolume - Sell0404.BaseVolume;
        Assert.Equal(net, bars[0].GetProperty("net").GetDecimal());
        Assert.Equal(net, bars[1].GetProperty("net").GetDecimal());
        Assert.Equal(net / (Buy0404.BaseVolume + Sell0404.BaseVolume), bars[1].GetProperty("imbalance").GetDecimal());
        Assert.Equal((-Sell0405.BaseVolume, -1m), (bars[2].GetProperty("net").GetDecimal(), bars[2].GetProperty("imbalance").GetDecimal()));
        Assert.Equal((Buy0406.BaseVolume, 1m), (bars[3].GetProperty("net").GetDecimal(), bars[3].GetProperty("imbalance").GetDecimal()));
    }

    [Fact]
    public async Task Extent_gives_the_first_and_last_stored_minute()
    {
        using var json = JsonDocument.Parse(await client.GetStringAsync("/api/volumes/extent?product=BTC-USD"));

        Assert.Equal("2026-08-09T21:03:00Z", json.RootElement.GetProperty("first").GetString());
        Assert.Equal("2026-08-09T21:07:00Z", json.RootElement.GetProperty("last").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/volumes/extent?product=NOPE")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/volumes/extent")).StatusCode);
    }

    [Theory]
    [InlineData("/api/volumes/stream")]
    [InlineData("/api/volumes/stream?product=")]
    [InlineData("/api/volumes/stream?product=NOPE-USD")]
    public async Task Stream_rejects_missing_or_unknown_products(string path)
    {
        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Stream_pushes_committed_windows_of_its_product_as_server_sent_events()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var response = await client.GetAsync("/api/volumes/stream?product=BTC-USD", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        Assert.Equal("retry: 3000", await reader.ReadLineAsync(timeout.Token));
        Assert.StartsWith(": following BTC-USD", await reader.ReadLineAsync(timeout.Token), StringComparison.Ordinal);

        var hub = fixture.Factory.Services.GetRequiredService<BitcoinVolume.Sink.Live.VolumeUpdateHub>();
        var update = Window(start: T0.AddMinutes(30), version: 9, baseVolume: 0.000000012345m);
        hub.Publish([Window(product: "ETH-USD", start: T0.AddMinutes(30)), update]);

        var lines = new List<string>();
        while (lines.Count < 3 || lines[^1].Length > 0)
        {
            var line = await reader.ReadLineAsync(timeout.Token);
            if (line is null || (lines.Count == 0 && line.Length == 0))
            {
                continue;
            }

            lines.Add(line);
        }

        Assert.Equal($"id: {update.Key}#9", lines[0]);
        Assert.Equal("event: volume", lines[1]);
        using var data = JsonDocument.Parse(lines[2]["data: ".Length..]);
        Assert.Equal("BTC-USD", data.RootElement.GetProperty("product").GetString());
        Assert.Equal("2026-08-09T21:34:00Z", data.RootElement.GetProperty("start").GetString());
        Assert.Equal(0.000000012345m, data.RootElement.GetProperty("baseVolume").GetDecimal());
        Assert.Equal(9, data.RootElement.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Dashboard_api_reference_and_health_are_served()
    {
        var page = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("BitcoinVolume", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/app.js")).StatusCode);
        var chartLibrary = await client.GetAsync("/lib/lightweight-charts.standalone.production.js");
        Assert.True(chartLibrary.StatusCode == HttpStatusCode.OK, "the build copies the npm chart bundle into wwwroot/lib");

        var scalar = await client.GetAsync("/scalar");
        Assert.Equal(HttpStatusCode.OK, scalar.StatusCode);
        Assert.Equal("text/html", scalar.Content.Headers.ContentType?.MediaType);

        Assert.Equal("Healthy", await client.GetStringAsync("/health"));
    }

    private static void AssertBar(JsonElement bar, WindowVolume expected, string start, string end, string side)
    {
        Assert.Equal(BarProperties, bar.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(start, bar.GetProperty("start").GetString());
        Assert.Equal(end, bar.GetProperty("end").GetString());
        Assert.Equal("BTC-USD", bar.GetProperty("product").GetString());
        Assert.Equal(side, bar.GetProperty("side").GetString());
        Assert.Equal(expected.Trades, bar.GetProperty("trades").GetInt64());
        Assert.Equal(expected.BaseVolume, bar.GetProperty("baseVolume").GetDecimal());
        Assert.Equal(expected.QuoteVolume, bar.GetProperty("quoteVolume").GetDecimal());
        Assert.Equal(expected.QuoteVolume / expected.BaseVolume, bar.GetProperty("vwap").GetDecimal());
        Assert.Equal(expected.Open, bar.GetProperty("open").GetDecimal());
        Assert.Equal(expected.High, bar.GetProperty("high").GetDecimal());
        Assert.Equal(expected.Low, bar.GetProperty("low").GetDecimal());
        Assert.Equal(expected.Close, bar.GetProperty("close").GetDecimal());
    }
}
