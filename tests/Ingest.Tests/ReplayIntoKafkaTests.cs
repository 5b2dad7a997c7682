extern alias DevBroker;
using System.Net.Http.Json;
using System.Text.Json;
using BitcoinVolume.Contracts;
using Confluent.Kafka;
using DevBroker::BitcoinVolume.DevBroker;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace BitcoinVolume.Ingest.Tests;

/// <summary>
/// Ingest.Service as a host, replaying a recording with malformed lines mixed in, producing to the development broker
/// over TCP: the trades topic holds exactly the file's trades (taker side), and every bad line is on trades.dlq.
/// </summary>
public class ReplayIntoKafkaTests : IAsyncLifetime
{
    private DevelopmentBroker broker = null!;
    private readonly string file = Path.Combine(Path.GetTempPath(), $"bv-replay-{Guid.NewGuid():N}.ndjson");

    public Task InitializeAsync()
    {
        broker = DevelopmentBroker.Start(new DevelopmentBrokerOptions { Port = 0 }, NullLogger.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await broker.DisposeAsync();
        File.Delete(file);
    }

    [Fact]
    public async Task Replay_produces_every_trade_once_with_the_taker_side_and_dead_letters_bad_lines()
    {
        var lines = File.ReadAllLines(TestData.RecordedExchangeFile).ToList();
        string[] bad =
        [
            "{this is not json",
            """{"type":"match","trade_id":1,"side":"sell","size":"-5","price":"1","product_id":"SKL-USD","time":"2021-04-17T16:43:37Z"}""",
            """{"type":"brand_new_type"}""",
        ];
        lines.Insert(10, bad[0]);
        lines.Insert(500, bad[1]);
        lines.Insert(5000, bad[2]);
        lines.Insert(20, string.Empty);
        await File.WriteAllLinesAsync(file, lines);

        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseSetting("ConnectionStrings:kafka", broker.BootstrapServers)
            .UseSetting("Ingest:Source", $"replay:{file}"));
        using var client = factory.CreateClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!(await client.GetFromJsonAsync<JsonElement>("/api/ingest/status", timeout.Token)).GetProperty("finished").GetBoolean())
        {
            await Task.Delay(100, timeout.Token);
        }

        var expected = File.ReadLines(TestData.RecordedExchangeFile)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("type").GetString() is "match" or "last_match")
            .Select(e => (e.GetProperty("product_id").GetString()!, e.GetProperty("trade_id").GetInt64(), e.GetProperty("side").GetString() == "sell" ? TakerSide.Buy : TakerSide.Sell))
            .ToHashSet();
        var trades = ReadAll(Topics.Trades, expected.Count, ContractSerializers.TradeDeserializer);
        var letters = ReadAll(Topics.TradesDeadLetter, bad.Length, ContractSerializers.DeadLetterDeserializer);

        Assert.Equal(expected.Count, trades.Count);
        Assert.True(expected.SetEquals(trades.Select(t => (t.Value.Product, t.Value.TradeId, t.Value.Side))));
        Assert.All(trades, t => Assert.Equal(t.Value.Product, t.Key));
        Assert.Equal(
            [("malformed_json", bad[0]), ("non_positive_size", bad[1]), ("unknown_type", bad[2])],
            letters.Select(l => (l.Value.Reason, l.Value.Raw)));
        Assert.All(letters, l => Assert.StartsWith($"replay:{file}:", l.Value.Source, StringComparison.Ordinal));
    }

    /// <summary>Reads a topic from the beginning of every partition until <paramref name="count"/> records, then 1 s more to catch extras.</summary>
    private List<(string Key, T Value)> ReadAll<T>(string topic, int count, IDeserializer<T> deserializer)
    {
        using var consumer = new ConsumerBuilder<string, T>(new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = $"test-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
        }).SetValueDeserializer(deserializer).Build();
        var partitions = Topics.All.Single(t => t.Name == topic).Partitions;
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var records = new List<(string, T)>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        DateTime? settleUntil = null;
        while (DateTime.UtcNow < (settleUntil ?? deadline))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } record)
            {
                records.Add((record.Message.Key, record.Message.Value));
            }

            if (records.Count >= count && settleUntil is null)
            {
                settleUntil = DateTime.UtcNow.AddSeconds(1);
            }
        }

        return records;
    }
}
