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

    [Fact]
    public async Task A_product_refused_again_and_again_is_given_up_reported_and_not_retried_in_a_hot_loop()
    {
        // The only product is refused on every connection; the socket then stays silent (stalls after 1 s here). Each such
        // session is a failure, so reconnects back off; after Ingest:Live:MaxSubscriptionRefusals (3) it is not asked for
        // again and, with nothing left to subscribe, the source stops — reported, not retried every few seconds forever.
        await using var binance = await FakeBinance.StartAsync("binance", "XRP-USDT", "BTC-USDT");
        var outcome = await VenueLiveTest.RunAsync(kafka, "binance", ["XRP-USDT"], new Dictionary<string, string>
        {
            ["Ingest:Venues:binance:Url"] = binance.QuietStreamUrl.ToString(),
            ["Ingest:Venues:binance:RestUrl"] = binance.BaseUrl.ToString(),
            ["Ingest:Venues:binance:PingInterval"] = "00:00:00",
            ["Ingest:Live:ReconnectDelay"] = "00:00:00.3",
            ["Ingest:Live:MaxReconnectDelay"] = "00:00:01",
        }, expectedTrades: 0, done: s => s.GetProperty("failure").ValueKind == JsonValueKind.String, expectedLetters: 3);

        var status = outcome.Status;
        Assert.Contains("refused every product's subscription 3 times", status.GetProperty("failure").GetString(), StringComparison.Ordinal);
        var refusal = Assert.Single(status.GetProperty("refusals").EnumerateArray());
        Assert.Equal("XRP-USDT", refusal.GetProperty("product").GetString());
        Assert.Equal(3, refusal.GetProperty("refusals").GetInt32());
        Assert.True(refusal.GetProperty("givenUp").GetBoolean());
        Assert.Contains("XRP-USDT", refusal.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.False(outcome.Healthy);

        // Bounded: three connections, then none (waited a while longer than the backoff would take).
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(3, binance.Connections);
        Assert.Equal(3, outcome.Letters.Count);
        Assert.All(outcome.Letters, l => Assert.Equal("subscription_rejected", l.Reason));
    }

    [Fact]
    public async Task A_refused_product_beside_a_trading_one_is_named_in_health_and_status_while_the_other_flows()
    {
        await using var binance = await FakeBinance.StartAsync("binance", "XRP-USDT", "BTC-USDT");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var outcome = await VenueLiveTest.RunAsync(kafka, "binance", ["BTC-USDT", "XRP-USDT"], new Dictionary<string, string>
        {
            ["Ingest:Venues:binance:Url"] = binance.QuietStreamUrl.ToString(),
            ["Ingest:Venues:binance:RestUrl"] = binance.BaseUrl.ToString(),
            ["Ingest:Venues:binance:PingInterval"] = "00:00:00.3",
            ["Ingest:Live:StallTimeout"] = "00:00:02.5", // pings every 0.3 s: loose enough for a loaded machine
        }, expectedTrades: 0, done: _ => watch.Elapsed > TimeSpan.FromSeconds(3), expectedLetters: 1);

        // The connection stays (pings answered): one refusal, one connection, unhealthy with the product named.
        var refusal = Assert.Single(outcome.Status.GetProperty("refusals").EnumerateArray());
        Assert.Equal(("XRP-USDT", 1, false), (refusal.GetProperty("product").GetString(), refusal.GetProperty("refusals").GetInt32(), refusal.GetProperty("givenUp").GetBoolean()));
        Assert.True(outcome.Status.GetProperty("connected").GetBoolean());
        Assert.Equal(1, binance.Connections);
        Assert.False(outcome.Healthy);
    }
}
