using BitcoinVolume.TestSupport;

namespace BitcoinVolume.Ingest.Tests.Venues.Okx;

/// <summary>
/// Ingest.Service with live source <c>okx</c> against a local OKX (business websocket, trades-all, text ping/pong, REST
/// history-trades by tradeId) that drops, stalls, repeats, skips ids and refuses one instrument.
/// </summary>
public sealed class OkxLiveFeedTests : IAsyncLifetime
{
    private KafkaTestCluster kafka = null!;

    public Task InitializeAsync()
    {
        kafka = KafkaTestCluster.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await kafka.DisposeAsync();

    [Fact]
    public async Task Every_trade_is_produced_once_through_drops_gaps_stalls_and_a_refused_instrument()
    {
        await using var okx = await FakeOkx.StartAsync("XRP-USDT", "BTC-USDT", "ETH-USDT");

        await ScriptedLiveRun.RunAndAssertAsync(kafka, okx, "okx", new Dictionary<string, string>
        {
            ["Ingest:Venues:okx:Url"] = okx.BusinessUrl.ToString(),
            ["Ingest:Venues:okx:RestUrl"] = okx.BaseUrl.ToString(),
            ["Ingest:Venues:okx:PingInterval"] = "00:00:00.1",
        });

        Assert.All(okx.RestRequests, r => Assert.Matches(@"^/api/v5/market/history-trades\?instId=(BTC|ETH)-USDT&type=1&after=\d+&limit=[1-4]$", r));
        Assert.True(okx.Pings > 0, "the client sent no ping");
        Assert.Equal(
            Enumerable.Repeat(new[] { "BTC-USDT", "ETH-USDT", "XRP-USDT" }, 3).SelectMany(i => i),
            okx.Received.Where(m => m != "ping").Take(9).Select(m => System.Text.Json.JsonDocument.Parse(m).RootElement.GetProperty("args")[0].GetProperty("instId").GetString()));
    }

    [Theory]
    [InlineData("00:00:00.3", true)]
    [InlineData("00:00:29", false)] // at most 29 s (OKX closes at 30 s): far beyond the 1 s watchdog here
    public async Task A_quiet_instrument_keeps_its_connection_by_the_text_ping(string pingInterval, bool pingOn)
    {
        // OKX sends nothing on a quiet instrument: only the pongs feed the watchdog.
        await using var okx = await FakeOkx.StartAsync("XRP-USDT", "BTC-USDT");
        await VenueLiveTest.AssertQuietConnectionAsync(kafka, okx, "okx", new Dictionary<string, string>
        {
            ["Ingest:Venues:okx:Url"] = okx.QuietUrl.ToString(),
            ["Ingest:Venues:okx:RestUrl"] = okx.BaseUrl.ToString(),
            ["Ingest:Venues:okx:PingInterval"] = pingInterval,
        }, pingOn);
    }
}
