using System.Net.Http.Json;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace BitcoinVolume.Ingest.Tests.Venues;

/// <summary>Runs the real ingest (one live source) against a venue fake and reads what it produced, as LiveFeedTests does for Coinbase.</summary>
internal static class VenueLiveTest
{
    /// <summary>What one run produced: the status at the end, the <c>trades</c> records and the dead letters.</summary>
    public sealed record Outcome(JsonElement Status, IReadOnlyList<(string Key, Trade Value)> Trades, IReadOnlyList<DeadLetter> Letters, bool Healthy);

    public static async Task<Outcome> RunAsync(
        KafkaTestCluster kafka, string source, IReadOnlyList<string> products, IReadOnlyDictionary<string, string> settings,
        int expectedTrades, Func<JsonElement, bool> done, int expectedLetters)
    {
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ConnectionStrings:kafka", kafka.BootstrapServers)
                .UseSetting("Ingest:Source", source)
                .UseSetting("Ingest:Live:StallTimeout", "00:00:01")
                .UseSetting("Ingest:Live:ReconnectDelay", "00:00:00.05")
                .UseSetting("Ingest:Live:MaxReconnectDelay", "00:00:00.2")
                .UseSetting("Ingest:Backfill:Delay", "00:00:00.2")
                .UseSetting("Ingest:Backfill:RetryDelay", "00:00:00.2")
                .UseSetting("Ingest:Backfill:PollInterval", "00:00:00.05")
                .UseSetting("Ingest:Backfill:PageSize", "7")
                .UseSetting("Ingest:Backfill:RequestsPerSecond", "50");
            for (var i = 0; i < products.Count; i++)
            {
                web.UseSetting($"Ingest:Products:{i}", products[i]);
            }

            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }
        });
        using var client = factory.CreateClient();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        JsonElement status;
        while (true)
        {
            status = await client.GetFromJsonAsync<JsonElement>("/api/ingest/status", timeout.Token);
            if ((status.GetProperty("trades").GetInt64() >= expectedTrades && done(status)) || timeout.IsCancellationRequested)
            {
                break;
            }

            await Task.Delay(100, timeout.Token);
        }

        var trades = kafka.ReadAll(Topics.Trades, expectedTrades, ContractSerializers.TradeDeserializer, settle: TimeSpan.FromSeconds(1.5));
        var letters = kafka.ReadAll(Topics.TradesDeadLetter, expectedLetters, ContractSerializers.DeadLetterDeserializer, settle: TimeSpan.FromMilliseconds(300));
        var health = await client.GetAsync("/health");
        return new Outcome(status, [.. trades.Select(t => (t.Key, t.Value))], [.. letters.Select(l => l.Value)], health.IsSuccessStatusCode);
    }

    /// <summary>Exactly the server's trades: none missing, none twice, every field (venue and taker side) right, key = venue|product.</summary>
    public static void AssertExactly(IEnumerable<Trade> expected, IReadOnlyList<(string Key, Trade Value)> produced)
    {
        var wanted = expected.ToList();
        Assert.Equal(wanted.Count, produced.Count);
        // Text ids (Bybit linear) order the trades that share a TradeId (its seq).
        Assert.Equal(
            wanted.OrderBy(t => t.Product, StringComparer.Ordinal).ThenBy(t => t.TradeId).ThenBy(t => t.TextId, StringComparer.Ordinal),
            produced.Select(t => t.Value).OrderBy(t => t.Product, StringComparer.Ordinal).ThenBy(t => t.TradeId).ThenBy(t => t.TextId, StringComparer.Ordinal));
        Assert.All(produced, t => Assert.Equal(StreamKey.Of(t.Value.Venue, t.Value.Product), t.Key));
        Assert.Contains(produced, t => t.Value.Side == TakerSide.Buy);
        Assert.Contains(produced, t => t.Value.Side == TakerSide.Sell);
    }

    /// <summary>
    /// A connection on which nothing trades (<see cref="ScriptedVenueFake.ServeQuietAsync"/>), watched for 5 s with a 2.5 s
    /// stall watchdog (pings of 0.3 s: loose enough for a loaded CI machine): with the venue's application ping on, only the ping's answers arrive and must keep the one
    /// connection (no reconnect, healthy); with it off the quiet socket is taken for stalled, which shows the test sees it.
    /// </summary>
    public static async Task AssertQuietConnectionAsync(KafkaTestCluster kafka, ScriptedVenueFake fake, string source, IReadOnlyDictionary<string, string> settings, bool pingOn)
    {
        ArgumentNullException.ThrowIfNull(fake);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var watched = new Dictionary<string, string>(settings) { ["Ingest:Live:StallTimeout"] = "00:00:02.5" };
        var outcome = await RunAsync(kafka, source, fake.Products, watched, expectedTrades: 0, done: _ => watch.Elapsed > TimeSpan.FromSeconds(5), expectedLetters: 0);

        var reconnects = outcome.Status.GetProperty("reconnects").GetInt64();
        if (pingOn)
        {
            Assert.Equal(0, reconnects);
            Assert.Equal(1, fake.Connections);
            Assert.True(fake.QuietPingsAnswered >= 5, $"{fake.QuietPingsAnswered} pings answered");
            Assert.True(outcome.Status.GetProperty("connected").GetBoolean(), outcome.Status.ToString());
            Assert.True(outcome.Healthy);
        }
        else
        {
            Assert.True(reconnects >= 1, outcome.Status.ToString());
            Assert.Equal(0, fake.QuietPingsAnswered);
        }

        Assert.Empty(outcome.Trades);
        Assert.Empty(outcome.Letters);
    }

    /// <summary>
    /// A product the venue refused is reported: <c>/health</c> unhealthy and the status's <c>refusals</c> naming it with the
    /// venue's reason (it never traded, so the refusal stands), while the other products flowed.
    /// </summary>
    public static void AssertRefusalReported(Outcome outcome, string product)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        Assert.False(outcome.Healthy);
        var refusal = Assert.Single(outcome.Status.GetProperty("refusals").EnumerateArray());
        Assert.Equal(product, refusal.GetProperty("product").GetString());
        Assert.True(refusal.GetProperty("refusals").GetInt32() >= 1, refusal.ToString());
        Assert.False(string.IsNullOrEmpty(refusal.GetProperty("reason").GetString()));
    }
}
