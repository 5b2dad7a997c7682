using System.Globalization;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;
using Microsoft.Playwright;

namespace BitcoinVolume.Sink.Tests;

/// <summary>
/// The "whales vs retail" view (issue 17, sizeclasses.js) in a real browser: fed with the recorded Coinbase file's windows
/// (with their size classes), it shows per class the buy and sell trades and base volume of the shown range, exactly as
/// an oracle computes them from the file's trades, and draws a buy and a sell bar per class.
/// </summary>
public sealed partial class DashboardBrowserTests
{
    [Fact]
    public async Task Whales_vs_retail_shows_buy_and_sell_per_size_class_of_the_range_equal_to_the_trades()
    {
        var chromium = BrowserPage.Chromium;
        if (chromium is null)
        {
            Assert.False(BrowserPage.IsCi, "CI=true but Chromium is missing: tests/prerequisites.d/30-chromium.sh installs it (./test.sh sources it).");
            output.WriteLine("SKIPPED: no Chromium (/usr/bin/chromium or BV_TEST_CHROMIUM); source tests/prerequisites.d/30-chromium.sh.");
            return;
        }

        var file = Path.Combine(AppContext.BaseDirectory, "data", "coinbase-exchange-matches-2021-04-17.ndjson");
        var trades = RecordedFrames.Trades(file).Where(t => t.Product == Product).ToList();
        var windows = RecordedWindows(file);
        Produce(windows);
        await using var sink = StartSink("sink-browser-sizeclass-test");
        var baseUrl = BaseUrl(sink);
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        await WaitForAsync(async () => (await http.GetStringAsync("/api/products")).Contains(Product, StringComparison.Ordinal), "recorded windows stored");

        // The oracle: the file's SKL-USD trades by notional class (default USD boundaries), both sides, over the whole file.
        var bounds = SizeClassOracle.DefaultBoundariesOf("USD")!;
        var buy = SizeClassOracle.Classes(trades.Where(t => t.Side == TakerSide.Buy), bounds)!;
        var sell = SizeClassOracle.Classes(trades.Where(t => t.Side == TakerSide.Sell), bounds)!;
        Assert.True(buy.Count(c => c.Trades > 0) + sell.Count(c => c.Trades > 0) >= 2, "the file has trades in more than one class");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserPage.LaunchAsync(playwright, chromium);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1400 } });
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add($"pageerror: {error}");
        try
        {
            await page.GotoAsync($"{baseUrl}/?product={Product}&interval=1m");
            await page.WaitForFunctionAsync(
                "() => +document.getElementById('sizeclasses').dataset.classes > 0", null, new PageWaitForFunctionOptions { Timeout = 30_000 });

            var minutes = windows.Where(w => w.Product == Product).Select(w => w.WindowStart).Distinct().Count();
            Assert.Equal(minutes.ToString(CultureInfo.InvariantCulture), await page.GetAttributeAsync("#sizeclasses", "data-bars"));
            var shown = JsonDocument.Parse(await page.EvaluateAsync<string>("() => JSON.stringify(window.bvSizeClasses.tables())")).RootElement;
            var table = Assert.Single(shown.EnumerateArray());
            Assert.Equal("USD", table.GetProperty("quote").GetString());
            var classes = table.GetProperty("classes").EnumerateArray().ToArray();
            Assert.Equal(buy.Length, classes.Length);
            for (var i = 0; i < buy.Length; i++)
            {
                // Exact texts: the page adds decimals exactly; compared by value (the page prints without trailing zeros).
                var c = classes[i];
                Assert.Equal(buy[i].Min, decimal.Parse(c.GetProperty("min").GetString()!, CultureInfo.InvariantCulture));
                Assert.Equal(buy[i].Max, c.GetProperty("max").ValueKind == JsonValueKind.Null ? null : decimal.Parse(c.GetProperty("max").GetString()!, CultureInfo.InvariantCulture));
                Assert.Equal(buy[i].Trades.ToString(CultureInfo.InvariantCulture), c.GetProperty("buyTrades").GetString());
                Assert.Equal(buy[i].BaseVolume, decimal.Parse(c.GetProperty("buyBase").GetString()!, CultureInfo.InvariantCulture));
                Assert.Equal(sell[i].Trades.ToString(CultureInfo.InvariantCulture), c.GetProperty("sellTrades").GetString());
                Assert.Equal(sell[i].BaseVolume, decimal.Parse(c.GetProperty("sellBase").GetString()!, CultureInfo.InvariantCulture));
            }

            // Drawn: one row per class with the labels, the grouped exact volumes, and a buy and a sell bar.
            var rows = page.Locator("#sizeclasses table[data-quote='USD'] tbody tr");
            Assert.Equal(buy.Length, await rows.CountAsync());
            var first = await rows.First.Locator("td").AllTextContentsAsync();
            Assert.Equal("0 – 1k USD", first[0]);
            Assert.Equal(buy[0].BaseVolume.ToString("#,0.############################", CultureInfo.InvariantCulture), first[2]);
            Assert.Equal(sell[0].BaseVolume.ToString("#,0.############################", CultureInfo.InvariantCulture), first[4]);
            Assert.Equal("≥ 1M USD", (await rows.Last.Locator("td").AllTextContentsAsync())[0]);
            Assert.Equal(buy.Length, await page.Locator("#sizeclasses .bar.buy").CountAsync());
            var widest = await page.EvaluateAsync<double>("() => Math.max(...[...document.querySelectorAll('#sizeclasses .bar')].map(b => b.getBoundingClientRect().width))");
            Assert.True(widest > 10, $"the largest class is drawn ({widest}px)");
            Assert.Empty(errors);
            await SaveScreenshotAsync(page, "dashboard-sizeclasses");
        }
        catch
        {
            await SaveScreenshotAsync(page, "dashboard-sizeclasses-failure");
            output.WriteLine(string.Join('\n', errors));
            throw;
        }
    }
}
