using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Status;
using BitcoinVolume.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace BitcoinVolume.Sink.Tests;

/// <summary>
/// <c>GET /api/status</c> from topic <c>status</c> over the development broker (TCP): the sink's status consumer reads the
/// reports ingest and the aggregator publish, a silent publisher is shown as stale (not as its last state), a tombstone
/// removes a report, a newer report replaces one, and a record that is not a report is counted and skipped.
/// </summary>
public sealed class StatusApiTests : IAsyncLifetime
{
    private KafkaTestCluster kafka = null!;

    public Task InitializeAsync()
    {
        kafka = KafkaTestCluster.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await kafka.DisposeAsync();

    /// <summary>A report as ingest publishes it for a venue.</summary>
    public static StatusReport Venue(string venue, string state, string? reason, DateTimeOffset publishedAt, int attempts = 0, DateTimeOffset? lastTradeAt = null, int openGaps = 0, string? detail = null) =>
        new(StatusServices.Ingest, venue, state, reason, publishedAt.AddSeconds(-40), publishedAt)
        {
            Venue = venue,
            Detail = detail,
            Attempts = attempts,
            LastTradeAt = lastTradeAt,
            OpenGaps = openGaps,
            Products = ["BTC-USD"],
            HeartbeatSeconds = 5,
        };

    [Fact]
    public async Task Status_names_each_venue_with_state_and_reason_the_aggregator_lag_and_the_database_and_a_silent_publisher_is_stale()
    {
        var now = DateTimeOffset.UtcNow;
        var lastTrade = now.AddSeconds(-3);
        Produce(Venue(Venues.Coinbase, StatusStates.Reconnecting, "connect_failed", now, attempts: 8, detail: "Name or service not known (ws-feed.exchange.coinbase.com:443)"));
        Produce(Venue(Venues.Binance, StatusStates.Connected, null, now, lastTradeAt: lastTrade, openGaps: 1));
        Produce(Venue(Venues.Kraken, StatusStates.Connected, null, now.AddMinutes(-10), lastTradeAt: now.AddMinutes(-10)));
        Produce(new StatusReport(StatusServices.Aggregate, "host:aggregate-state", StatusStates.Running, null, now.AddMinutes(-1), now)
        {
            Watermark = now.AddSeconds(-3.5),
            WatermarkLagSeconds = 3.5m,
            Partitions = [new PartitionWatermark(0, now.AddSeconds(-3.5), 3.5m), new PartitionWatermark(1, null, null)],
        });
        kafka.Produce(Topics.Status, "ingest|okx", "not a report"u8.ToArray());
        kafka.Flush();

        await using var sink = StartSink("sink-status-test");
        using var http = sink.CreateClient();
        var status = await WaitForStatusAsync(http, s => s.GetProperty("venues").GetArrayLength() == 3, "three venues reported");

        var venues = status.GetProperty("venues").EnumerateArray().ToList();
        Assert.Equal(["coinbase", "binance", "kraken"], venues.Select(v => v.GetProperty("venue").GetString()));

        var coinbase = venues[0];
        Assert.Equal("Coinbase", coinbase.GetProperty("name").GetString());
        Assert.Equal("reconnecting", coinbase.GetProperty("state").GetString());
        Assert.Equal("connect_failed", coinbase.GetProperty("reason").GetString());
        Assert.Equal(8, coinbase.GetProperty("attempts").GetInt32());
        Assert.Contains("Name or service not known", coinbase.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, coinbase.GetProperty("lastTradeAt").ValueKind);
        Assert.Equal(now.AddSeconds(-40), coinbase.GetProperty("since").GetDateTimeOffset());
        Assert.False(coinbase.GetProperty("stale").GetBoolean());

        var binance = venues[1];
        Assert.Equal("connected", binance.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, binance.GetProperty("reason").ValueKind);
        Assert.Equal(lastTrade, binance.GetProperty("lastTradeAt").GetDateTimeOffset());
        Assert.Equal(1, binance.GetProperty("openGaps").GetInt32());

        // Kraken's publisher has been silent for 10 minutes (> Sink:StatusStaleAfterSeconds = 30): stale, not connected.
        var kraken = venues[2];
        Assert.Equal("stale", kraken.GetProperty("state").GetString());
        Assert.Equal("no_report", kraken.GetProperty("reason").GetString());
        Assert.Equal("connected", kraken.GetProperty("reportedState").GetString());
        Assert.True(kraken.GetProperty("stale").GetBoolean());

        var aggregator = status.GetProperty("aggregator");
        Assert.Equal("running", aggregator.GetProperty("state").GetString());
        Assert.Equal(3.5m, aggregator.GetProperty("watermarkLagSeconds").GetDecimal());
        var instance = Assert.Single(aggregator.GetProperty("instances").EnumerateArray());
        Assert.Equal(2, instance.GetProperty("partitions").GetArrayLength());

        var database = status.GetProperty("database");
        Assert.Equal("sqlite", database.GetProperty("store").GetString());
        Assert.Equal("ok", database.GetProperty("state").GetString());
        Assert.True(status.GetProperty("consuming").GetBoolean());

        // The record that is not a report was counted and skipped (okx is not listed).
        Assert.Equal(1, sink.Services.GetRequiredService<StatusBoard>().Invalid);

        // Coinbase connects (a newer report replaces the old one); binance's report is removed (tombstone).
        Produce(Venue(Venues.Coinbase, StatusStates.Connected, null, DateTimeOffset.UtcNow, lastTradeAt: DateTimeOffset.UtcNow));
        kafka.Produce(Topics.Status, StatusReport.KeyOf(StatusServices.Ingest, Venues.Binance), null);
        kafka.Flush();
        status = await WaitForStatusAsync(
            http,
            s => s.GetProperty("venues").GetArrayLength() == 2 && s.GetProperty("venues")[0].GetProperty("state").GetString() == "connected",
            "coinbase connected, binance removed");
        Assert.Equal(["coinbase", "kraken"], status.GetProperty("venues").EnumerateArray().Select(v => v.GetProperty("venue").GetString()));
    }

    [Fact]
    public async Task Without_the_consumer_status_says_nothing_is_read_and_names_the_database()
    {
        await using var sink = new SinkApiFactory();
        using var http = sink.CreateClient();
        using var json = JsonDocument.Parse(await http.GetStringAsync("/api/status"));
        var status = json.RootElement;
        Assert.False(status.GetProperty("consuming").GetBoolean());
        Assert.Equal(0, status.GetProperty("venues").GetArrayLength());
        Assert.Equal("unknown", status.GetProperty("aggregator").GetProperty("state").GetString());
        Assert.Equal("ok", status.GetProperty("database").GetProperty("state").GetString());
    }

    private void Produce(StatusReport report) => kafka.Produce(Topics.Status, report.Key, report, ContractSerializers.StatusSerializer);

    private SinkApiFactory StartSink(string groupId) => new(new Dictionary<string, string>
    {
        ["Sink:ConsumerEnabled"] = "true",
        ["ConnectionStrings:kafka"] = kafka.BootstrapServers,
        ["Sink:GroupId"] = groupId,
        ["Sink:StatusStaleAfterSeconds"] = "30",
    });

    /// <summary>Polls <c>/api/status</c> until <paramref name="condition"/> holds (45 s at most).</summary>
    public static async Task<JsonElement> WaitForStatusAsync(HttpClient http, Func<JsonElement, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        while (true)
        {
            using var json = JsonDocument.Parse(await http.GetStringAsync("/api/status"));
            if (condition(json.RootElement))
            {
                return json.RootElement.Clone();
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for /api/status: {what}; last: {json.RootElement}");
            await Task.Delay(100);
        }
    }
}
