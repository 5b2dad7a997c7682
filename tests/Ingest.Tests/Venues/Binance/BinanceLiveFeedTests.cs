using System.Text.Json;
using BitcoinVolume.TestSupport;

namespace BitcoinVolume.Ingest.Tests.Venues.Binance;

/// <summary>
/// Ingest.Service with live source <c>binance</c> / <c>binance-us</c> against a local Binance (combined stream
/// SUBSCRIBE, aggTrade, REST aggTrades by fromId) that drops, stalls, repeats, skips ids and refuses one product.
/// </summary>
public sealed class BinanceLiveFeedTests : IAsyncLifetime
{
    private KafkaTestCluster kafka = null!;

    public Task InitializeAsync()
    {
        kafka = KafkaTestCluster.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await kafka.DisposeAsync();

    [Theory]
    [InlineData("binance")]
    [InlineData("binance-us")]
    public async Task Every_aggTrade_is_produced_once_through_drops_gaps_stalls_and_a_refused_product(string venue)
    {
        await using var binance = await FakeBinance.StartAsync(venue, "XRP-USDT", "BTC-USDT", "ETH-USDT");

        await ScriptedLiveRun.RunAndAssertAsync(kafka, binance, venue, new Dictionary<string, string>
        {
            [$"Ingest:Venues:{venue}:Url"] = binance.StreamUrl.ToString(),
            [$"Ingest:Venues:{venue}:RestUrl"] = binance.BaseUrl.ToString(),
        });

        // REST: fromId paging below each gap, within the page size; one SUBSCRIBE per product with its symbol in the id.
        Assert.All(binance.RestRequests, r => Assert.Matches(@"^/api/v3/aggTrades\?symbol=(BTC|ETH)USDT&fromId=\d+&limit=[1-4]$", r));
        var subscribes = binance.Received.Select(m => JsonDocument.Parse(m).RootElement)
            .Where(m => m.GetProperty("method").GetString() != "LIST_SUBSCRIPTIONS").ToList();
        Assert.All(subscribes, s => Assert.Equal("SUBSCRIBE", s.GetProperty("method").GetString()));
        Assert.Equal(
            Enumerable.Repeat(new[] { "subbtcusdt", "subethusdt", "subxrpusdt" }, 3).SelectMany(i => i),
            subscribes.Take(9).Select(s => s.GetProperty("id").GetString()));
    }

    [Theory]
    [InlineData("00:00:00.3", true)]
    [InlineData("00:00:00", false)]
    public async Task A_quiet_symbol_keeps_its_connection_by_the_LIST_SUBSCRIPTIONS_ping(string pingInterval, bool pingOn)
    {
        // Binance's own pings are control frames the client answers unseen: only the LIST_SUBSCRIPTIONS answers feed the watchdog.
        await using var binance = await FakeBinance.StartAsync("binance", "XRP-USDT", "BTC-USDT");
        await VenueLiveTest.AssertQuietConnectionAsync(kafka, binance, "binance", new Dictionary<string, string>
        {
            ["Ingest:Venues:binance:Url"] = binance.QuietStreamUrl.ToString(),
            ["Ingest:Venues:binance:RestUrl"] = binance.BaseUrl.ToString(),
            ["Ingest:Venues:binance:PingInterval"] = pingInterval,
        }, pingOn);
    }
}
