using System.Net;
using System.Text.Json;
using BitcoinVolume.Contracts;
using static BitcoinVolume.Sink.Tests.TestData;

namespace BitcoinVolume.Sink.Tests;

/// <summary>The venue dimension of the API: one venue, lists, spot (default) and all, the asset view, /api/venues.</summary>
public sealed class VenueApiTests(VenueApiTests.Fixture fixture) : IClassFixture<VenueApiTests.Fixture>
{
    private const string Range = "from=2026-08-09T21:04:00Z&to=2026-08-09T21:05:00Z";

    private readonly HttpClient client = fixture.CreateClient();

    public sealed class Fixture : IAsyncLifetime
    {
        public SinkApiFactory Factory { get; } = new();

        public HttpClient CreateClient() => Factory.CreateClient();

        public async Task InitializeAsync() =>
            await Factory.Store.UpsertAsync(
            [
                Window(venue: Venues.Coinbase, product: "BTC-USD", trades: 2, baseVolume: 1m, quoteVolume: 60000m, high: 60001m, low: 59999m),
                Window(venue: Venues.Kraken, product: "BTC-USD", trades: 1, baseVolume: 0.4m, quoteVolume: 24000m, high: 60010m, low: 59990m),
                Window(venue: Venues.Binance, product: "BTC-USDT", trades: 3, baseVolume: 2m, quoteVolume: 120010m, high: 60020m, low: 59980m),
                Window(venue: Venues.Binance, product: "BTC-USDT", side: TakerSide.Sell, trades: 1, baseVolume: 1m, quoteVolume: 60000m),
                Window(venue: Venues.Okx, product: "BTC-USDT", trades: 1, baseVolume: 0.5m, quoteVolume: 30000m, high: 60030m, low: 59970m),
                Window(venue: Venues.BybitLinear, product: "BTC-USDT", trades: 9, baseVolume: 10m, quoteVolume: 600000m),
                Window(venue: "okx-swap", product: "BTC-USDT", trades: 4, baseVolume: 7m, quoteVolume: 420000m),
            ]);

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    [Fact]
    public async Task One_venue_gives_exactly_its_rows_with_its_venue()
    {
        var bars = await GetAsync($"/api/volumes?product=BTC-USDT&venue=bybit-linear&interval=1m&{Range}");

        var bar = Assert.Single(bars);
        Assert.Equal("bybit-linear", bar.GetProperty("venue").GetString());
        Assert.Equal(["bybit-linear"], Strings(bar.GetProperty("venues")));
        Assert.Equal((9L, 10m, 600000m), (bar.GetProperty("trades").GetInt64(), bar.GetProperty("baseVolume").GetDecimal(), bar.GetProperty("quoteVolume").GetDecimal()));
    }

    [Fact]
    public async Task The_same_product_on_two_venues_never_merges()
    {
        var coinbase = Assert.Single(await GetAsync($"/api/volumes?product=BTC-USD&venue=coinbase&{Range}"));
        var kraken = Assert.Single(await GetAsync($"/api/volumes?product=BTC-USD&venue=kraken&{Range}"));

        Assert.Equal((1m, "coinbase"), (coinbase.GetProperty("baseVolume").GetDecimal(), coinbase.GetProperty("venue").GetString()));
        Assert.Equal((0.4m, "kraken"), (kraken.GetProperty("baseVolume").GetDecimal(), kraken.GetProperty("venue").GetString()));
    }

