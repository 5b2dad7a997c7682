using System.Diagnostics;
using System.Text.Json;
using Aspire.Hosting.Testing;
using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace BitcoinVolume.EndToEnd.Tests;

/// <summary>
/// The whole system through the AppHost (issue 15) on a machine without network: every venue enabled by default points
/// at an endpoint that cannot be reached (host names under <c>.invalid</c>, or 127.0.0.1 on a closed port). Within 30 s of
/// the sink's API being up, <c>/api/status</c> names each enabled venue as reconnecting with reason connect_failed, and the
/// page's status strip says so, instead of an empty chart with no word of why.
/// </summary>
public class OfflineStatusTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Without_network_the_status_api_and_the_page_name_each_unreachable_venue_and_why_within_30_s_of_the_api_being_up()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        var folder = Directory.CreateTempSubdirectory("bv-offline-e2e-").FullName;
        var closed = TestPorts.FreeTcpPort();
        var enabled = Venues.All.Where(v => v.EnabledByDefault).Select(v => v.Id).ToList();

        // Launched first, so that its start-up is not counted in the 30 s.
        using var playwright = BrowserPage.Chromium is null ? null : await Playwright.CreateAsync();
        await using var browser = playwright is null ? null : await BrowserPage.LaunchAsync(playwright, BrowserPage.Chromium!);
        Assert.False(browser is null && BrowserPage.IsCi, "CI=true but Chromium is missing: tests/prerequisites.d/30-chromium.sh installs it (./test.sh sources it).");

        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            [
                $"--DevBroker:Port={TestPorts.FreeTcpPort()}",
                $"--ConnectionStrings:volumes=Data Source={Path.Combine(folder, "volumes.db")}",
                $"--Aggregate:StatePath={Path.Combine(folder, "aggregate-state")}",

                // No venue can be reached: names that never resolve, and a port nobody listens on.
                "--Ingest:Live:ExchangeUrl=wss://ws-feed.exchange.coinbase.invalid",
                "--Ingest:Live:RestUrl=https://api.exchange.coinbase.invalid",
                $"--Ingest:Venues:binance:Url=ws://127.0.0.1:{closed}/stream",
                $"--Ingest:Venues:binance:RestUrl=http://127.0.0.1:{closed}",
                "--Ingest:Venues:kraken:Url=wss://ws.kraken.invalid/v2",
                "--Ingest:Venues:kraken:RestUrl=https://api.kraken.invalid",
                $"--Ingest:Venues:bitstamp:Url=ws://127.0.0.1:{closed}",
                $"--Ingest:Venues:bitstamp:RestUrl=http://127.0.0.1:{closed}",
                "--Ingest:Venues:bybit:Url=wss://stream.bybit.invalid/v5/public/spot",
                "--Ingest:Venues:bybit:RestUrl=https://api.bybit.invalid",
                $"--Ingest:Venues:bybit-linear:Url=ws://127.0.0.1:{closed}/v5/public/linear",
                $"--Ingest:Venues:bybit-linear:RestUrl=http://127.0.0.1:{closed}",
                "--Ingest:Venues:okx:Url=wss://ws.okx.invalid:8443/ws/v5/business",
                "--Ingest:Venues:okx:RestUrl=https://www.okx.invalid",
            ],
            ct);
        await using var app = await appHost.BuildAsync(ct);
        await app.StartAsync(ct);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("sink", ct);
        var up = Stopwatch.StartNew();
        using var http = app.CreateHttpClient("sink");
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} sink API up at {http.BaseAddress}; enabled venues: {string.Join(", ", enabled)}");

        // /api/status: every enabled venue, reconnecting because it cannot connect.
        JsonElement status;
        while (true)
        {
            using (var json = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/status", UriKind.Relative), ct)))
            {
                status = json.RootElement.Clone();
            }

            var unreachable = status.GetProperty("venues").EnumerateArray()
                .Where(v => v.GetProperty("state").GetString() == "reconnecting" && v.GetProperty("reason").GetString() == "connect_failed")
                .Select(v => v.GetProperty("venue").GetString())
                .ToList();
            if (enabled.All(unreachable.Contains))
            {
                break;
            }

            Assert.True(up.Elapsed < Within, $"/api/status did not name every enabled venue as unreachable within {Within.TotalSeconds} s of the API being up: {status}");
            await Task.Delay(250, ct);
        }

        output.WriteLine($"/api/status named all {enabled.Count} venues after {up.Elapsed.TotalSeconds:F1} s:\n{status}");
        var venues = status.GetProperty("venues").EnumerateArray().ToDictionary(v => v.GetProperty("venue").GetString()!);
        Assert.Equal(enabled.Order(StringComparer.Ordinal), venues.Keys.Order(StringComparer.Ordinal));
        Assert.All(venues.Values, v =>
        {
            Assert.True(v.GetProperty("attempts").GetInt32() >= 1, $"{v}: attempts counted");
            Assert.False(string.IsNullOrEmpty(v.GetProperty("detail").GetString()), $"{v}: the socket error is given");
            Assert.Equal(JsonValueKind.Null, v.GetProperty("lastTradeAt").ValueKind);
        });
        Assert.Equal("ok", status.GetProperty("database").GetProperty("state").GetString());

        if (browser is null)
        {
            output.WriteLine("The page part is SKIPPED: no Chromium (/usr/bin/chromium or BV_TEST_CHROMIUM).");
            return;
        }

        // The page: the strip names each venue and the reason.
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        try
        {
            await page.GotoAsync(http.BaseAddress!.ToString());
            var left = Within - up.Elapsed;
            await page.WaitForFunctionAsync(
                "ids => ids.every(id => { const e = document.querySelector(`#status-strip [data-venue='${id}']`); return e && e.dataset.state === 'reconnecting'; })",
                enabled,
                new PageWaitForFunctionOptions { Timeout = (float)Math.Max(1000, left.TotalMilliseconds) });
            Assert.True(up.Elapsed < Within, $"the page named every venue only {up.Elapsed.TotalSeconds:F1} s after the API was up");
            foreach (var id in enabled)
            {
                var text = await page.Locator($"#status-strip [data-venue='{id}']").TextContentAsync();
                Assert.StartsWith($"{Venues.Find(id)!.Name} unreachable: connect_failed, retrying (attempt ", text, StringComparison.Ordinal);
                Assert.EndsWith("— nothing to show yet", text, StringComparison.Ordinal);
            }

            output.WriteLine($"The page named every venue {up.Elapsed.TotalSeconds:F1} s after the API was up.");
            await BrowserPage.SaveScreenshotAsync(page, "offline-status-strip", output);
        }
        catch
        {
            await BrowserPage.SaveScreenshotAsync(page, "offline-status-strip-failure", output);
            throw;
        }
    }
}
