using System.Net.Http.Json;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Tests.Fakes;
using BitcoinVolume.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;

namespace BitcoinVolume.Ingest.Tests;

/// <summary>
/// Ingest.Service as a host against a local Coinbase (websocket + REST, both protocols) that drops the connection
/// mid-stream, skips trade ids (served later by REST), stalls without heartbeats, sends frames carrying several
/// trades, repeats trades, sends malformed frames and frames of types Coinbase has just invented — producing to the
/// development broker. The trades topic must hold exactly the server's trades: none missing, none twice, taker side;
/// the bad frames are on trades.dlq; the unknown types are ignored and counted, not dead-lettered. With <c>-USDC</c>
/// products configured on Advanced Trade (served as <c>-USD</c>) the same trades arrive as the configured products.
/// </summary>
public sealed class LiveFeedTests : IAsyncLifetime
{
    private KafkaTestCluster kafka = null!;
    private FakeCoinbase coinbase = null!;

    public async Task InitializeAsync()
    {
        kafka = KafkaTestCluster.Start();
        coinbase = await FakeCoinbase.StartAsync("BTC-USD", "ETH-USD");
    }

    public async Task DisposeAsync()
    {
        await coinbase.DisposeAsync();
        await kafka.DisposeAsync();
    }

    [Theory]
    [InlineData("coinbase-exchange", "USD")]
    [InlineData("coinbase-advanced", "USD")]
    [InlineData("coinbase-advanced", "USDC")]
    public async Task Every_trade_of_the_exchange_is_produced_exactly_once_with_the_taker_side_through_drops_gaps_and_stalls(string source, string quote)
    {
        string[] configured = [$"BTC-{quote}", $"ETH-{quote}"];
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseSetting("ConnectionStrings:kafka", kafka.BootstrapServers)
            .UseSetting("Ingest:Source", source)
            .UseSetting("Ingest:Products:0", configured[0])
            .UseSetting("Ingest:Products:1", configured[1])
            .UseFastLiveSettings(coinbase)
            .UseSetting("Ingest:Live:AdvancedTradeUrl", coinbase.AdvancedTradeUrl.ToString())
            .UseSetting("Ingest:Backfill:PageSize", "7")
            .UseSetting("Ingest:Parser:MaxFrameBytes", "65536"));
        using var client = factory.CreateClient();
        // The fake sends BTC-USD and ETH-USD whatever is subscribed (as Advanced Trade serves -USDC): they must come out as configured.
        var expected = coinbase.AllTrades.Select(t => t with { Product = t.Product.Replace("-USD", $"-{quote}", StringComparison.Ordinal) }).ToList();

        // Wait until ingest has produced every trade and has no open gap (or give up and let the assertions say why).
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        JsonElement status;
        while (true)
        {
            status = await client.GetFromJsonAsync<JsonElement>("/api/ingest/status", timeout.Token);
            if ((status.GetProperty("trades").GetInt64() >= expected.Count && status.GetProperty("openGaps").GetInt32() == 0) || timeout.IsCancellationRequested)
            {
                break;
            }

            await Task.Delay(100, timeout.Token);
        }

        var trades = kafka.ReadAll(Topics.Trades, expected.Count, ContractSerializers.TradeDeserializer, settle: TimeSpan.FromSeconds(1.5));
        var malformed = coinbase.MalformedSent.ToList();
        var letters = kafka.ReadAll(Topics.TradesDeadLetter, malformed.Count, ContractSerializers.DeadLetterDeserializer, settle: TimeSpan.FromMilliseconds(200));

        // Exactly the server's trades: none missing, none twice, every field (taker side!) right, key = product.
        Assert.Equal(expected.Count, trades.Count);
        Assert.Equal(expected.OrderBy(t => t.Product).ThenBy(t => t.TradeId), trades.Select(t => t.Value).OrderBy(t => t.Product).ThenBy(t => t.TradeId));
        Assert.All(trades, t => Assert.Equal(t.Value.Product, t.Key));
        Assert.Contains(trades, t => t.Value.Side == TakerSide.Buy);
        Assert.Contains(trades, t => t.Value.Side == TakerSide.Sell);

        // The bad frames are on trades.dlq with their reasons and raw text (nothing else is: no gap was left unfilled).
        Assert.Equal(malformed.Select(m => m.Reason).Order(), letters.Select(l => l.Value.Reason).Order());
        foreach (var (reason, raw) in malformed.Where(m => m.Reason != "oversized_frame"))
        {
            Assert.Contains(letters, l => l.Value.Reason == reason && l.Value.Raw == raw);
        }

        Assert.All(letters, l => Assert.StartsWith($"{source}#1", l.Value.Source, StringComparison.Ordinal));

        // Frames of types Coinbase may add any day: ignored and counted, never dead-lettered (only a frame with no type is).
        var unknown = coinbase.UnknownTypesSent.ToList();
        Assert.NotEmpty(unknown);
        Assert.DoesNotContain(letters, l => unknown.Contains(l.Value.Raw));
        Assert.Equal(unknown.Count, status.GetProperty("unknownFrames").GetInt64());

        // Advanced Trade numbers every frame of a connection: the fake skips none, so no connection ended for a lost frame.
        Assert.Equal(0, status.GetProperty("sequenceGaps").GetInt64());

        // It really went through the failures: two reconnects at least (drop, stall), gaps seen and filled from REST.
        Assert.True(status.GetProperty("reconnects").GetInt64() >= 2, status.ToString());
        Assert.True(coinbase.Connections >= 3, $"{coinbase.Connections} connections");
        Assert.True(status.GetProperty("gapsDetected").GetInt64() >= 3 * 2, status.ToString());
        Assert.True(status.GetProperty("backfilled").GetInt64() >= 20 * 2, status.ToString());
        Assert.True(status.GetProperty("duplicates").GetInt64() > 0, status.ToString());
        Assert.Equal(0, status.GetProperty("unfilledGaps").GetInt64());
        Assert.True(status.GetProperty("connected").GetBoolean());

        // REST: Coinbase's cursor pagination with limits within the configured page size (≤ 1000).
        var requests = coinbase.RestRequests.ToList();
        Assert.NotEmpty(requests);
        Assert.All(requests, r => Assert.Matches($@"^/products/(BTC|ETH)-{quote}/trades\?limit=[1-7]&after=\d+$", r));
        Assert.True(requests.Count >= 3 * 2, string.Join("\n", requests));

        // Subscriptions as each protocol wants them.
        var subscriptions = coinbase.Subscriptions.Select(s => JsonDocument.Parse(s).RootElement).ToList();
        Assert.All(subscriptions, s => Assert.Equal(configured, s.GetProperty("product_ids").EnumerateArray().Select(p => p.GetString())));
        if (source == "coinbase-exchange")
        {
            Assert.All(subscriptions, s => Assert.Equal(["matches", "heartbeat"], s.GetProperty("channels").EnumerateArray().Select(c => c.GetString())));
        }
        else
        {
            // One channel per subscribe message: market_trades and heartbeats, on every connection.
            Assert.Equal(
                Enumerable.Repeat(new[] { "market_trades", "heartbeats" }, coinbase.Connections).SelectMany(c => c),
                subscriptions.Select(s => s.GetProperty("channel").GetString()));
        }

        var health = await client.GetAsync("/health");
        Assert.True(health.IsSuccessStatusCode, await health.Content.ReadAsStringAsync());
    }
}
