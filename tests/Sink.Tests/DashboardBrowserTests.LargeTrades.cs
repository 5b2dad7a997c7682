using BitcoinVolume.Contracts;
using Microsoft.Playwright;

namespace BitcoinVolume.Sink.Tests;

/// <summary>The page lists the large single trades of the subject (largetrades.js), newest first, with exact decimals and the stored threshold.</summary>
public sealed partial class DashboardBrowserTests
{
    [Fact]
    public async Task The_large_trades_list_shows_the_subjects_large_trades_newest_first_with_exact_decimals()
    {
        var chromium = Chromium;
        if (chromium is null)
        {
            Assert.False(PostgresServer.IsCi, "CI=true but Chromium is missing: tests/prerequisites.d/30-chromium.sh installs it (./test.sh sources it).");
            output.WriteLine("SKIPPED: no Chromium (/usr/bin/chromium or BV_TEST_CHROMIUM); source tests/prerequisites.d/30-chromium.sh.");
            return;
        }

        var data = new VenueData();
        for (var minute = 0; minute < 3; minute++)
        {
            data.Add(Venues.Coinbase, "BTC-USD", TakerSide.Buy, minute, 2, 3m, 60000m);
            data.Add(Venues.Coinbase, "BTC-USD", TakerSide.Sell, minute, 1, 2m, 60000m);
        }

        Produce(data.Windows);
        LargeTrade[] trades =
        [
            new(Venues.Coinbase, "BTC-USD", "1000", VenueData.Start.AddSeconds(10), TakerSide.Buy, 60000.01m, 2.5m, 150000.025m, "USD"),
            new(Venues.Coinbase, "BTC-USD", "1003", VenueData.Start.AddSeconds(70), TakerSide.Sell, 59999.99m, 2.00000001m, 59999.99m * 2.00000001m, "USD"),
            new(Venues.Kraken, "BTC-USD", "77", VenueData.Start.AddSeconds(80), TakerSide.Buy, 60000m, 5m, 300000m, "USD"), // another venue: not shown
        ];
        foreach (var t in trades)
        {
            kafka.Produce(Topics.TradesLarge, t.Key, t, ContractSerializers.LargeTradeSerializer);
        }

        kafka.Flush(TimeSpan.FromSeconds(10));
        await using var sink = StartSink("sink-browser-large-trades-test");
        var baseUrl = BaseUrl(sink);
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        await WaitForAsync(
            async () =>
            {
                using var response = await http.GetAsync($"/api/trades/large?product=BTC-USD&venue=coinbase&from={VenueData.Start:yyyy-MM-ddTHH:mmZ}&to={VenueData.Start.AddHours(1):yyyy-MM-ddTHH:mmZ}");
                return response.IsSuccessStatusCode && (await response.Content.ReadAsStringAsync()).Contains("\"1003\"", StringComparison.Ordinal);
            },
            "the large trades stored");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright, chromium);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1300 } });
        var console = new List<string>();
        page.PageError += (_, error) => console.Add($"pageerror: {error}");
        try
        {
            await page.GotoAsync($"{baseUrl}/?venue=coinbase&product=BTC-USD&interval=1m");
            await page.WaitForFunctionAsync(
                "() => +document.getElementById('large-trades').dataset.loads > 0 && document.getElementById('large-trades').dataset.rows === '2'",
                null,
                new PageWaitForFunctionOptions { Timeout = 30_000 });
            var rows = page.Locator("#large-trade-rows tr");
            Assert.Equal(
                ["2026-12-01 10:01:10", "coinbase", "BTC-USD", "sell", "59999.99", "2.00000001", "119999.9805999999 USD"],
                await rows.Nth(0).Locator("td").AllTextContentsAsync());
            Assert.Equal(
                ["2026-12-01 10:00:10", "coinbase", "BTC-USD", "buy", "60000.01", "2.5", "150000.025 USD"],
                await rows.Nth(1).Locator("td").AllTextContentsAsync());
            Assert.Contains("USD 100000", await page.TextContentAsync("#large-trades-note"), StringComparison.Ordinal);
            await SaveScreenshotAsync(page, "dashboard-large-trades");
        }
        catch
        {
            await SaveScreenshotAsync(page, "dashboard-large-trades-failure");
            output.WriteLine("Browser console:\n" + string.Join("\n", console));
            throw;
        }

        Assert.Empty(console);
    }
}
