using BitcoinVolume.Contracts;
using Microsoft.Playwright;

namespace BitcoinVolume.Sink.Tests;

/// <summary>The page flags an incomplete bar (issue 15): drawn as such on the chart, with its reason on hover and in the table.</summary>
public sealed partial class DashboardBrowserTests
{
    private const string GapReason = "trade ids 300040..300059 (20 trades) missing: not backfilled after 5 attempts";

    [Fact]
    public async Task An_incomplete_bar_is_flagged_on_the_chart_and_in_the_table_with_its_reason_on_hover()
    {
        var chromium = Chromium;
        if (chromium is null)
        {
            Assert.False(PostgresServer.IsCi, "CI=true but Chromium is missing: tests/prerequisites.d/30-chromium.sh installs it (./test.sh sources it).");
            output.WriteLine("SKIPPED: no Chromium (/usr/bin/chromium or BV_TEST_CHROMIUM); source tests/prerequisites.d/30-chromium.sh.");
            return;
        }

        // Three minutes of BTC-USD on Coinbase, both sides; the middle minute's buy window is incomplete (a gap).
        var data = new VenueData();
        for (var minute = 0; minute < 3; minute++)
        {
            data.Add(Venues.Coinbase, "BTC-USD", TakerSide.Buy, minute, 2, 0.5m + minute, 60000m + minute);
            data.Add(Venues.Coinbase, "BTC-USD", TakerSide.Sell, minute, 1, 0.25m, 60000m + minute);
        }

        var gap = data.Windows.Single(w => w.Side == TakerSide.Buy && w.WindowStart == VenueData.Start.AddMinutes(1));
        data.Windows[data.Windows.IndexOf(gap)] = gap with { Version = gap.Version + 2, IncompleteReason = GapReason };
        Produce(data.Windows);
        await using var sink = StartSink("sink-browser-completeness-test");
        var baseUrl = BaseUrl(sink);
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        await WaitForAsync(
            async () =>
            {
                // 400 (unknown product) until the first window is stored.
                using var response = await http.GetAsync($"/api/volumes?product=BTC-USD&venue=coinbase&interval=1m&from={VenueData.Start:yyyy-MM-ddTHH:mmZ}&to={VenueData.Start.AddMinutes(3):yyyy-MM-ddTHH:mmZ}");
                return response.IsSuccessStatusCode && (await response.Content.ReadAsStringAsync()).Contains("\"complete\":false", StringComparison.Ordinal);
            },
            "the incomplete window stored");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright, chromium);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1100 } });
        var console = new List<string>();
        page.PageError += (_, error) => console.Add($"pageerror: {error}");
        try
        {
            await page.GotoAsync($"{baseUrl}/?venue=coinbase&product=BTC-USD&interval=1m");
            await page.WaitForFunctionAsync(
                "() => { const d = document.getElementById('dashboard').dataset; return d.state === 'ready' && d.mode === 'product' && d.bars === '3' && d.incompleteBars === '1'; }",
                null,
                new PageWaitForFunctionOptions { Timeout = 30_000 });

            // The table: the middle minute's row is flagged, with the reason as its title (hover); the others are not.
            var flagged = page.Locator("#rows tr.incomplete");
            Assert.Equal(1, await flagged.CountAsync());
            Assert.Equal($"Incomplete: {GapReason}", await flagged.GetAttributeAsync("title"));
            Assert.StartsWith("⚠ 2026-12-01 10:01", await flagged.Locator("td").First.TextContentAsync(), StringComparison.Ordinal);
            Assert.Equal(2, await page.Locator("#rows tr:not(.incomplete)").CountAsync());

            // The chart: the bar is marked, and hovering it shows the reason.
            var bars = await page.EvaluateAsync<System.Text.Json.JsonElement>("() => window.bvCompleteness.incomplete()");
            var bar = Assert.Single(bars.EnumerateArray().ToArray());
            Assert.Equal(VenueData.Start.AddMinutes(1).ToUnixTimeSeconds(), bar.GetProperty("time").GetInt64());
            Assert.Equal(GapReason, bar.GetProperty("reason").GetString());
            var box = (await page.Locator("#chart").BoundingBoxAsync())!;
            await page.Mouse.MoveAsync(box.X + (float)bar.GetProperty("x").GetDouble(), box.Y + (box.Height / 2));
            await page.WaitForSelectorAsync("#incomplete-tip:not([hidden])", new PageWaitForSelectorOptions { Timeout = 10_000 });
            Assert.Equal($"⚠ incomplete: {GapReason}", await page.TextContentAsync("#incomplete-tip"));
            await SaveScreenshotAsync(page, "dashboard-incomplete-bar");
        }
        catch
        {
            await SaveScreenshotAsync(page, "dashboard-incomplete-failure");
            output.WriteLine("Browser console:\n" + string.Join("\n", console));
            throw;
        }

        Assert.Empty(console);
    }
}
