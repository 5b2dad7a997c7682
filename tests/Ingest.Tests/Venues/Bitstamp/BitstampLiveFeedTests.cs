using BitcoinVolume.Ingest.Venues;
using BitcoinVolume.TestSupport;

namespace BitcoinVolume.Ingest.Tests.Venues.Bitstamp;

/// <summary>
/// Ingest as a host reading <c>bitstamp</c> live from <see cref="FakeBitstamp"/>: a drop, a stall (heartbeats
/// unanswered), repeats and reconnect overlaps (dedup only: Bitstamp's ids are not contiguous, a jump is no gap), a
/// server-requested reconnect, and one refused product dead-lettered with <c>subscription_rejected</c> naming it while the
/// others flow. <c>trades</c> must hold exactly the server's trades.
/// </summary>
public sealed class BitstampLiveFeedTests : IAsyncLifetime
{
    private KafkaTestCluster kafka = null!;
    private FakeBitstamp bitstamp = null!;

    public async Task InitializeAsync()
    {
        kafka = KafkaTestCluster.Start();
        bitstamp = await FakeBitstamp.StartAsync("XRP-USD", "BTC-USD", "ETH-USD");
    }

    public async Task DisposeAsync()
    {
        await bitstamp.DisposeAsync();
        await kafka.DisposeAsync();
    }

    [Fact]
    public async Task Every_trade_is_produced_exactly_once_through_a_drop_a_stall_repeats_a_reconnect_request_and_a_refused_product()
    {
        var expected = bitstamp.AllTrades.ToList();
        var outcome = await VenueLiveTest.RunAsync(
            kafka,
            "bitstamp",
            ["BTC-USD", "ETH-USD", "XRP-USD"],
            new Dictionary<string, string>
            {
                ["Ingest:Venues:bitstamp:Url"] = bitstamp.Url.ToString(),
                ["Ingest:Venues:bitstamp:RestUrl"] = bitstamp.BaseUrl.ToString(),
                ["Ingest:Venues:bitstamp:PingInterval"] = "00:00:00.3",
            },
            expected.Count,
            status => status.GetProperty("reconnects").GetInt64() >= 3,
            expectedLetters: 4);

        VenueLiveTest.AssertExactly(expected, outcome.Trades);
        Assert.All(outcome.Trades, t => Assert.StartsWith("bitstamp|", t.Key, StringComparison.Ordinal));

        Assert.NotEmpty(outcome.Letters);
        Assert.All(outcome.Letters, l => Assert.Equal(VenueTradeText.SubscriptionRejected, l.Reason));
        Assert.All(outcome.Letters, l => Assert.Contains("xrpusd (XRP-USD)", l.Detail, StringComparison.Ordinal));

        var status = outcome.Status;
        Assert.True(status.GetProperty("reconnects").GetInt64() >= 3, status.ToString());
        Assert.True(bitstamp.Connections >= 4, $"{bitstamp.Connections} connections");
        Assert.True(status.GetProperty("duplicates").GetInt64() >= 2 * 6, status.ToString());
        Assert.Equal(0, status.GetProperty("gapsDetected").GetInt64()); // dedup only: the id holes are not gaps
        Assert.True(bitstamp.Heartbeats > 0, "the client's bts:heartbeat pings");
        Assert.All(bitstamp.Subscriptions, s => Assert.Matches("""^\{"event":"bts:subscribe","data":\{"channel":"live_trades_(btcusd|ethusd|xrpusd)"\}\}$""", s));
        VenueLiveTest.AssertRefusalReported(outcome, "XRP-USD");
    }
}
