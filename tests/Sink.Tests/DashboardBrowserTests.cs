using System.Globalization;
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
/// development broker, fed with the 1-minute windows of the recorded Coinbase file (computed here from its matches,
/// taker side = opposite of the maker side). The page must show buy and sell bars, then update by itself when new trades
/// arrive (new window versions through Kafka → database → SSE). Screenshots are saved under TestResults/.
/// </summary>
public sealed class DashboardBrowserTests(ITestOutputHelper output) : IAsyncLifetime
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

        await using var sink = new SinkApiFactory(new Dictionary<string, string>
        {
            ["Sink:ConsumerEnabled"] = "true",
            ["ConnectionStrings:kafka"] = kafka.BootstrapServers,
            ["Sink:GroupId"] = "sink-browser-test",
            ["Sink:BatchMaxWaitMs"] = "20",
            ["Sink:Kafka:group.protocol"] = "consumer",
        });
        sink.UseKestrel(0);
        sink.StartServer();
        var baseUrl = sink.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal);
        output.WriteLine($"Sink at {baseUrl}");

        // The recorded windows are in the database before the page opens (the page reads them, then follows live updates).
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        await WaitForAsync(async () => (await http.GetStringAsync("/api/products")).Contains(Product, StringComparison.Ordinal), "recorded windows stored");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ChromiumArgs,
        });
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
            var rowsBefore = await page.Locator("#rows tr").CountAsync();
            var buyBefore = await page.TextContentAsync("#t-buy");
            var expectedBuy = skl.Where(w => w.Side == TakerSide.Buy).Sum(w => w.BaseVolume);
            Assert.Equal(expectedBuy.ToString("#,0.############################", CultureInfo.InvariantCulture), buyBefore);
            Assert.True(await page.Locator("canvas").CountAsync() > 0, "the chart library drew its canvases");
            output.WriteLine($"Initial: {rowsBefore} bars, buy total {buyBefore}, sell total {await page.TextContentAsync("#t-sell")}");
            await SaveScreenshotAsync(page, "dashboard-initial");

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

    private static WindowVolume Bump(WindowVolume w) =>
        w with { Trades = w.Trades + 1, BaseVolume = w.BaseVolume + 250m, QuoteVolume = w.QuoteVolume + (250m * w.Close), LastTradeId = w.LastTradeId + 1, Version = w.Version + 1 };

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
