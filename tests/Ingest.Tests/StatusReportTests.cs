using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Tests.Fakes;
using BitcoinVolume.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;

namespace BitcoinVolume.Ingest.Tests;

/// <summary>
/// Ingest publishes its status on topic <c>status</c> (development broker over TCP), one report per venue: Coinbase
/// against FakeCoinbase is connected with its last trade; Binance pointed at a closed port is reconnecting with reason
/// connect_failed and its failed attempts counted; nothing changing, the reports are published again every heartbeat;
/// a clean stop publishes both as stopped.
/// </summary>
public sealed class StatusReportTests : IAsyncLifetime
{
    private KafkaTestCluster kafka = null!;
    private FakeCoinbase coinbase = null!;

    public async Task InitializeAsync()
    {
        kafka = KafkaTestCluster.Start();
        coinbase = await FakeCoinbase.StartAsync("BTC-USD");
    }

    public async Task DisposeAsync()
    {
        await coinbase.DisposeAsync();
        await kafka.DisposeAsync();
    }

    [Fact]
    public async Task Each_venue_is_reported_with_its_state_reason_and_last_trade_on_change_every_heartbeat_and_as_stopped_at_a_clean_stop()
    {
        var closed = $"ws://127.0.0.1:{TestPorts.FreeTcpPort()}/stream";
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ConnectionStrings:kafka", kafka.BootstrapServers)
                .UseSetting("Ingest:Venues:coinbase:Products", "BTC-USD")
                .UseSetting("Ingest:Venues:binance:Url", closed)
                .UseSetting("Ingest:Venues:binance:RestUrl", closed.Replace("ws://", "http://", StringComparison.Ordinal))
                .UseFastLiveSettings(coinbase)
                .UseSetting("Ingest:Live:ReconnectDelay", "00:00:00.2")
                .UseSetting("Ingest:Live:MaxReconnectDelay", "00:00:00.5")
                .UseSetting("Ingest:Recovery:Enabled", "false")
                .UseSetting("Ingest:Status:Heartbeat", "00:00:01")
                .UseSetting("Ingest:Status:CheckInterval", "00:00:00.1");
            foreach (var other in Contracts.Venues.All.Where(v => v.EnabledByDefault && v.Id is not Contracts.Venues.Coinbase and not Contracts.Venues.Binance))
            {
                web.UseSetting($"Ingest:Venues:{other.Id}:Enabled", "false"); // never the real venues from a test
            }
        });
        using var client = factory.CreateClient(); // starts the host
        var expectedTrades = coinbase.AllTrades.Count();
        var lastTrade = coinbase.AllTrades.Max(t => t.Time);

        var connected = FirstReport(r => r.Instance == Contracts.Venues.Coinbase && r.State == StatusStates.Connected && r.Trades == expectedTrades);
        Assert.Equal(StatusServices.Ingest, connected.Service);
        Assert.Equal(Contracts.Venues.Coinbase, connected.Venue);
        Assert.Null(connected.Reason);
        Assert.Equal(0, connected.Attempts);
        Assert.Equal(lastTrade, connected.LastTradeAt);
        Assert.Equal(["BTC-USD"], connected.Products);
        Assert.Equal(1, connected.HeartbeatSeconds);

        var unreachable = FirstReport(r => r.Instance == Contracts.Venues.Binance && r.State == StatusStates.Reconnecting && r.Attempts >= 2);
        Assert.Equal("connect_failed", unreachable.Reason);
        Assert.False(string.IsNullOrEmpty(unreachable.Detail));
        Assert.Null(unreachable.LastTradeAt);
        Assert.True(unreachable.Since < unreachable.PublishedAt, "since is when the venue began reconnecting, not the publication");

        // Nothing changes on Coinbase: its report is still published every heartbeat (a silent publisher would be stale).
        var heartbeat = FirstReport(r => r.Instance == Contracts.Venues.Coinbase && r.PublishedAt >= connected.PublishedAt.AddSeconds(2));
        Assert.Equal(StatusStates.Connected, heartbeat.State);
        Assert.Equal(connected.Since, heartbeat.Since);

        await factory.DisposeAsync(); // a clean stop
        foreach (var venue in new[] { Contracts.Venues.Coinbase, Contracts.Venues.Binance })
        {
            var stopped = FirstReport(r => r.Instance == venue && r.State == StatusStates.Stopped);
            Assert.Equal("ingest_stopped", stopped.Reason);
        }
    }

    /// <summary>The first report on topic <c>status</c> that satisfies <paramref name="match"/> (30 s at most).</summary>
    private StatusReport FirstReport(Func<StatusReport, bool> match)
    {
        var found = kafka.ReadAll(Topics.Status, 1, ContractSerializers.StatusDeserializer, timeout: TimeSpan.FromSeconds(30), settle: TimeSpan.Zero, where: match);
        Assert.True(found.Count > 0, "no such status report within 30 s");
        Assert.All(found, r => Assert.Equal(r.Value.Key, r.Key));
        return found[0].Value;
    }
}
