using BitcoinVolume.TestSupport;

namespace BitcoinVolume.Ingest.Tests.Venues.Gemini;

/// <summary>
/// Ingest as a host reading <c>gemini</c> live from <see cref="FakeGemini"/>: one subscribe for all products, a drop and a
/// stall, each new subscription resending the recent trades (repeats dropped by id: Gemini's ids are not contiguous, a
/// jump is no gap; the trades missed while disconnected come back as recent trades), and a perpetual's frame on the
/// same socket that is not spot. <c>trades</c> must hold exactly the server's spot trades.
/// </summary>
public sealed class GeminiLiveFeedTests : IAsyncLifetime
{
    private KafkaTestCluster kafka = null!;
    private FakeGemini gemini = null!;

    public async Task InitializeAsync()
    {
        kafka = KafkaTestCluster.Start();
        gemini = await FakeGemini.StartAsync("BTC-USD", "ETH-USD");
    }

    public async Task DisposeAsync()
    {
        await gemini.DisposeAsync();
        await kafka.DisposeAsync();
    }

    [Fact]
    public async Task Every_spot_trade_is_produced_exactly_once_through_a_drop_a_stall_and_resent_recent_trades()
    {
        var expected = gemini.AllTrades.ToList();
        var outcome = await VenueLiveTest.RunAsync(
            kafka,
            "gemini",
            ["BTC-USD", "ETH-USD"],
            new Dictionary<string, string> { ["Ingest:Venues:gemini:Url"] = gemini.Url.ToString() },
            expected.Count,
            status => status.GetProperty("reconnects").GetInt64() >= 2,
            expectedLetters: 0);

        VenueLiveTest.AssertExactly(expected, outcome.Trades);
        Assert.All(outcome.Trades, t => Assert.StartsWith("gemini|", t.Key, StringComparison.Ordinal));
        Assert.Empty(outcome.Letters);

        var status = outcome.Status;
        Assert.True(status.GetProperty("reconnects").GetInt64() >= 2, status.ToString());
        Assert.True(gemini.Connections >= 3, $"{gemini.Connections} connections");
        Assert.True(status.GetProperty("duplicates").GetInt64() >= 2 * 2 * 10, status.ToString()); // 10..19 and 20..29 resent, per product
        Assert.Equal(0, status.GetProperty("gapsDetected").GetInt64()); // dedup only: the id holes are not gaps
        Assert.All(gemini.Received, s => Assert.Equal("""{"type":"subscribe","subscriptions":[{"name":"l2","symbols":["BTCUSD","ETHUSD"]}]}""", s));
        Assert.True(outcome.Healthy);
    }
}
