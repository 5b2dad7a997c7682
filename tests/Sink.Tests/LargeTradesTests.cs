using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Alerts;
using BitcoinVolume.TestSupport;
using Xunit.Abstractions;

namespace BitcoinVolume.Sink.Tests;

/// <summary>
/// Large single trades through the development broker → the sink's <c>trades.large</c> consumer → <c>large_trades</c>
/// (SQLite and PostgreSQL) → <c>GET /api/trades/large</c>, and the alert rule kind <c>trade</c> → a webhook receiver on a
/// local Kestrel port: each trade alert arrives exactly once with a valid signature across a sink restart that replays the
/// whole topic (a new consumer group), duplicates on the topic included.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class LargeTradesTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string Secret = "test-secret-" + string.Concat(Enumerable.Range(10, 10));
    private const string Product = "LTR-USD";
    private static readonly DateTimeOffset T0 = new(2026, 8, 9, 10, 0, 0, TimeSpan.Zero);

    private KafkaTestCluster kafka = null!;

    public Task InitializeAsync()
    {
        kafka = KafkaTestCluster.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await kafka.DisposeAsync();

    /// <summary>A large trade at <paramref name="seconds"/> after T0 whose notional is price × size, exactly.</summary>
    private static LargeTrade Trade(string id, double seconds, decimal price, decimal size, TakerSide side = TakerSide.Buy, string venue = Venues.Coinbase) =>
        new(venue, Product, id, T0.AddSeconds(seconds), side, price, size, price * size, "USD");

    [Theory]
    [StoreData("sqlite")]
    [StoreData("postgres")]
    public async Task Large_trades_are_stored_once_served_newest_first_and_each_trade_alert_is_delivered_once_across_a_restart(string kind)
    {
        await using var receiver = await AlertWebhookTests.Receiver.StartAsync(failing: false);
        await using var db = await TestStore.CreateAsync(kind);
        var first = new[]
        {
            Trade("101", 5, 60_000m, 2m),                        // 120 000: below the rule's 150 000
            Trade("102", 20, 60_000.5m, 3.25m, TakerSide.Sell),  // 195 001.625: fires
            Trade("103", 20, 50_000m, 4m),                       // 200 000 at the same time: fires
            Trade("9", 70, 61_000m, 1.75m, venue: Venues.Kraken), // 106 750 on kraken: the rule watches coinbase only
        };
        ProduceWindows();
        Produce(first);
        Produce(first[1], first[2]);                              // duplicates on the topic: harmless by key
        kafka.Produce(Topics.TradesLarge, "coinbase|LTR-USD|x", Encoding.UTF8.GetBytes("{not json"));
        kafka.Produce(Topics.TradesLarge, "coinbase|LTR-USD|y", ContractSerializers.LargeTradeSerializer.Serialize(Trade("104", 30, 1m, 1m) with { Notional = 5m }, default));
        kafka.Flush(TimeSpan.FromSeconds(10));

        await using (var sink = StartSink(db, receiver.Url, "large-1"))
        {
            await AlertWebhookTests.WaitForAsync(() => receiver.Received.Count >= 2, "two trade alerts delivered", () => receiver.Describe());
            using var client = sink.CreateClient();
            await AlertWebhookTests.WaitForAsync(async () => (await GetAsync(client, "venue=all")).Count == 4, "the four valid large trades stored");

            var all = await GetAsync(client, "venue=all");
            var expected = first.OrderByDescending(t => t.Time).ThenBy(t => t.Venue, StringComparer.Ordinal).ThenBy(t => t.TradeId, StringComparer.Ordinal).ToList();
            Assert.Equal(expected.Select(t => Row(t).GetRawText()), all.Select(r => r.GetRawText()));

            // Filters: minNotional, side, limit, venue; the stored threshold is said in the header.
            Assert.Equal(["102", "103"], (await GetAsync(client, "venue=all&minNotional=195000")).Select(r => r.GetProperty("tradeId").GetString()));
            Assert.Equal(["102"], (await GetAsync(client, "venue=coinbase&side=sell")).Select(r => r.GetProperty("tradeId").GetString()));
            Assert.Equal(["9"], (await GetAsync(client, "venue=all&limit=1")).Select(r => r.GetProperty("tradeId").GetString()));
            Assert.Equal(["102", "103", "101"], (await GetAsync(client, "venue=coinbase&minNotional=10")).Select(r => r.GetProperty("tradeId").GetString()));
            using var response = await client.GetAsync(Url("venue=coinbase&minNotional=10"));
            Assert.Equal("USD=100000", Assert.Single(response.Headers.GetValues("X-Min-Notional")));

            var csv = await client.GetStringAsync(Url("venue=coinbase&format=csv&limit=1"));
            Assert.Equal("time,venue,product,tradeId,side,price,size,notional,quote\n2026-08-09T10:00:20Z,coinbase,LTR-USD,102,sell,60000.5,3.25,195001.625,USD\n", csv);
        }

        // Restart with a new consumer group: trades.large is replayed from its start, plus one new trade.
        var late = Trade("105", 200, 70_000m, 3m); // 210 000: fires
        Produce(late);
        await using (var sink = StartSink(db, receiver.Url, "large-2"))
        {
            using var client = sink.CreateClient();
            await AlertWebhookTests.WaitForAsync(() => receiver.Received.Count >= 3, "the new trade's alert delivered", () => receiver.Describe());
            await AlertWebhookTests.WaitForAsync(async () => (await GetAsync(client, "venue=all")).Count == 5, "the replay and the new trade stored");
            await AlertWebhookTests.WaitForAsync(
                async () => JsonDocument.Parse(await client.GetStringAsync("/api/alerts/status")).RootElement.GetProperty("pendingDeliveries").GetInt32() == 0,
                "no pending deliveries");
            await Task.Delay(500); // anything sent twice would arrive now
        }

        output.WriteLine(receiver.Describe());
        var received = receiver.Received.ToList();
        Assert.All(received, r => Assert.Equal(AlertWebhookSender.Sign(Secret, r.Body), r.Signature));
        var alerts = received.Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        Assert.Equal(
            ["big-trade|coinbase|LTR-USD|102", "big-trade|coinbase|LTR-USD|103", "big-trade|coinbase|LTR-USD|105"],
            alerts.Select(a => a.GetProperty("id").GetString()).Order(StringComparer.Ordinal));
        var a102 = alerts.Single(a => a.GetProperty("id").GetString()!.EndsWith("|102", StringComparison.Ordinal));
        Assert.Equal("trade", a102.GetProperty("rule").GetString());
        Assert.Equal("sell", a102.GetProperty("direction").GetString());
        Assert.Equal("195001.625", a102.GetProperty("value").GetRawText());
        Assert.Equal("150000", a102.GetProperty("threshold").GetRawText());
        Assert.All(alerts, a => Assert.Equal(1, a.GetProperty("revision").GetInt64()));
    }

    [Fact]
    public async Task Bad_queries_and_rules_below_the_stored_threshold_are_400_naming_the_field()
    {
        await using var db = await TestStore.CreateAsync("sqlite");
        await db.Store.UpsertAsync([TestData.Window(Product, TakerSide.Buy, T0)]);
        using var sink = new SinkApiFactory(new Dictionary<string, string>
        {
            ["Sink:Store"] = db.Settings.Kind,
            ["ConnectionStrings:volumes"] = db.Settings.ConnectionString,
            ["Sink:LargeTrades:MinNotional:EUR"] = "90000",
        });
        using var client = sink.CreateClient();

        foreach (var (query, field) in new[]
        {
            ($"product={Product}&from=2026-08-09T10:00:00Z&to=2026-08-09T09:00:00Z", "to"),
            ($"product={Product}&to=2026-08-09T11:00:00Z", "from"),
            ($"product={Product}&from=2026-08-09T10:00:00Z&to=2026-08-09T11:00:00Z&minNotional=-5", "minNotional"),
            ($"product={Product}&from=2026-08-09T10:00:00Z&to=2026-08-09T11:00:00Z&minNotional=abc", "minNotional"),
            ($"product={Product}&from=2026-08-09T10:00:00Z&to=2026-08-09T11:00:00Z&side=up", "side"),
            ($"product={Product}&from=2026-08-09T10:00:00Z&to=2026-08-09T11:00:00Z&limit=0", "limit"),
            ($"product=NOPE-USD&from=2026-08-09T10:00:00Z&to=2026-08-09T11:00:00Z", "product"),
            ($"product={Product}&asset=LTR&from=2026-08-09T10:00:00Z&to=2026-08-09T11:00:00Z", "asset"),
        })
        {
            using var response = await client.GetAsync("/api/trades/large?" + query);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), $"{query}: {problem.RootElement}");
        }

        foreach (var (rule, field, says) in new[]
        {
            ("""{"id":"t1","kind":"trade","product":"BTC-USD","notional":50000}""", "notional", "100000"),
            ("""{"id":"t2","kind":"trade","product":"BTC-GBP","notional":500000}""", "notional", "GBP"),
            ("""{"id":"t3","kind":"trade","asset":"BTC","notional":500000}""", "quote", "quote"),
            ("""{"id":"t4","kind":"trade","product":"BTC-USD","quote":"EUR","notional":500000}""", "quote", "USD"),
            ("""{"id":"t5","kind":"trade","asset":"BTC","quote":"EUR","notional":80000}""", "notional", "90000"),
        })
        {
            using var response = await client.PostAsync("/api/alerts/rules", new StringContent(rule, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out var messages), $"{rule}: {problem.RootElement}");
            Assert.Contains(says, messages.GetRawText(), StringComparison.Ordinal);
        }

        using var ok = await client.PostAsync("/api/alerts/rules", new StringContent("""{"id":"t6","kind":"trade","asset":"BTC","quote":"EUR","notional":90000}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
    }

    private static string Url(string query) =>
        $"/api/trades/large?product={Product}&from={CvdApiTests.Iso(T0)}&to={CvdApiTests.Iso(T0.AddHours(1))}&{query}";

    private static async Task<List<JsonElement>> GetAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync(Url(query));
        if (!response.IsSuccessStatusCode)
        {
            return [];
        }

        return [.. JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    /// <summary>The API row of a trade, as the oracle writes it (exact decimals, ISO-8601 UTC).</summary>
    private static JsonElement Row(LargeTrade t) => JsonDocument.Parse(string.Create(
        CultureInfo.InvariantCulture,
        $$"""{"venue":"{{t.Venue}}","product":"{{t.Product}}","tradeId":"{{t.TradeId}}","time":"{{t.Time.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}}","side":"{{(t.Side == TakerSide.Buy ? "buy" : "sell")}}","price":{{t.Price}},"size":{{t.Size}},"notional":{{t.Notional}},"quote":"USD"}""")).RootElement;

    /// <summary>The volumes that the trades are part of (the API serves the streams the sink has volumes of).</summary>
    private void ProduceWindows()
    {
        foreach (var w in new[] { TestData.Window(Product, TakerSide.Buy, T0), TestData.Window(Product, TakerSide.Buy, T0) with { Venue = Venues.Kraken } })
        {
            kafka.Produce(Topics.Volumes1m, w.Key, w, ContractSerializers.WindowSerializer);
        }
    }

    private void Produce(params LargeTrade[] trades)
    {
        foreach (var t in trades)
        {
            kafka.Produce(Topics.TradesLarge, t.Key, t, ContractSerializers.LargeTradeSerializer);
        }

        kafka.Flush(TimeSpan.FromSeconds(10));
    }

    private SinkApiFactory StartSink(TestStore db, string webhook, string groupId)
    {
        var sink = new SinkApiFactory(new Dictionary<string, string>
        {
            ["Sink:Store"] = db.Settings.Kind,
            ["Sink:ConsumerEnabled"] = "true",
            ["ConnectionStrings:kafka"] = kafka.BootstrapServers,
            ["ConnectionStrings:volumes"] = db.Settings.ConnectionString,
            ["Sink:GroupId"] = groupId,
            ["Sink:BatchMaxWaitMs"] = "20",
            ["Sink:Kafka:group.protocol"] = "consumer",
            ["Sink:Alerts:Webhooks:receiver:Url"] = webhook,
            ["Sink:Alerts:Webhooks:receiver:Secret"] = Secret,
            ["Sink:Alerts:Rules:0:Id"] = "big-trade",
            ["Sink:Alerts:Rules:0:Kind"] = "trade",
            ["Sink:Alerts:Rules:0:Product"] = Product,
            ["Sink:Alerts:Rules:0:Venue"] = "coinbase",
            ["Sink:Alerts:Rules:0:Notional"] = "150000",
        });
        sink.StartServer();
        return sink;
    }
}