    [Fact]
    public async Task A_comma_list_sums_its_venues_and_says_which()
    {
        var bars = await GetAsync($"/api/volumes?product=BTC-USDT&venue=binance,okx&{Range}");

        Assert.Equal(2, bars.Length);
        var buy = bars[0];
        Assert.Equal(JsonValueKind.Null, buy.GetProperty("venue").ValueKind);
        Assert.Equal(["binance", "okx"], Strings(buy.GetProperty("venues")));
        Assert.Equal((4L, 2.5m, 150010m), (buy.GetProperty("trades").GetInt64(), buy.GetProperty("baseVolume").GetDecimal(), buy.GetProperty("quoteVolume").GetDecimal()));
        Assert.Equal(150010m / 2.5m, buy.GetProperty("vwap").GetDecimal());
        Assert.Equal((60030m, 59970m), (buy.GetProperty("high").GetDecimal(), buy.GetProperty("low").GetDecimal()));
        Assert.Equal(2.5m - 1m, buy.GetProperty("net").GetDecimal());
        Assert.Equal(["binance"], Strings(bars[1].GetProperty("venues"))); // only binance sold
    }

    [Fact]
    public async Task Spot_is_the_default_and_leaves_out_derivative_and_unknown_markets()
    {
        var byDefault = await GetAsync($"/api/volumes?product=BTC-USDT&{Range}");
        var spot = await GetAsync($"/api/volumes?product=BTC-USDT&venue=spot&{Range}");

        Assert.Equal(["binance", "okx"], Strings(byDefault[0].GetProperty("venues")));
        Assert.Equal(2.5m, byDefault[0].GetProperty("baseVolume").GetDecimal());
        Assert.Equal(byDefault.Select(b => b.GetRawText()), spot.Select(b => b.GetRawText()));
    }

    [Fact]
    public async Task All_includes_derivative_and_unknown_venues()
    {
        var buy = (await GetAsync($"/api/volumes?product=BTC-USDT&venue=all&{Range}"))[0];

        Assert.Equal(["binance", "bybit-linear", "okx", "okx-swap"], Strings(buy.GetProperty("venues")));
        Assert.Equal(19.5m, buy.GetProperty("baseVolume").GetDecimal());
    }

    [Fact]
    public async Task Asset_sums_trades_and_base_volume_across_quotes_but_never_quote_volumes()
    {
        var bars = await GetAsync($"/api/volumes?asset=BTC&interval=1m&{Range}");

        var buy = bars[0];
        Assert.Equal(("BTC", "buy"), (buy.GetProperty("asset").GetString(), buy.GetProperty("side").GetString()));
        Assert.Equal((7L, 3.9m), (buy.GetProperty("trades").GetInt64(), buy.GetProperty("baseVolume").GetDecimal()));
        Assert.False(buy.TryGetProperty("quoteVolume", out _)); // USD and USDT: no sum
        Assert.False(buy.TryGetProperty("quote", out _));
        var byVenue = buy.GetProperty("byVenue").EnumerateArray().ToArray();
        Assert.Equal(
            ["binance BTC-USDT USDT 2 120010", "coinbase BTC-USD USD 1 60000", "kraken BTC-USD USD 0.4 24000", "okx BTC-USDT USDT 0.5 30000"],
            byVenue.Select(v => $"{v.GetProperty("venue").GetString()} {v.GetProperty("product").GetString()} {v.GetProperty("quote").GetString()} {v.GetProperty("baseVolume").GetDecimal()} {v.GetProperty("quoteVolume").GetDecimal()}"));
        Assert.Equal(3.9m - 1m, buy.GetProperty("net").GetDecimal());

        var sell = bars[1];
        Assert.Equal("USDT", sell.GetProperty("quote").GetString()); // one venue, one quote
        Assert.Equal(60000m, sell.GetProperty("quoteVolume").GetDecimal());
    }

    [Fact]
    public async Task Asset_with_one_quote_currency_gives_its_quote_volume()
    {
        var buy = (await GetAsync($"/api/volumes?asset=BTC&venue=binance,okx,bybit-linear&{Range}"))[0];

        Assert.Equal(("USDT", 750010m), (buy.GetProperty("quote").GetString(), buy.GetProperty("quoteVolume").GetDecimal()));
        Assert.Equal(12.5m, buy.GetProperty("baseVolume").GetDecimal());
        Assert.Equal("linear-perpetual", buy.GetProperty("byVenue").EnumerateArray().Single(v => v.GetProperty("venue").GetString() == "bybit-linear").GetProperty("market").GetString());
    }

