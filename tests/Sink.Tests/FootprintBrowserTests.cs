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
/// The footprint view in a real browser (Debian's Chromium through Playwright): trades made here are turned into minute
/// bars (<c>volumes.1m</c>) and footprints (<c>footprint.1m</c>) on the development broker, the sink consumes both, and the
/// page must draw one column per bar with every level, one POC per bar and the imbalances /api/footprint flags, each cell
/// with the exact decimal texts.
/// </summary>
public sealed class FootprintBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Product = "FPT-USD";
    private static readonly DateTimeOffset T0 = new(2026, 8, 9, 21, 0, 0, TimeSpan.Zero);
    private KafkaTestCluster kafka = null!;

    public Task InitializeAsync()
    {
        kafka = KafkaTestCluster.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await kafka.DisposeAsync();

    [Fact]
    public async Task Footprint_view_draws_levels_poc_value_area_and_imbalances_of_the_stored_footprints()
    {
        if (BrowserPage.Chromium is not { } chromium)
        {
            Assert.False(BrowserPage.IsCi, "CI=true but Chromium is missing: tests/prerequisites.d/30-chromium.sh installs it (./test.sh sources it).");
            output.WriteLine("SKIPPED: no Chromium (/usr/bin/chromium or BV_TEST_CHROMIUM); source tests/prerequisites.d/30-chromium.sh.");
            return;
        }

        var random = new Random(17);
        var trades = Enumerable.Range(1, 400).Select(i => new Trade(
            Product, i, T0.AddSeconds(i * 1.5), 2_000m + random.Next(0, 120) + (random.Next(100) / 100m), random.Next(1, 5000) / 1000m,
            random.Next(3) == 0 ? TakerSide.Sell : TakerSide.Buy)).ToList();
        foreach (var window in trades.GroupBy(t => (WindowSpec.Default.StartOf(t.Time), t.Side)))
        {
            var w = window.ToList();
            var volume = new WindowVolume(Product, window.Key.Side, window.Key.Item1, w.Count, w.Sum(t => t.Size), w.Sum(t => t.Size * t.Price),
                w[0].Price, w.Max(t => t.Price), w.Min(t => t.Price), w[^1].Price, w[0].TradeId, w[^1].TradeId, (w.Count * 2) + 1, true);
            kafka.Produce(Topics.Volumes1m, volume.Key, volume, ContractSerializers.WindowSerializer);
        }

        var footprints = trades.GroupBy(t => WindowSpec.Default.StartOf(t.Time)).Select(g => new FootprintWindow(
            Venues.Coinbase, Product, g.Key, 10m, g.Count(),
            [.. g.GroupBy(t => Math.Floor(t.Price / 10m) * 10m).OrderBy(l => l.Key).Select(l => new FootprintLevel(
                l.Key, l.Where(t => t.Side == TakerSide.Buy).Sum(t => t.Size), l.Where(t => t.Side == TakerSide.Sell).Sum(t => t.Size),
                l.Count(t => t.Side == TakerSide.Buy), l.Count(t => t.Side == TakerSide.Sell)))],
            FootprintWindow.VersionOf(g.Count(), true), true)).ToList();
        foreach (var footprint in footprints)
        {
            kafka.Produce(Topics.Footprint1m, footprint.Key, footprint, ContractSerializers.FootprintSerializer);
        }

        kafka.Flush();
        await using var sink = new SinkApiFactory(new Dictionary<string, string>
        {
            ["Sink:ConsumerEnabled"] = "true",
            ["ConnectionStrings:kafka"] = kafka.BootstrapServers,
            ["Sink:GroupId"] = "sink-footprint-browser",
            ["Sink:Footprint:GroupId"] = "sink-footprint-browser-levels",
        });
        sink.UseKestrel(0);
        sink.StartServer();
        var baseUrl = sink.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()
            .Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        var query = $"/api/footprint?product={Product}&from=2026-08-09T21:00:00Z&to=2026-08-09T21:12:00Z";
        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonDocument api;
        while (true)
        {
            var response = await http.GetAsync(query);
            api = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            if ((response.IsSuccessStatusCode && api.RootElement.GetArrayLength() == footprints.Count) || DateTime.UtcNow > deadline)
            {
                break;
            }

            api.Dispose();
            await Task.Delay(250);
        }

        using (api)
        {
            Assert.Equal(footprints.Count, api.RootElement.GetArrayLength());
            var levels = footprints.Sum(f => f.Levels.Count);
            var imbalances = api.RootElement.EnumerateArray().SelectMany(b => b.GetProperty("levels").EnumerateArray())
                .Count(l => l.GetProperty("buyImbalance").GetBoolean() || l.GetProperty("sellImbalance").GetBoolean());
            output.WriteLine($"{footprints.Count} bars, {levels} levels, {imbalances} with an imbalance");
            Assert.True(imbalances > 0, "the data has imbalances to show");

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await BrowserPage.LaunchAsync(playwright, chromium);
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1400 } });
            var console = new List<string>();
            page.PageError += (_, error) => console.Add($"pageerror: {error}");
            try
            {
                await page.GotoAsync($"{baseUrl}/?product={Product}&interval=1m");
                await page.FillAsync("#fp-from", "2026-08-09T21:00:00Z");
                await page.FillAsync("#fp-to", "2026-08-09T21:12:00Z");
                await page.ClickAsync("#fp-apply");
                await page.WaitForFunctionAsync(
                    $"() => +document.getElementById('footprint-grid').dataset.bars === {footprints.Count}", null, new PageWaitForFunctionOptions { Timeout = 30_000 });
                var grid = page.Locator("#footprint-grid");
                Assert.Equal(levels.ToString(CultureInfo.InvariantCulture), await grid.GetAttributeAsync("data-levels"));
                Assert.Equal(footprints.Count.ToString(CultureInfo.InvariantCulture), await grid.GetAttributeAsync("data-poc"));
                Assert.Equal(imbalances.ToString(CultureInfo.InvariantCulture), await grid.GetAttributeAsync("data-imbalances"));
                Assert.Equal(footprints.Count, await page.Locator("#footprint-grid td.poc").CountAsync());
                Assert.True(await page.Locator("#footprint-grid td.va").CountAsync() >= footprints.Count);
                Assert.Equal(imbalances, await page.Locator("#footprint-grid td.fp:has(span.imb)").CountAsync());

                // The first bar's POC cell shows the exact sell × buy texts of its level.
                var first = api.RootElement[0];
                var poc = first.GetProperty("levels").EnumerateArray().Single(l => l.GetProperty("price").GetRawText() == first.GetProperty("poc").GetRawText());
                var text = await page.EvaluateAsync<string>(
                    "p => [...document.querySelectorAll('#footprint-grid tr')].find(r => r.firstChild.textContent === p).querySelector('td.poc').textContent",
                    first.GetProperty("poc").GetRawText());
                Assert.Equal($"{poc.GetProperty("sellBase").GetRawText()} × {poc.GetProperty("buyBase").GetRawText()}", text);
                await BrowserPage.SaveScreenshotAsync(page, "footprint-view", output);
            }
            catch
            {
                await BrowserPage.SaveScreenshotAsync(page, "footprint-view-failure", output);
                throw;
            }

            Assert.Empty(console);
        }
    }
}
