using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace BitcoinVolume.Sink.Tests;

/// <summary>
/// The page's status strip in a real browser (Debian's Chromium through Playwright): with no volumes stored and ingest
/// reporting Coinbase unreachable on topic <c>status</c>, the page says so ("Coinbase unreachable: connect_failed,
/// retrying (attempt 8) — nothing to show yet") instead of an empty chart with no word of why, and follows the next
/// report (Coinbase connected) by itself.
/// </summary>
public sealed class StatusStripBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private KafkaTestCluster kafka = null!;

    public Task InitializeAsync()
    {
        kafka = KafkaTestCluster.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await kafka.DisposeAsync();

    [Fact]
    public async Task Strip_names_an_offline_venue_and_its_reason_when_there_is_nothing_to_show_and_follows_when_it_connects()
    {
        if (BrowserPage.Chromium is not { } chromium)
        {
            Assert.False(BrowserPage.IsCi, "CI=true but Chromium is missing: tests/prerequisites.d/30-chromium.sh installs it (./test.sh sources it).");
            output.WriteLine("SKIPPED: no Chromium (/usr/bin/chromium or BV_TEST_CHROMIUM); source tests/prerequisites.d/30-chromium.sh.");
            return;
        }

        var now = DateTimeOffset.UtcNow;
        Produce(StatusApiTests.Venue(Venues.Coinbase, StatusStates.Reconnecting, "connect_failed", now, attempts: 8, detail: "Name or service not known"));
        Produce(StatusApiTests.Venue(Venues.Kraken, StatusStates.Rejected, "subscription_rejected", now, detail: "BTC-USD: unknown symbol (refused 3×, no longer asked for)"));
        Produce(new StatusReport(StatusServices.Aggregate, "host:state", StatusStates.Running, null, now, now));
        kafka.Flush();

        await using var sink = new SinkApiFactory(new Dictionary<string, string>
        {
            ["Sink:ConsumerEnabled"] = "true",
            ["ConnectionStrings:kafka"] = kafka.BootstrapServers,
            ["Sink:GroupId"] = "sink-strip-test",
        });
        sink.UseKestrel(0);
        sink.StartServer();
        var baseUrl = sink.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()
            .Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserPage.LaunchAsync(playwright, chromium);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var console = new List<string>();
        page.PageError += (_, error) => console.Add($"pageerror: {error}");
        try
        {
            await page.GotoAsync(baseUrl + "/");
            var coinbase = page.Locator("#status-strip [data-venue=coinbase]");
            await coinbase.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
            Assert.Equal("Coinbase unreachable: connect_failed, retrying (attempt 8) — nothing to show yet", await coinbase.TextContentAsync());
            Assert.Equal("reconnecting", await coinbase.GetAttributeAsync("data-state"));
            Assert.Contains("Name or service not known", await coinbase.GetAttributeAsync("title"), StringComparison.Ordinal);
            var kraken = page.Locator("#status-strip [data-venue=kraken]");
            Assert.Equal(
                "Kraken refused the subscription: BTC-USD: unknown symbol (refused 3×, no longer asked for) — nothing to show yet",
                await kraken.TextContentAsync());
            Assert.Equal("problem", await page.GetAttributeAsync("#status-strip", "data-state"));
            Assert.Equal("Aggregator running", await page.Locator("#status-strip [data-kind=aggregator]").TextContentAsync());
            Assert.Equal("Database (sqlite) ok", await page.Locator("#status-strip [data-kind=database]").TextContentAsync());

            // The chart is empty (no volumes), and the strip is what explains it.
            Assert.Equal("empty", await page.GetAttributeAsync("#dashboard", "data-state"));
            await BrowserPage.SaveScreenshotAsync(page, "status-strip-offline", output);

            // Coinbase connects: the page follows without a reload.
            Produce(StatusApiTests.Venue(Venues.Coinbase, StatusStates.Connected, null, DateTimeOffset.UtcNow, lastTradeAt: DateTimeOffset.UtcNow));
            kafka.Flush();
            await page.WaitForFunctionAsync(
                "() => document.querySelector('#status-strip [data-venue=coinbase]')?.dataset.state === 'connected'",
                null,
                new PageWaitForFunctionOptions { Timeout = 30_000 });
            Assert.Equal("Coinbase connected", await coinbase.TextContentAsync());
            await BrowserPage.SaveScreenshotAsync(page, "status-strip-connected", output);
        }
        catch
        {
            await BrowserPage.SaveScreenshotAsync(page, "status-strip-failure", output);
            throw;
        }

        Assert.Empty(console);
    }

    private void Produce(StatusReport report) => kafka.Produce(Topics.Status, report.Key, report, ContractSerializers.StatusSerializer);
}
