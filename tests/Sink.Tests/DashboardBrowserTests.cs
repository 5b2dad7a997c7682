using System.Globalization;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace BitcoinVolume.Sink.Tests;

/// <summary>
/// The dashboard in a real browser: Debian's Chromium (headless, driven by Microsoft.Playwright; no browser is ever
/// downloaded) opens the Sink served by Kestrel on a real port. The Sink consumes <c>volumes.1m</c> from the in-process
/// development broker. Product view: fed with the 1-minute windows of the recorded Coinbase file (computed here from its
/// matches, taker side = opposite of the maker side), the page must show buy and sell bars, then update by itself when new
/// trades arrive (new window versions through Kafka → database → SSE). Asset view: fed with BTC windows of three spot
/// venues, the page must open on "Bitcoin, all venues" (buy and sell stacked by venue, each venue's share, net), follow
/// live windows, and narrow to one venue's rows when a venue and product are chosen. Screenshots are saved under TestResults/.
/// </summary>
public sealed partial class DashboardBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Product = "SKL-USD";
    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"];

    private KafkaTestCluster kafka = null!;

    public Task InitializeAsync()
    {
        kafka = KafkaTestCluster.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await kafka.DisposeAsync();

    private static string? Chromium =>
        Environment.GetEnvironmentVariable("BV_TEST_CHROMIUM") is { Length: > 0 } configured ? configured
        : File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium" : null;

    [Fact]
    public async Task Page_shows_buy_and_sell_bars_from_the_recorded_file_and_updates_live_when_new_trades_arrive()
    {
        var chromium = Chromium;
        if (chromium is null)
        {
            Assert.False(PostgresServer.IsCi, "CI=true but Chromium is missing: tests/prerequisites.d/30-chromium.sh installs it (./test.sh sources it).");
            output.WriteLine("SKIPPED: no Chromium (/usr/bin/chromium or BV_TEST_CHROMIUM); source tests/prerequisites.d/30-chromium.sh.");
            return;
        }

        var windows = RecordedWindows(Path.Combine(AppContext.BaseDirectory, "data", "coinbase-exchange-matches-2021-04-17.ndjson"));
        var skl = windows.Where(w => w.Product == Product).ToList();
        Assert.Contains(skl, w => w.Side == TakerSide.Buy);
        Assert.Contains(skl, w => w.Side == TakerSide.Sell);
        Produce(windows);

        await using var sink = StartSink("sink-browser-test");
        var baseUrl = BaseUrl(sink);
        output.WriteLine($"Sink at {baseUrl}");

        // The recorded windows are in the database before the page opens (the page reads them, then follows live updates).
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        await WaitForAsync(async () => (await http.GetStringAsync("/api/products")).Contains(Product, StringComparison.Ordinal), "recorded windows stored");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright, chromium);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1100 } });
        var console = new List<string>();
        page.Console += (_, message) => console.Add($"{message.Type}: {message.Text}");
        page.PageError += (_, error) => console.Add($"pageerror: {error}");

        try
        {
            await page.GotoAsync($"{baseUrl}/?product={Product}&interval=1m");
            await page.WaitForFunctionAsync(
                "() => { const d = document.getElementById('dashboard').dataset; return d.state === 'ready' && +d.buyBars > 0 && +d.sellBars > 0; }",
                null,
                new PageWaitForFunctionOptions { Timeout = 30_000 });
            await page.WaitForSelectorAsync("#live.on", new PageWaitForSelectorOptions { Timeout = 15_000 });
            Assert.Equal(Product, await page.InputValueAsync("#product"));
            Assert.Equal("product", await page.GetAttributeAsync("#dashboard", "data-mode"));
            Assert.True(await page.Locator("#shares").IsHiddenAsync(), "the venue share table belongs to the asset view");
            var rowsBefore = await page.Locator("#rows tr").CountAsync();
            var buyBefore = await page.TextContentAsync("#t-buy");
            var expectedBuy = skl.Where(w => w.Side == TakerSide.Buy).Sum(w => w.BaseVolume);
            Assert.Equal(expectedBuy.ToString("#,0.############################", CultureInfo.InvariantCulture), buyBefore);
            Assert.True(await page.Locator("canvas").CountAsync() > 0, "the chart library drew its canvases");
            output.WriteLine($"Initial: {rowsBefore} bars, buy total {buyBefore}, sell total {await page.TextContentAsync("#t-sell")}");
            await SaveScreenshotAsync(page, "dashboard-initial");

            // The CVD line (cvd.js, anchor day by default): it holds the bars and ends at the day's Σ buy − sell of the file.
            await page.WaitForFunctionAsync(
                "() => +document.getElementById('cvd-chart').dataset.points > 0", null, new PageWaitForFunctionOptions { Timeout = 30_000 });
            var expectedCvd = skl.Sum(w => w.Side == TakerSide.Buy ? w.BaseVolume : -w.BaseVolume);
            Assert.Equal(JsonSerializer.Serialize(expectedCvd), await page.GetAttributeAsync("#cvd-chart", "data-last"));
            Assert.Equal(skl.Select(w => w.WindowStart).Distinct().Count(), int.Parse(await page.GetAttributeAsync("#cvd-chart", "data-points") ?? "0", CultureInfo.InvariantCulture));
            Assert.True(await page.Locator("#cvd-chart canvas").CountAsync() > 0, "the CVD line was drawn");

            // New trades: a correction of the last recorded minute and a new minute, both sides.
            var last = skl.Max(w => w.WindowStart);
            WindowVolume[] fresh =
            [
                Bump(skl.Single(w => w.WindowStart == last && w.Side == TakerSide.Buy)),
                new(Product, TakerSide.Buy, last.AddMinutes(1), 3, 1500m, 1500m * 0.5123m, 0.5120m, 0.5130m, 0.5110m, 0.5125m, 9_000_001, 9_000_003, 1, false),
                new(Product, TakerSide.Sell, last.AddMinutes(1), 2, 987.654321m, 987.654321m * 0.5101m, 0.5101m, 0.5101m, 0.5101m, 0.5101m, 9_000_004, 9_000_005, 1, false),
            ];
            Produce(fresh);

            await page.WaitForFunctionAsync(
                "([rows, buy]) => { const d = document.getElementById('dashboard').dataset; return +d.updates > 0 && +d.bars > rows && document.getElementById('t-buy').textContent !== buy; }",
                new object[] { rowsBefore, buyBefore! },
                new PageWaitForFunctionOptions { Timeout = 30_000 });
            var buyAfter = await page.TextContentAsync("#t-buy");
            var expectedAfter = expectedBuy + 1500m + (fresh[0].BaseVolume - skl.Single(w => w.WindowStart == last && w.Side == TakerSide.Buy).BaseVolume);
            await page.WaitForFunctionAsync(
                "expected => document.getElementById('t-buy').textContent === expected",
                expectedAfter.ToString("#,0.############################", CultureInfo.InvariantCulture),
                new PageWaitForFunctionOptions { Timeout = 15_000 });
            var newest = await page.Locator("#rows tr").First.Locator("td").AllTextContentsAsync();
            Assert.Equal(last.AddMinutes(1).UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), newest[0]);
            Assert.Equal("1,500", newest[1]);
            Assert.Equal("987.654321", newest[2]);
            output.WriteLine($"After live update: buy total {buyAfter}; newest bar {string.Join(" | ", newest)}");
            await SaveScreenshotAsync(page, "dashboard-updated");
        }
        catch
        {
            await SaveScreenshotAsync(page, "dashboard-failure");
            output.WriteLine("Browser console:\n" + string.Join("\n", console));
            throw;
        }

        Assert.DoesNotContain(console, line => line.StartsWith("pageerror", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Page_opens_on_bitcoin_all_venues_with_buy_and_sell_stacked_by_venue_and_shares_and_a_venue_and_product_narrow_it()
    {
        var chromium = Chromium;
        if (chromium is null)
        {
            Assert.False(PostgresServer.IsCi, "CI=true but Chromium is missing: tests/prerequisites.d/30-chromium.sh installs it (./test.sh sources it).");
            output.WriteLine("SKIPPED: no Chromium (/usr/bin/chromium or BV_TEST_CHROMIUM); source tests/prerequisites.d/30-chromium.sh.");
            return;
        }

        // BTC-USD on coinbase and kraken, BTC-USDT on binance (spot); a derivative (bybit-linear) and another asset (ETH)
        // that the default view leaves out.
        var data = new VenueData();
        data.Add(Venues.Coinbase, "BTC-USD", TakerSide.Buy, 0, 3, 1.25m, 60000.5m);
        data.Add(Venues.Coinbase, "BTC-USD", TakerSide.Sell, 0, 2, 0.5m, 60000m);
        data.Add(Venues.Coinbase, "BTC-USD", TakerSide.Buy, 1, 1, 0.01234567m, 60010m);
        data.Add(Venues.Coinbase, "BTC-USD", TakerSide.Sell, 2, 4, 2.1m, 59990m);
        data.Add(Venues.Coinbase, "BTC-USD", TakerSide.Buy, 3, 2, 0.75m, 60020m);
        data.Add(Venues.Coinbase, "BTC-USD", TakerSide.Sell, 3, 1, 0.3m, 60020m);
        data.Add(Venues.Kraken, "BTC-USD", TakerSide.Buy, 0, 2, 0.4m, 60001m);
        data.Add(Venues.Kraken, "BTC-USD", TakerSide.Sell, 1, 3, 1.111m, 60005m);
        data.Add(Venues.Kraken, "BTC-USD", TakerSide.Buy, 2, 5, 0.9m, 59995m);
        data.Add(Venues.Kraken, "BTC-USD", TakerSide.Sell, 3, 1, 0.05m, 60025m);
        data.Add(Venues.Binance, "BTC-USDT", TakerSide.Sell, 0, 6, 3.3m, 60003m);
        data.Add(Venues.Binance, "BTC-USDT", TakerSide.Buy, 1, 4, 2.5m, 60012m);
        data.Add(Venues.Binance, "BTC-USDT", TakerSide.Sell, 1, 2, 0.2m, 60011m);
        data.Add(Venues.Binance, "BTC-USDT", TakerSide.Buy, 2, 3, 1.75m, 59992m);
        data.Add(Venues.Binance, "BTC-USDT", TakerSide.Buy, 3, 1, 0.123m, 60030m);
        data.Add(Venues.BybitLinear, "BTC-USDT", TakerSide.Buy, 1, 10, 50m, 60015m);
        data.Add(Venues.Coinbase, "ETH-USD", TakerSide.Buy, 1, 5, 20m, 3000m);
        Produce(data.Windows);

        await using var sink = StartSink("sink-browser-venues-test");
        var baseUrl = BaseUrl(sink);
        output.WriteLine($"Sink at {baseUrl}");
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        await WaitForAsync(async () => await StoredTradesAsync(http) == data.Windows.Sum(w => w.Trades), "all windows stored");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright, chromium);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1300 } });
        var console = new List<string>();
        page.Console += (_, message) => console.Add($"{message.Type}: {message.Text}");
        page.PageError += (_, error) => console.Add($"pageerror: {error}");

        try
        {
            // Default view: no parameters → Bitcoin across the spot venues.
            await page.GotoAsync(baseUrl + "/");
            await page.WaitForFunctionAsync(
                "() => { const d = document.getElementById('dashboard').dataset; return d.state === 'ready' && d.mode === 'asset' && +d.bars === 4; }",
                null,
                new PageWaitForFunctionOptions { Timeout = 30_000 });
            await page.WaitForSelectorAsync("#live.on", new PageWaitForSelectorOptions { Timeout = 15_000 });
            Assert.Equal("spot", await page.InputValueAsync("#venue"));
            Assert.Equal("asset:BTC", await page.InputValueAsync("#product"));
            Assert.Equal("Bitcoin, all venues (spot)", await page.TextContentAsync("#title-sub"));
            var venueOptions = await page.Locator("#venue option").EvaluateAllAsync<string[]>("os => os.map(o => o.value)");
            string[] expectedVenues = ["spot", "all", .. Venues.All.Select(v => v.Id)];
            Assert.Equal(expectedVenues, venueOptions);

            var spot = data.Spot("BTC");
            await AssertAssetViewAsync(page, spot);
            await SaveScreenshotAsync(page, "dashboard-venues");

            // Live in the asset view: a correction of a coinbase window, a new kraken minute and a venue's first window
            // (bitstamp: the stacks grow by one venue).
            var correction = data.Replace(Venues.Coinbase, "BTC-USD", TakerSide.Buy, 0, 4, 1.5m, 60000.5m);
            WindowVolume[] fresh =
            [
                correction,
                data.Add(Venues.Kraken, "BTC-USD", TakerSide.Buy, 4, 2, 0.6m, 60100m),
                data.Add(Venues.Bitstamp, "BTC-USD", TakerSide.Sell, 4, 1, 0.25m, 60090m),
            ];
            Produce(fresh);
            spot = data.Spot("BTC");
            await page.WaitForFunctionAsync(
                "total => { const d = document.getElementById('dashboard').dataset; return +d.updates > 0 && +d.bars === 5 && d.stackVenues === 'binance,bitstamp,coinbase,kraken' && document.querySelector('#share-total td:nth-child(3)').textContent === total; }",
                Text(spot.Sum(w => w.BaseVolume)),
                new PageWaitForFunctionOptions { Timeout = 30_000 });
            await AssertAssetViewAsync(page, spot);
            await SaveScreenshotAsync(page, "dashboard-venues-updated");

            // All venues + derivatives: bybit-linear's window joins the stacks and the shares.
            var loads = int.Parse((await page.GetAttributeAsync("#dashboard", "data-loads"))!, CultureInfo.InvariantCulture);
            await page.SelectOptionAsync("#venue", "all");
            await page.WaitForFunctionAsync(
                "loads => { const d = document.getElementById('dashboard').dataset; return d.state === 'ready' && d.venue === 'all' && +d.loads > loads; }",
                loads,
                new PageWaitForFunctionOptions { Timeout = 30_000 });
            Assert.Equal("asset:BTC", await page.InputValueAsync("#product"));
            await AssertAssetViewAsync(page, [.. data.Windows.Where(w => w.Product.StartsWith("BTC-", StringComparison.Ordinal))]);

            // Narrow: venue kraken, then its product BTC-USD → kraken's rows only (the product view).
            loads = int.Parse((await page.GetAttributeAsync("#dashboard", "data-loads"))!, CultureInfo.InvariantCulture);
            await page.SelectOptionAsync("#venue", Venues.Kraken);
            await page.WaitForFunctionAsync(
                "loads => { const d = document.getElementById('dashboard').dataset; return d.state === 'ready' && d.venue === 'kraken' && +d.loads > loads; }",
                loads,
                new PageWaitForFunctionOptions { Timeout = 30_000 });
            string[] krakenProducts = ["asset:BTC", "BTC-USD"];
            Assert.Equal(krakenProducts, await page.Locator("#product option").EvaluateAllAsync<string[]>("os => os.map(o => o.value)"));
            Assert.Equal("kraken", await page.GetAttributeAsync("#dashboard", "data-stack-venues"));
            await page.SelectOptionAsync("#product", "BTC-USD");
            await page.WaitForFunctionAsync(
                "() => { const d = document.getElementById('dashboard').dataset; return d.state === 'ready' && d.mode === 'product' && d.venue === 'kraken' && d.subject === 'BTC-USD' && +d.bars > 0; }",
                null,
                new PageWaitForFunctionOptions { Timeout = 30_000 });
            var kraken = data.Windows.Where(w => w.Venue == Venues.Kraken && w.Product == "BTC-USD").ToList();
            await AssertProductViewAsync(page, kraken);
            Assert.True(await page.Locator("#shares").IsHiddenAsync(), "no venue shares in the product view");
            Assert.Equal(0, await page.EvaluateAsync<int>("() => window.bvDashboard.stacks().length"));
            Assert.Contains("venue=kraken", page.Url, StringComparison.Ordinal);
            Assert.Contains("product=BTC-USD", page.Url, StringComparison.Ordinal);

            // Live in the product view: kraken's new window shows; coinbase's (same product, other venue) does not.
            await page.WaitForSelectorAsync("#live.on", new PageWaitForSelectorOptions { Timeout = 15_000 });
            WindowVolume[] more =
            [
                data.Add(Venues.Coinbase, "BTC-USD", TakerSide.Buy, 4, 7, 9.9m, 60100m),
                data.Add(Venues.Kraken, "BTC-USD", TakerSide.Sell, 4, 1, 0.07m, 60095m),
            ];
            Produce(more);
            await WaitForAsync(async () => await StoredTradesAsync(http) == data.Windows.Sum(w => w.Trades), "live windows stored");
            kraken = [.. data.Windows.Where(w => w.Venue == Venues.Kraken && w.Product == "BTC-USD")];
            await page.WaitForFunctionAsync(
                "sell => document.getElementById('t-sell').textContent === sell",
                Text(kraken.Where(w => w.Side == TakerSide.Sell).Sum(w => w.BaseVolume)),
                new PageWaitForFunctionOptions { Timeout = 30_000 });
            await AssertProductViewAsync(page, kraken);
            await SaveScreenshotAsync(page, "dashboard-venue-product");
        }
        catch
        {
            await SaveScreenshotAsync(page, "dashboard-venues-failure");
            output.WriteLine("Browser console:\n" + string.Join("\n", console));
            throw;
        }

        Assert.DoesNotContain(console, line => line.StartsWith("pageerror", StringComparison.Ordinal));
    }

    [Fact]
    public async Task All_venues_view_shows_the_latest_bars_that_fit_when_the_range_is_over_the_row_limit()
    {
        var chromium = Chromium;
        if (chromium is null)
        {
            Assert.False(PostgresServer.IsCi, "CI=true but Chromium is missing: tests/prerequisites.d/30-chromium.sh installs it (./test.sh sources it).");
            output.WriteLine("SKIPPED: no Chromium (/usr/bin/chromium or BV_TEST_CHROMIUM); source tests/prerequisites.d/30-chromium.sh.");
            return;
        }

        // 10 minutes on two venues: the 150-bar range would read 10 × 2 sides × 2 streams = 40 stored rows, over
        // Sink:MaxMinuteRows = 20 (one product alone would fit): the page shows the latest 5 bars that fit.
        var data = new VenueData();
        for (var minute = 0; minute < 10; minute++)
        {
            data.Add(Venues.Coinbase, "BTC-USD", TakerSide.Buy, minute, 1 + minute, 0.1m + (0.01m * minute), 60000m + minute);
            data.Add(Venues.Kraken, "BTC-USD", TakerSide.Sell, minute, 2, 0.2m + (0.003m * minute), 60001m + minute);
        }

        Produce(data.Windows);
        await using var sink = StartSink("sink-browser-limit-test", ("Sink:MaxMinuteRows", "20"));
        var baseUrl = BaseUrl(sink);
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        await WaitForAsync(
            async () =>
            {
                long trades = 0;
                foreach (var venue in new[] { Venues.Coinbase, Venues.Kraken })
                {
                    using var response = await http.GetAsync(
                        $"/api/volumes?product=BTC-USD&venue={venue}&interval=1m&from={VenueData.Start:yyyy-MM-ddTHH:mmZ}&to={VenueData.Start.AddMinutes(10):yyyy-MM-ddTHH:mmZ}");
                    if (!response.IsSuccessStatusCode)
                    {
                        return false;
                    }

                    using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    trades += json.RootElement.EnumerateArray().Sum(r => r.GetProperty("trades").GetInt64());
                }

                return trades == data.Windows.Sum(w => w.Trades);
            },
            "all windows stored");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright, chromium);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1100 } });
        var console = new List<string>();
        page.PageError += (_, error) => console.Add($"pageerror: {error}");
        try
        {
            await page.GotoAsync(baseUrl + "/");
            await page.WaitForFunctionAsync(
                "() => { const d = document.getElementById('dashboard').dataset; return d.state === 'ready' && d.mode === 'asset'; }",
                null,
                new PageWaitForFunctionOptions { Timeout = 30_000 });
            Assert.Equal("5", await page.GetAttributeAsync("#dashboard", "data-bars"));
            Assert.Contains("the latest 5 bars", await page.TextContentAsync("#status"), StringComparison.Ordinal);
            await AssertAssetViewAsync(page, [.. data.Windows.Where(w => w.WindowStart >= VenueData.Start.AddMinutes(5))]);
        }
        catch
        {
            await SaveScreenshotAsync(page, "dashboard-limit-failure");
            throw;
        }

        Assert.Empty(console);
    }

    /// <summary>The asset view shows <paramref name="windows"/> (every spot window of the asset; all bars in view).</summary>
    private static async Task AssertAssetViewAsync(IPage page, IReadOnlyList<WindowVolume> windows)
    {
        var venues = windows.Select(w => w.Venue).Distinct().Order(StringComparer.Ordinal).ToArray();
        var total = windows.Sum(w => w.BaseVolume);
        Assert.Equal(Text(windows.Where(w => w.Side == TakerSide.Buy).Sum(w => w.BaseVolume)), await page.TextContentAsync("#t-buy"));
        Assert.Equal(Text(windows.Where(w => w.Side == TakerSide.Sell).Sum(w => w.BaseVolume)), await page.TextContentAsync("#t-sell"));
        Assert.Equal(windows.Sum(w => w.Trades).ToString("#,0", CultureInfo.InvariantCulture), await page.TextContentAsync("#t-trades"));

        // Share table: one row per venue (ordinal), trades, base volume, share of the total base volume, buy, sell, net.
        Assert.True(await page.Locator("#shares").IsVisibleAsync(), "the share table is shown in the asset view");
        var rows = page.Locator("#share-rows tr");
        Assert.Equal(venues, await rows.EvaluateAllAsync<string[]>("trs => trs.map(tr => tr.dataset.venue)"));
        for (var i = 0; i < venues.Length; i++)
        {
            var mine = windows.Where(w => w.Venue == venues[i]).ToList();
            var buy = mine.Where(w => w.Side == TakerSide.Buy).Sum(w => w.BaseVolume);
            var sell = mine.Where(w => w.Side == TakerSide.Sell).Sum(w => w.BaseVolume);
            var share = Math.Round(100m * (buy + sell) / total, 2, MidpointRounding.AwayFromZero).ToString("0.00", CultureInfo.InvariantCulture) + " %";
            string[] expected =
                [venues[i], mine.Sum(w => w.Trades).ToString("#,0", CultureInfo.InvariantCulture), Text(buy + sell), share, Text(buy), Text(sell), Text(buy - sell)];
            Assert.Equal(expected, await rows.Nth(i).Locator("td").AllTextContentsAsync());
        }

        var totals = await page.Locator("#share-total td").AllTextContentsAsync();
        string[] expectedTotals = ["all venues", windows.Sum(w => w.Trades).ToString("#,0", CultureInfo.InvariantCulture), Text(total), "100.00 %"];
        Assert.Equal(expectedTotals, totals.Take(4));

        // Legend: one entry per venue. Chart: one buy and one sell histogram per venue, stacked in venue order (each
        // series is the running sum up to its venue: buy above zero, sell below), one colour per venue.
        Assert.Equal(venues, await page.Locator("#legend [data-venue]").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.venue)"));
        var stacks = await page.EvaluateAsync<JsonElement>("() => window.bvDashboard.stacks()");
        var series = stacks.EnumerateArray().Select(s => new
        {
            Venue = s.GetProperty("venue").GetString()!,
            Side = s.GetProperty("side").GetString()!,
            Color = s.GetProperty("color").GetString()!,
            Data = s.GetProperty("data").EnumerateArray().ToDictionary(p => p.GetProperty("time").GetInt64(), p => p.GetProperty("value").GetDouble()),
        }).ToList();
        Assert.Equal(venues.Length * 2, series.Count);
        Assert.Equal(venues.Select(v => (v, "buy")).Concat(venues.Select(v => (v, "sell"))), series.Select(s => (s.Venue, s.Side)));
        Assert.Equal(venues.Length, series.Select(s => s.Color).Distinct().Count());
        foreach (var bar in windows.Select(w => w.WindowStart).Distinct())
        {
            foreach (var side in new[] { TakerSide.Buy, TakerSide.Sell })
            {
                var running = 0m;
                foreach (var venue in venues)
                {
                    running += windows.Where(w => w.WindowStart == bar && w.Venue == venue && w.Side == side).Sum(w => w.BaseVolume);
                    var s = series.Single(x => x.Venue == venue && x.Side == (side == TakerSide.Buy ? "buy" : "sell"));
                    var expected = (double)(side == TakerSide.Buy ? running : -running);
                    Assert.True(
                        Math.Abs(s.Data[bar.ToUnixTimeSeconds()] - expected) < 1e-9,
                        $"{venue} {side} at {bar:HH:mm}: stacked {s.Data[bar.ToUnixTimeSeconds()]}, expected {expected}");
                }
            }
        }

        var net = (await page.EvaluateAsync<JsonElement>("() => window.bvDashboard.net()")).EnumerateArray()
            .ToDictionary(p => p.GetProperty("time").GetInt64(), p => p.GetProperty("value").GetDouble());
        foreach (var bar in windows.GroupBy(w => w.WindowStart))
        {
            var expected = (double)bar.Sum(w => w.Side == TakerSide.Buy ? w.BaseVolume : -w.BaseVolume);
            Assert.True(Math.Abs(net[bar.Key.ToUnixTimeSeconds()] - expected) < 1e-9, $"net at {bar.Key:HH:mm}: {net[bar.Key.ToUnixTimeSeconds()]}, expected {expected}");
        }
    }

    /// <summary>The product view shows exactly <paramref name="windows"/> (one venue's windows of one product).</summary>
    private static async Task AssertProductViewAsync(IPage page, IReadOnlyList<WindowVolume> windows)
    {
        var buy = windows.Where(w => w.Side == TakerSide.Buy).Sum(w => w.BaseVolume);
        var sell = windows.Where(w => w.Side == TakerSide.Sell).Sum(w => w.BaseVolume);
        Assert.Equal(Text(buy), await page.TextContentAsync("#t-buy"));
        Assert.Equal(Text(sell), await page.TextContentAsync("#t-sell"));
        Assert.Equal(Text(buy - sell), await page.TextContentAsync("#t-net"));
        Assert.Equal(Text(windows.Sum(w => w.QuoteVolume)), await page.TextContentAsync("#t-quote"));
        var bars = windows.GroupBy(w => w.WindowStart).OrderByDescending(g => g.Key).ToList();
        var rows = page.Locator("#rows tr");
        Assert.Equal(bars.Count, await rows.CountAsync());
        for (var i = 0; i < bars.Count; i++)
        {
            var cells = await rows.Nth(i).Locator("td").AllTextContentsAsync();
            Assert.Equal(bars[i].Key.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), cells[0]);
            Assert.Equal(Text(bars[i].Where(w => w.Side == TakerSide.Buy).Sum(w => w.BaseVolume)), cells[1]);
            Assert.Equal(Text(bars[i].Where(w => w.Side == TakerSide.Sell).Sum(w => w.BaseVolume)), cells[2]);
            Assert.Equal(bars[i].Sum(w => w.Trades).ToString(CultureInfo.InvariantCulture), cells[6]);
        }
    }

    private static string Text(decimal value) => value.ToString("#,0.############################", CultureInfo.InvariantCulture);

    /// <summary>Trades stored for every asset on every venue (BTC and ETH) from 10:00 to 10:10 of <see cref="VenueData.Start"/>.</summary>
    private static async Task<long> StoredTradesAsync(HttpClient http)
    {
        long trades = 0;
        foreach (var asset in new[] { "BTC", "ETH" })
        {
            using var response = await http.GetAsync(
                $"/api/volumes?asset={asset}&venue=all&interval=1m&from={VenueData.Start:yyyy-MM-ddTHH:mmZ}&to={VenueData.Start.AddMinutes(10):yyyy-MM-ddTHH:mmZ}");
            if (!response.IsSuccessStatusCode)
            {
                return -1; // not stored yet (400: no such asset)
            }

            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            trades += json.RootElement.EnumerateArray().Sum(r => r.GetProperty("trades").GetInt64());
        }

        return trades;
    }

    /// <summary>Windows of several venues from <see cref="Start"/> on (minute offsets), one per (venue, product, side, minute).</summary>
    private sealed class VenueData
    {
        public static readonly DateTimeOffset Start = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

        private long nextTradeId = 1_000;

        public List<WindowVolume> Windows { get; } = [];

        public WindowVolume Add(string venue, string product, TakerSide side, int minute, long trades, decimal baseVolume, decimal price)
        {
            var w = new WindowVolume(
                product, side, Start.AddMinutes(minute), trades, baseVolume, baseVolume * price, price, price, price, price,
                nextTradeId, nextTradeId + trades - 1, 1, true)
            { Venue = venue };
            nextTradeId += trades;
            Windows.Add(w);
            return w;
        }

        /// <summary>A new version of a window (more trades).</summary>
        public WindowVolume Replace(string venue, string product, TakerSide side, int minute, long trades, decimal baseVolume, decimal price)
        {
            var old = Windows.Single(w => w.Venue == venue && w.Product == product && w.Side == side && w.WindowStart == Start.AddMinutes(minute));
            Windows.Remove(old);
            var w = old with
            {
                Trades = trades,
                BaseVolume = baseVolume,
                QuoteVolume = baseVolume * price,
                LastTradeId = old.FirstTradeId + trades - 1,
                Version = old.Version + 1,
            };
            Windows.Add(w);
            return w;
        }

        /// <summary>The windows of <paramref name="asset"/> on spot venues.</summary>
        public List<WindowVolume> Spot(string asset) =>
            [.. Windows.Where(w => w.Product.StartsWith(asset + "-", StringComparison.Ordinal) && Venues.Find(w.Venue)?.IsSpot == true)];
    }

    private SinkApiFactory StartSink(string groupId, params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string>
        {
            ["Sink:ConsumerEnabled"] = "true",
            ["ConnectionStrings:kafka"] = kafka.BootstrapServers,
            ["Sink:GroupId"] = groupId,
            ["Sink:BatchMaxWaitMs"] = "20",
            ["Sink:Kafka:group.protocol"] = "consumer",
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        var sink = new SinkApiFactory(settings);
        sink.UseKestrel(0);
        sink.StartServer();
        return sink;
    }

    private static string BaseUrl(SinkApiFactory sink) =>
        sink.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal);

    private static Task<IBrowser> LaunchAsync(IPlaywright playwright, string chromium) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = chromium, Headless = true, Args = ChromiumArgs });

    private static WindowVolume Bump(WindowVolume w) =>
        w with
        {
            Trades = w.Trades + 1,
            BaseVolume = w.BaseVolume + 250m,
            QuoteVolume = w.QuoteVolume + (250m * w.Close),
            LastTradeId = w.LastTradeId + 1,
            Version = w.Version + 1,

            // The extra trade (250 at the close) in its size class, so the classes still add up to the window.
            SizeClasses = w.SizeClasses?.Select(c => c.Min <= 250m * w.Close && (c.Max is null || 250m * w.Close < c.Max) ? c with { Trades = c.Trades + 1, BaseVolume = c.BaseVolume + 250m } : c).ToArray(),
        };

    private void Produce(IEnumerable<WindowVolume> windows)
    {
        foreach (var w in windows)
        {
            kafka.Produce(Topics.Volumes1m, w.Key, w, ContractSerializers.WindowSerializer);
        }

        kafka.Flush(TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// The 1-minute windows of a recorded ws-feed file (its distinct trades, taker side = opposite of Coinbase's (maker)
    /// side, through the one oracle), as final version-1 records of <c>volumes.1m</c>.
    /// </summary>
    private static List<WindowVolume> RecordedWindows(string file) =>
        [.. WindowOracle.Compute(RecordedFrames.Trades(file)).Values.Select(w => w.ToWindowVolume(version: 1, final: true))];

    private async Task SaveScreenshotAsync(IPage page, string name)
    {
        var folder = Path.Combine(ProjectFolder(), "TestResults");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{name}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        output.WriteLine($"Screenshot: {path}");
        Console.WriteLine($"Screenshot: {path}");
    }

    /// <summary>tests/Sink.Tests when run from its build output, else the output folder.</summary>
    private static string ProjectFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sink.Tests.csproj")))
            {
                return dir.FullName;
            }
        }

        return AppContext.BaseDirectory;
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for: {what}");
            await Task.Delay(100);
        }
    }
}
