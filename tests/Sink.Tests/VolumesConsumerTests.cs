using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;
using Confluent.Kafka;
using static BitcoinVolume.Sink.Tests.TestData;

namespace BitcoinVolume.Sink.Tests;

/// <summary>The whole service against the development broker: consume, write, commit, serve.</summary>
public sealed class VolumesConsumerTests
{
    private const string GroupId = "sink-test";

    [Fact]
    public async Task Consumes_volumes_into_the_database_commits_offsets_and_serves_them()
    {
        await using var kafka = KafkaTestCluster.Start();
        var buyV1 = Window(side: TakerSide.Buy, version: 1, trades: 1, baseVolume: 0.00000001m, quoteVolume: 0.0006m);
        var buyV2 = Window(side: TakerSide.Buy, version: 2, trades: 2, baseVolume: 0.00000003m, quoteVolume: 0.0018000003m);
        var sell = Window(side: TakerSide.Sell, start: T0.AddMinutes(1), version: 5, baseVolume: 123456789.123456789012m, quoteVolume: 1m);
        kafka.Produce(Topics.Volumes1m, buyV2.Key, buyV2, ContractSerializers.WindowSerializer);
        kafka.Produce(Topics.Volumes1m, "garbage", "{not a window"u8.ToArray());
        kafka.Produce(Topics.Volumes1m, buyV1.Key, buyV1, ContractSerializers.WindowSerializer); // older version after newer: ignored
        kafka.Produce(Topics.Volumes1m, sell.Key, sell, ContractSerializers.WindowSerializer);
        kafka.Produce(Topics.Volumes1m, "tombstone", null);
        kafka.Flush();
        var bootstrap = kafka.BootstrapServers;

        await using var factory = new SinkApiFactory(new Dictionary<string, string>
        {
            ["Sink:ConsumerEnabled"] = "true",
            ["ConnectionStrings:kafka"] = bootstrap,
            ["Sink:GroupId"] = GroupId,
            ["Sink:BatchMaxWaitMs"] = "20",
            ["Sink:Kafka:group.protocol"] = "consumer", // KIP-848: joins in ~0.2 s on the mock instead of seconds
        });
        using var client = factory.CreateClient();

        // Every record's offset (bad ones included) ends up committed.
        using var observer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = GroupId }).Build();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        string[] missing;
        do
        {
            await Task.Delay(50);
            missing = Lagging(observer, bootstrap);
        }
        while (missing.Length > 0 && DateTime.UtcNow < deadline);
        Assert.Empty(missing);

        using var json = JsonDocument.Parse(
            await client.GetStringAsync("/api/volumes?product=BTC-USD&from=2026-08-09T21:04:00Z&to=2026-08-09T21:06:00Z"));
        var bars = json.RootElement.EnumerateArray().ToArray();
        Assert.Equal(2, bars.Length);
        Assert.Equal(("2026-08-09T21:04:00Z", "buy", 2L), (bars[0].GetProperty("start").GetString(), bars[0].GetProperty("side").GetString(), bars[0].GetProperty("trades").GetInt64()));
        Assert.Equal(0.00000003m, bars[0].GetProperty("baseVolume").GetDecimal());
        Assert.Equal(0.0018000003m, bars[0].GetProperty("quoteVolume").GetDecimal());
        Assert.Equal(("2026-08-09T21:05:00Z", "sell"), (bars[1].GetProperty("start").GetString(), bars[1].GetProperty("side").GetString()));
        Assert.Equal(123456789.123456789012m, bars[1].GetProperty("baseVolume").GetDecimal());
    }

    [Fact]
    public async Task The_same_window_of_one_product_on_two_venues_in_one_batch_is_stored_once_per_venue()
    {
        // Both records are on the topic before the sink starts, so they reach it in one batch. A batch keyed without the
        // venue would keep only the higher version (coinbase v7) and drop kraken's v2 as "older".
        await using var kafka = KafkaTestCluster.Start();
        var coinbase = Window(version: 7, trades: 4, baseVolume: 0.4m, quoteVolume: 25600.4m, venue: Venues.Coinbase);
        var coinbaseOld = Window(version: 6, trades: 3, baseVolume: 0.3m, quoteVolume: 19200.3m, venue: Venues.Coinbase);
        var kraken = Window(version: 2, trades: 2, baseVolume: 0.25m, quoteVolume: 16000.125m, venue: Venues.Kraken);
        foreach (var window in new[] { coinbaseOld, kraken, coinbase })
        {
            kafka.Produce(Topics.Volumes1m, window.Key, window, ContractSerializers.WindowSerializer);
        }

        kafka.Flush();
        Assert.NotEqual(coinbase.Key, kraken.Key);

        await using var factory = new SinkApiFactory(new Dictionary<string, string>
        {
            ["Sink:ConsumerEnabled"] = "true",
            ["ConnectionStrings:kafka"] = kafka.BootstrapServers,
            ["Sink:GroupId"] = GroupId,
            ["Sink:BatchMaxWaitMs"] = "200",
            ["Sink:Kafka:group.protocol"] = "consumer",
        });
        using var client = factory.CreateClient();

        var stored = new Dictionary<string, JsonElement>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (stored.Count < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            foreach (var venue in new[] { Venues.Coinbase, Venues.Kraken })
            {
                // 400 "no stored volumes" until the venue's first row is written.
                using var response = await client.GetAsync($"/api/volumes?product=BTC-USD&venue={venue}&from=2026-08-09T21:04:00Z&to=2026-08-09T21:05:00Z");
                if (!response.IsSuccessStatusCode)
                {
                    continue;
                }

                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                var rows = json.RootElement.EnumerateArray().ToArray();
                if (rows.Length == 1 && rows[0].GetProperty("trades").GetInt64() == (venue == Venues.Coinbase ? 4 : 2))
                {
                    Assert.Equal(venue, rows[0].GetProperty("venue").GetString());
                    stored[venue] = rows[0].Clone();
                }
            }
        }

        Assert.Equal([Venues.Coinbase, Venues.Kraken], stored.Keys.Order());
        Assert.Equal((4L, 0.4m, 25600.4m), Figures(stored[Venues.Coinbase]));
        Assert.Equal((2L, 0.25m, 16000.125m), Figures(stored[Venues.Kraken]));

        // Summed across the two venues, the row says which venues it covers.
        using var summed = JsonDocument.Parse(await client.GetStringAsync(
            "/api/volumes?product=BTC-USD&venue=coinbase,kraken&from=2026-08-09T21:04:00Z&to=2026-08-09T21:05:00Z"));
        var sum = Assert.Single(summed.RootElement.EnumerateArray());
        Assert.Equal((6L, 0.65m, 41600.525m), Figures(sum));
        Assert.Equal([Venues.Coinbase, Venues.Kraken], sum.GetProperty("venues").EnumerateArray().Select(v => v.GetString()));

        static (long, decimal, decimal) Figures(JsonElement row) =>
            (row.GetProperty("trades").GetInt64(), row.GetProperty("baseVolume").GetDecimal(), row.GetProperty("quoteVolume").GetDecimal());
    }

    /// <summary>Partitions of volumes.1m whose committed offset is behind the end of the log.</summary>
    private static string[] Lagging(IConsumer<Ignore, Ignore> observer, string bootstrap)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        var partitions = admin.GetMetadata(Topics.Volumes1m, TimeSpan.FromSeconds(5)).Topics[0].Partitions
            .Select(p => new TopicPartition(Topics.Volumes1m, p.PartitionId))
            .ToList();
        var committed = observer.Committed(partitions, TimeSpan.FromSeconds(5)).ToDictionary(c => c.Partition.Value, c => c.Offset.Value);
        return partitions
            .Select(p => (p.Partition.Value, End: observer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(5)).High.Value))
            .Where(p => p.End > 0 && (!committed.TryGetValue(p.Item1, out var c) || c < p.End))
            .Select(p => $"{p.Item1}: end {p.End}, committed {(committed.TryGetValue(p.Item1, out var c) ? c : -1)}")
            .ToArray();
    }
}
