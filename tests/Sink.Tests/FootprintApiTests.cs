using System.Net;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Footprint;
using Microsoft.Extensions.DependencyInjection;

namespace BitcoinVolume.Sink.Tests;

/// <summary><c>GET /api/footprint</c> over the SQLite store: rollups equal the merged minute levels, venue defaults, and 400s naming the parameter.</summary>
public sealed class FootprintApiTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 8, 9, 21, 0, 0, TimeSpan.Zero);
    private readonly SinkApiFactory factory = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await factory.DisposeAsync();

    [Fact]
    public async Task Minute_and_hour_bars_and_a_coarser_tick_merge_the_stored_levels_exactly()
    {
        using var client = factory.CreateClient();
        await factory.Store.UpsertAsync([TestData.Window(start: T0), TestData.Window(start: T0, venue: "kraken")]);
        var footprints = factory.Services.GetRequiredService<IFootprintStore>();
        await footprints.UpsertAsync(
        [
            new FootprintWindow(Venues.Coinbase, "BTC-USD", T0, 10m, 3, [new(90_000m, 0.1m, 0.2m, 1, 1), new(90_010m, 0.3m, 0m, 1, 0)], 7, true),
            new FootprintWindow(Venues.Coinbase, "BTC-USD", T0.AddMinutes(1), 10m, 2, [new(90_010m, 0.00000001m, 0m, 1, 0), new(90_040m, 0m, 1.5m, 0, 1)], 5, true),
            new FootprintWindow("kraken", "BTC-USD", T0, 10m, 1, [new(70_000m, 9m, 0m, 1, 0)], 3, true),
        ], default);

        var from = "2026-08-09T21:00:00Z";
        var to = "2026-08-09T22:00:00Z";
        using var minutes = JsonDocument.Parse(await client.GetStringAsync($"/api/footprint?product=BTC-USD&from={from}&to={to}"));
        Assert.Equal(2, minutes.RootElement.GetArrayLength()); // coinbase by default: kraken's 70,000 is not in it
        var first = minutes.RootElement[0];
        Assert.Equal("2026-08-09T21:00:00Z", first.GetProperty("start").GetString());
        Assert.Equal(["90000", "90010"], first.GetProperty("levels").EnumerateArray().Select(l => l.GetProperty("price").GetRawText()));
        Assert.Equal("90000", first.GetProperty("poc").GetRawText()); // 0.3 vs 0.3: the lowest price

        using var hour = JsonDocument.Parse(await client.GetStringAsync($"/api/footprint?product=BTC-USD&venue=coinbase&interval=1h&from={from}&to={to}&tick=50"));
        var bar = Assert.Single(hour.RootElement.EnumerateArray());
        var levels = bar.GetProperty("levels").EnumerateArray().ToList();
        Assert.Equal(["90000"], levels.Select(l => l.GetProperty("price").GetRawText()));
        Assert.Equal("0.40000001", levels[0].GetProperty("buyBase").GetRawText());
        Assert.Equal("1.7", levels[0].GetProperty("sellBase").GetRawText());
        Assert.Equal((3, 2), (levels[0].GetProperty("buyTrades").GetInt32(), levels[0].GetProperty("sellTrades").GetInt32()));
        Assert.Equal(5, bar.GetProperty("trades").GetInt32());

        using var kraken = JsonDocument.Parse(await client.GetStringAsync($"/api/footprint?product=BTC-USD&venue=kraken&from={from}&to={to}"));
        Assert.Equal("70000", Assert.Single(kraken.RootElement.EnumerateArray()).GetProperty("poc").GetRawText());
    }

    [Theory]
    [InlineData("product=BTC-USD&from=2026-08-09T21:00:00Z&to=2026-08-09T22:00:00Z&tick=15", "tick")]
    [InlineData("product=BTC-USD&from=2026-08-09T21:00:00Z&to=2026-08-09T22:00:00Z&tick=abc", "tick")]
    [InlineData("product=BTC-USD&venue=coinbase,kraken&from=2026-08-09T21:00:00Z&to=2026-08-09T22:00:00Z", "venue")]
    [InlineData("product=BTC-USD&venue=binance&from=2026-08-09T21:00:00Z&to=2026-08-09T22:00:00Z", "venue")]
    [InlineData("product=BTC-USD&interval=2s&from=2026-08-09T21:00:00Z&to=2026-08-09T22:00:00Z", "interval")]
    [InlineData("product=BTC-USD&from=2026-08-09T21:00:00Z&to=2026-09-30T22:00:00Z", "to")]
    [InlineData("from=2026-08-09T21:00:00Z&to=2026-08-09T22:00:00Z", "product")]
    [InlineData("product=NOPE-USD&from=2026-08-09T21:00:00Z&to=2026-08-09T22:00:00Z", "product")]
    public async Task Bad_input_is_a_400_naming_the_parameter(string query, string parameter)
    {
        using var client = factory.CreateClient();
        await factory.Store.UpsertAsync([TestData.Window(start: T0), TestData.Window(start: T0, venue: "kraken")]);
        await factory.Services.GetRequiredService<IFootprintStore>().UpsertAsync(
            [new FootprintWindow(Venues.Coinbase, "BTC-USD", T0, 10m, 1, [new(90_000m, 0.1m, 0m, 1, 0)], 3, true)], default);
        using var response = await client.GetAsync($"/api/footprint?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(parameter, out _), problem.RootElement.GetRawText());
    }
}