    [Fact]
    public async Task Asset_csv_has_totals_and_empty_quote_columns_when_mixed()
    {
        var lines = (await client.GetStringAsync($"/api/volumes?asset=BTC&format=csv&{Range}")).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("start,end,asset,side,trades,baseVolume,quote,quoteVolume,vwap,net,imbalance,venues,complete,incompleteReason,sizeClassesByQuote", lines[0]);
        Assert.StartsWith("2026-08-09T21:04:00Z,2026-08-09T21:05:00Z,BTC,buy,7,3.9,,,,", lines[1], StringComparison.Ordinal);
        Assert.EndsWith(",binance coinbase kraken okx,true,,", lines[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("product=BTC-USDT&venue=Bybit", "venue")]
    [InlineData("product=BTC-USDT&venue=binance,,okx", "venue")]
    [InlineData("product=BTC-USDT&venue=bybit_linear", "venue")]
    [InlineData("product=BTC-USDT&asset=BTC", "asset")]
    [InlineData("asset=btc", "asset")]
    [InlineData("asset=DOGE", "asset")]
    [InlineData("asset=BTC&interval=5x", "interval")]
    [InlineData("product=BTC-USD&venue=binance", "venue")] // no BTC-USD on binance
    [InlineData("product=NOPE-USD&venue=all", "product")]
    public async Task Bad_values_are_400_naming_the_parameter(string query, string parameter)
    {
        var response = await client.GetAsync($"/api/volumes?{query}&{Range}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(json.RootElement.GetProperty("errors").TryGetProperty(parameter, out _), json.RootElement.GetRawText());
    }

    [Fact]
    public async Task Stream_and_extent_take_venue_and_asset()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/volumes/stream?product=BTC-USDT&venue=BAD")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/volumes/stream?product=BTC-USD&asset=BTC")).StatusCode);
        using var extent = JsonDocument.Parse(await client.GetStringAsync("/api/volumes/extent?asset=BTC&venue=all"));
        Assert.Equal("2026-08-09T21:04:00Z", extent.RootElement.GetProperty("first").GetString());
    }

    [Fact]
    public async Task Venues_lists_market_products_and_last_window()
    {
        using var json = JsonDocument.Parse(await client.GetStringAsync("/api/venues"));
        var venues = json.RootElement.EnumerateArray().ToDictionary(v => v.GetProperty("id").GetString()!);

        Assert.Equal("linear-perpetual", venues["bybit-linear"].GetProperty("market").GetString());
        Assert.Equal(["BTC-USDT"], Strings(venues["bybit-linear"].GetProperty("products")));
        Assert.Equal("2026-08-09T21:04:00Z", venues["bybit-linear"].GetProperty("status").GetProperty("lastWindowAt").GetString());
        Assert.Equal(("spot", "Coinbase"), (venues["coinbase"].GetProperty("market").GetString(), venues["coinbase"].GetProperty("name").GetString()));
        Assert.Equal("unknown", venues["okx-swap"].GetProperty("market").GetString());
        Assert.Equal(JsonValueKind.Null, venues["bitstamp"].GetProperty("status").GetProperty("lastWindowAt").ValueKind);
    }

    [Fact]
    public async Task Products_filter_by_venue()
    {
        Assert.Equal(["BTC-USD", "BTC-USDT"], Strings(JsonDocument.Parse(await client.GetStringAsync("/api/products")).RootElement));
        Assert.Equal(["BTC-USDT"], Strings(JsonDocument.Parse(await client.GetStringAsync("/api/products?venue=binance")).RootElement));
        Assert.Equal(["BTC-USD"], Strings(JsonDocument.Parse(await client.GetStringAsync("/api/products?venue=coinbase,kraken")).RootElement));
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/products?venue=Nope!")).StatusCode);
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    private async Task<JsonElement[]> GetAsync(string path)
    {
        var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return [.. JsonDocument.Parse(text).RootElement.EnumerateArray().Select(e => e.Clone())];
    }
}
