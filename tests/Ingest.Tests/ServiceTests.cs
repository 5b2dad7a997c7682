using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Sources;
using BitcoinVolume.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;

namespace BitcoinVolume.Ingest.Tests;

/// <summary>The service with the synthetic source: recording while it runs, and Kafka going away under load.</summary>
public sealed class ServiceTests : IAsyncLifetime
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"bv-svc-{Guid.NewGuid():N}");
    private KafkaTestCluster kafka = null!;

    public Task InitializeAsync()
    {
        kafka = KafkaTestCluster.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await kafka.DisposeAsync();
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Synthetic_load_is_produced_and_recorded_frame_for_frame()
    {
        const string synthetic = "synthetic:products=5,rate=0,seed=3,count=3000";
        await using var factory = Host(synthetic, ("Ingest:Record:Path", folder));
        using var client = factory.CreateClient();
        await WaitAsync(client, s => s.GetProperty("finished").GetBoolean(), TimeSpan.FromSeconds(30));

        var trades = kafka.ReadAll(Topics.Trades, 3000, ContractSerializers.TradeDeserializer);
        Assert.Equal(3000, trades.Count);
        Assert.Equal(3000, trades.Select(t => (t.Value.Product, t.Value.TradeId)).Distinct().Count());
        Assert.Equal(5, trades.Select(t => t.Key).Distinct().Count());

        // The recording holds exactly the frames the source generated, in order, and replays them.
        await factory.DisposeAsync(); // closes the recording
        var generated = new SyntheticSource(SyntheticOptions.Parse(synthetic["synthetic:".Length..])).Generate().Select(Encoding.UTF8.GetString).ToList();
        var replayed = new List<string>();
        await foreach (var frame in new ReplayFileSource(folder).ReadFramesAsync(CancellationToken.None))
        {
            replayed.Add(Encoding.UTF8.GetString(frame.Data.Span));
        }

        Assert.Equal(generated, replayed);
    }

    [Fact]
    public async Task When_kafka_goes_away_buffering_stays_bounded_the_reader_is_held_back_and_health_turns_unhealthy()
    {
        await using var factory = Host("synthetic:products=3,rate=0,seed=1,count=0",
            ("Ingest:Kafka:MaxBufferedMessages", "2000"),
            ("Ingest:Kafka:UnhealthyAfter", "00:00:01"),
            ("Ingest:Kafka:FlushTimeout", "00:00:01"));
        using var client = factory.CreateClient();
        await WaitAsync(client, s => s.GetProperty("delivered").GetInt64() > 10_000, TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);

        await kafka.DisposeAsync();

        // Health turns unhealthy, and says why.
        var health = await WaitForHealthAsync(client, HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(20));
        Assert.Contains("Unhealthy", health, StringComparison.Ordinal);

        // Back-pressure: the producer's buffer fills to its bound and stays there, and the reader stops taking frames.
        await WaitAsync(client, s => s.GetProperty("producerQueueDepth").GetInt64() == 2000, TimeSpan.FromSeconds(20));
        var first = await client.GetFromJsonAsync<JsonElement>("/api/ingest/status");
        await Task.Delay(TimeSpan.FromSeconds(1));
        var second = await client.GetFromJsonAsync<JsonElement>("/api/ingest/status");
        Assert.Equal(2000, second.GetProperty("producerQueueDepth").GetInt64());
        Assert.True(first.GetProperty("frames").GetInt64() == second.GetProperty("frames").GetInt64(), $"{first}\n{second}");

        // Nothing was given up: buffered messages are retried, not failed.
        Assert.Equal(0, second.GetProperty("deliveryErrors").GetInt64());
    }

    [Fact]
    public async Task What_is_buffered_while_kafka_is_down_is_delivered_when_it_is_back()
    {
        const int count = 30_000;
        await using var factory = Host($"synthetic:products=3,rate=0,seed=5,count={count},heartbeats=false",
            ("Ingest:Kafka:MaxBufferedMessages", "2000"),
            ("Ingest:Kafka:UnhealthyAfter", "00:00:01"));
        using var client = factory.CreateClient();
        await WaitAsync(client, s => s.GetProperty("delivered").GetInt64() > 5_000, TimeSpan.FromSeconds(30));

        var port = kafka.Port;
        await kafka.DisposeAsync();
        await WaitAsync(client, s => s.GetProperty("producerQueueDepth").GetInt64() == 2000, TimeSpan.FromSeconds(20));
        var before = (await client.GetFromJsonAsync<JsonElement>("/api/ingest/status")).GetProperty("delivered").GetInt64();

        // A new (empty) broker on the same address: the producer delivers its buffer and the reader goes on.
        kafka = KafkaTestCluster.Start(port);
        await WaitAsync(client, s => s.GetProperty("finished").GetBoolean(), TimeSpan.FromSeconds(60));
        var status = await client.GetFromJsonAsync<JsonElement>("/api/ingest/status");
        Assert.Equal(0, status.GetProperty("deliveryErrors").GetInt64());
        Assert.Equal(count, status.GetProperty("delivered").GetInt64());

        // The new broker holds exactly what was not acknowledged before the outage: nothing lost, nothing twice.
        var trades = kafka.ReadAll(Topics.Trades, (int)(count - before), ContractSerializers.TradeDeserializer);
        Assert.Equal(count - before, trades.Count);
        Assert.Equal(trades.Count, trades.Select(t => (t.Value.Product, t.Value.TradeId)).Distinct().Count());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }

    private WebApplicationFactory<Program> Host(string source, params (string Key, string Value)[] settings) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ConnectionStrings:kafka", kafka.BootstrapServers).UseSetting("Ingest:Source", source);
            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }
        });

    private static async Task WaitAsync(HttpClient client, Func<JsonElement, bool> done, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (!done(await client.GetFromJsonAsync<JsonElement>("/api/ingest/status", cancel.Token)))
        {
            await Task.Delay(100, cancel.Token);
        }
    }

    private static async Task<string> WaitForHealthAsync(HttpClient client, HttpStatusCode status, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (true)
        {
            using var response = await client.GetAsync("/health", cancel.Token);
            if (response.StatusCode == status)
            {
                return await response.Content.ReadAsStringAsync(cancel.Token);
            }

            await Task.Delay(200, cancel.Token);
        }
    }
}
