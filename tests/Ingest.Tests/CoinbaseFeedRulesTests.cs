using System.Net.Http.Json;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Tests.Fakes;
using BitcoinVolume.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace BitcoinVolume.Ingest.Tests;

/// <summary>
/// Coinbase's documented rules, through the whole service against a <see cref="FakeCoinbase"/> and the development
/// broker: a frame of about 9 MiB is read (the default limit is 10 MiB, Coinbase's SDK's); a skipped Advanced Trade
/// <c>sequence_num</c> is counted, logged and ends the connection, and the new connection's snapshot brings back the
/// trades of the lost frame (without the check they would never come: only heartbeats follow the loss).
/// </summary>
public sealed class CoinbaseFeedRulesTests(ITestOutputHelper output) : IAsyncLifetime
{
    private KafkaTestCluster kafka = null!;

    public Task InitializeAsync()
    {
        kafka = KafkaTestCluster.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await kafka.DisposeAsync();

    [Theory]
    [InlineData("coinbase-exchange")]
    [InlineData("coinbase-advanced")]
    public async Task A_9_MiB_frame_is_read_with_the_default_limit_not_dead_lettered(string source)
    {
        await using var coinbase = await FakeCoinbase.StartAsync(FakeCoinbaseScenario.LargeFrame, "BTC-USD", "ETH-USD");
        await using var factory = Host(coinbase, source, new TestOutputLoggerProvider(output, LogLevel.Warning));
        using var client = factory.CreateClient();
        var expected = coinbase.AllTrades.ToList();

        var status = await WaitAsync(client, s => s.GetProperty("trades").GetInt64() >= expected.Count);
        var trades = kafka.ReadAll(Topics.Trades, expected.Count, ContractSerializers.TradeDeserializer, settle: TimeSpan.FromSeconds(1));

        Assert.InRange(coinbase.LargestFrameSent, 9 * 1024 * 1024 - 64, FrameParserOptions.DefaultMaxFrameBytes);
        Assert.Equal(expected.OrderBy(t => t.Product).ThenBy(t => t.TradeId), trades.Select(t => t.Value).OrderBy(t => t.Product).ThenBy(t => t.TradeId));
        Assert.Equal(0, status.GetProperty("deadLettered").GetInt64());
        Assert.Equal(0, status.GetProperty("reconnects").GetInt64());
        Assert.Equal(1, coinbase.Connections);
    }

    [Fact]
    public async Task A_skipped_sequence_number_is_counted_logged_and_reconnects_so_the_lost_frames_trades_come_back()
    {
        await using var coinbase = await FakeCoinbase.StartAsync(FakeCoinbaseScenario.LostFrame, "BTC-USD", "ETH-USD");
        var logs = new TestOutputLoggerProvider(output, LogLevel.Warning);
        await using var factory = Host(coinbase, "coinbase-advanced", logs);
        using var client = factory.CreateClient();
        var expected = coinbase.AllTrades.ToList();

        var status = await WaitAsync(client, s => s.GetProperty("trades").GetInt64() >= expected.Count && s.GetProperty("openGaps").GetInt32() == 0);
        var trades = kafka.ReadAll(Topics.Trades, expected.Count, ContractSerializers.TradeDeserializer, settle: TimeSpan.FromSeconds(1));

        // The lost frame held trades 40..44 of each product; only heartbeats followed it on that connection.
        var lost = expected.Where(t => coinbase.Trades.Any(list => list.IndexOf(t) is >= 40 and <= 44)).ToList();
        Assert.Equal(10, lost.Count);
        Assert.Equal(expected.OrderBy(t => t.Product).ThenBy(t => t.TradeId), trades.Select(t => t.Value).OrderBy(t => t.Product).ThenBy(t => t.TradeId));

        // Counted (status), logged with the numbers, and the connection ended for it (then a new one whose snapshot held them).
        var skipped = Assert.Single(coinbase.SequenceSkipped);
        Assert.Equal(1, status.GetProperty("sequenceGaps").GetInt64());
        Assert.Equal("sequence_gap", status.GetProperty("lastDisconnect").GetString());
        Assert.True(coinbase.Connections >= 2, $"{coinbase.Connections} connections");
        Assert.Single(logs.Lines, l => l.Message.Contains($"sequence number {skipped + 1} after {skipped - 1}", StringComparison.Ordinal)
            && l.Message.Contains("1 frame(s) lost", StringComparison.Ordinal));
        Assert.Equal(0, status.GetProperty("deadLettered").GetInt64());
        Assert.Empty(coinbase.RestRequests); // the snapshot of the new connection covered the loss

        // In band on trades: per product a sequence_gap marker opened at the loss, filled at the product's next new trade.
        var markers = kafka.ReadAll(Topics.Trades, 4, ContractSerializers.GapDeserializer, settle: TimeSpan.FromMilliseconds(300)).Select(m => m.Value).ToList();
        foreach (var product in new[] { "BTC-USD", "ETH-USD" })
        {
            var ofProduct = markers.Where(m => m.Product == product).ToList();
            Assert.Equal([GapState.Open, GapState.Filled], ofProduct.Select(m => m.State));
            Assert.All(ofProduct, m => Assert.Equal((TradeGap.SequenceGap, Contracts.Venues.Coinbase), (m.Cause, m.Venue)));
            Assert.Single(ofProduct.Select(m => m.Id).Distinct());
            Assert.True(ofProduct[1].To >= ofProduct[1].From);
        }
    }

    [Fact]
    public async Task A_refused_Exchange_subscription_backs_off_is_given_up_after_three_and_is_reported()
    {
        // Coinbase answers with an error and the Exchange socket goes silent: before, a reconnect loop that looked healthy.
        await using var coinbase = await FakeCoinbase.StartAsync(FakeCoinbaseScenario.Refused, "BTC-USD");
        var logs = new TestOutputLoggerProvider(output, LogLevel.Warning);
        await using var factory = Host(coinbase, "coinbase-exchange", logs, [FakeCoinbase.RefusedProduct], stallTimeout: "00:00:01");
        using var client = factory.CreateClient();

        var status = await WaitAsync(client, s => s.GetProperty("failure").ValueKind == JsonValueKind.String);
        Assert.Contains("refused every product's subscription 3 times", status.GetProperty("failure").GetString(), StringComparison.Ordinal);
        var refusal = Assert.Single(status.GetProperty("refusals").EnumerateArray());
        Assert.Equal((FakeCoinbase.RefusedProduct, 3, true), (refusal.GetProperty("product").GetString(), refusal.GetProperty("refusals").GetInt32(), refusal.GetProperty("givenUp").GetBoolean()));
        Assert.Contains("BTC-XXX is not a valid product", refusal.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(3, logs.Lines.Count(l => l.Message.Contains("refused the subscription of BTC-XXX", StringComparison.Ordinal)));
        Assert.Single(logs.Lines, l => l.Message.Contains("BTC-XXX is no longer subscribed", StringComparison.Ordinal));

        // No hot loop: three connections, then none.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(3, coinbase.Connections);
        var letters = kafka.ReadAll(Topics.TradesDeadLetter, 3, ContractSerializers.DeadLetterDeserializer, settle: TimeSpan.FromMilliseconds(300));
        Assert.Equal(3, letters.Count);
        Assert.All(letters, l => Assert.Equal(DeadLetterReasons.SubscriptionRejected, l.Value.Reason));
    }

    [Fact]
    public async Task A_refused_Advanced_Trade_subscription_with_heartbeats_flowing_is_unhealthy_and_named()
    {
        // market_trades refused, heartbeats still flowing: the socket looks alive, zero trades — before, health was normal.
        await using var coinbase = await FakeCoinbase.StartAsync(FakeCoinbaseScenario.Refused, "BTC-USD");
        var logs = new TestOutputLoggerProvider(output, LogLevel.Warning);
        // A stall timeout far above the fake's 200 ms heartbeats: on a loaded CI machine a 1 s pause is not rare, and a
        // reconnect here would be a false failure of "one connection".
        await using var factory = Host(coinbase, "coinbase-advanced", logs, [FakeCoinbase.RefusedProduct], stallTimeout: "00:00:10");
        using var client = factory.CreateClient();

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var status = await WaitAsync(client, _ => watch.Elapsed > TimeSpan.FromSeconds(3));
        var refusal = Assert.Single(status.GetProperty("refusals").EnumerateArray());
        Assert.Equal((FakeCoinbase.RefusedProduct, 1, false), (refusal.GetProperty("product").GetString(), refusal.GetProperty("refusals").GetInt32(), refusal.GetProperty("givenUp").GetBoolean()));
        Assert.True(status.GetProperty("connected").GetBoolean());
        Assert.Equal(1, coinbase.Connections);
        var health = await client.GetAsync("/health");
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Single(logs.Lines, l => l.Message.Contains("refused the subscription of BTC-XXX", StringComparison.Ordinal));
    }

    private WebApplicationFactory<Program> Host(FakeCoinbase coinbase, string source, TestOutputLoggerProvider logs, string[]? products = null, string stallTimeout = "00:00:05") =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseSetting("ConnectionStrings:kafka", kafka.BootstrapServers)
            .UseSetting("Ingest:Source", source)
            .UseProducts(products ?? ["BTC-USD", "ETH-USD"])
            .UseFastLiveSettings(coinbase)
            .UseSetting("Ingest:Live:StallTimeout", stallTimeout)
            .UseSetting("Ingest:Live:AdvancedTradeUrl", coinbase.AdvancedTradeUrl.ToString())
            .ConfigureServices(services => services.AddSingleton<ILoggerProvider>(logs)));

    private static async Task<JsonElement> WaitAsync(HttpClient client, Func<JsonElement, bool> done)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        while (true)
        {
            var status = await client.GetFromJsonAsync<JsonElement>("/api/ingest/status", timeout.Token);
            if (done(status) || timeout.IsCancellationRequested)
            {
                return status;
            }

            await Task.Delay(100, timeout.Token);
        }
    }
}
