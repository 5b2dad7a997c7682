using System.Net.Http.Json;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Gaps;
using BitcoinVolume.Ingest.Recovery;
using BitcoinVolume.TestSupport;
using Confluent.Kafka;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BitcoinVolume.Ingest.Tests;

/// <summary>Restart recovery: ingest seeds its dedup and gap state from the tail of `trades` before reading the source.</summary>
public sealed class RestartRecoveryTests : IAsyncLifetime
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private KafkaTestCluster kafka = null!;

    public Task InitializeAsync()
    {
        kafka = KafkaTestCluster.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await kafka.DisposeAsync();

    [Fact]
    public void Restore_sets_floor_and_high_water_mark_and_reopens_the_holes_still_open_at_the_end_of_the_tail()
    {
        var observer = new RecordingObserver();
        var gate = new TradeGate(new GapOptions(), GapMode.Backfill, 100_000, observer, time);

        // Produced before the crash: 100..110, a gap 111..114 that a backfill filled (arriving later), a gap 116..119 still open.
        long[] tail = [100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 115, 120, 121, 111, 112, 113, 114, 122];
        Assert.Equal(1, gate.Restore("BTC-USD", tail));

        Assert.Equal(122, gate.HighWaterMark("BTC-USD"));
        Assert.Equal([new TradeIdRange(116, 119)], gate.GapsOf("BTC-USD"));
        Assert.Equal([("BTC-USD", new TradeIdRange(116, 119), "recovery")], observer.Detected);
        Assert.Equal(Admission.Duplicate, gate.Admit("BTC-USD", 122));
        Assert.Equal(Admission.Duplicate, gate.Admit("BTC-USD", 112));
        Assert.Equal(Admission.Stale, gate.Admit("BTC-USD", 99));
        Assert.Equal(Admission.FillsGap, gate.Admit("BTC-USD", 117));

        // The first live trade after the restart opens the gap from the stored high-water mark.
        Assert.Equal(Admission.New, gate.Admit("BTC-USD", 130));
        Assert.Equal([new TradeIdRange(116, 116), new TradeIdRange(118, 119), new TradeIdRange(123, 129)], gate.GapsOf("BTC-USD"));

        // A product already tracked, or an empty tail, is left alone.
        Assert.Equal(0, gate.Restore("BTC-USD", [1, 5]));
        Assert.Equal(0, gate.Restore("ETH-USD", []));
        Assert.Null(gate.HighWaterMark("ETH-USD"));
    }

    [Fact]
    public async Task The_tail_reader_reads_at_most_the_last_N_records_of_every_partition_and_skips_records_that_are_not_trades()
    {
        for (var id = 1; id <= 500; id++)
        {
            foreach (var product in new[] { "BTC-USD", "ETH-USD", "SOL-USD" })
            {
                kafka.Produce(Topics.Trades, product, new Trade(product, id, DateTimeOffset.UnixEpoch.AddDays(20_000), 1m, 1m, TakerSide.Buy), ContractSerializers.TradeSerializer);
            }
        }

        kafka.Produce(Topics.Trades, "BTC-USD", "not json"u8.ToArray());
        kafka.Flush();

        var tail = TradeTailReader.Read(new ClientConfig { BootstrapServers = kafka.BootstrapServers }, new RecoveryOptions { MaxRecordsPerPartition = 100 }, NullLogger.Instance, CancellationToken.None);

        Assert.True(tail.Complete);
        Assert.Equal(["BTC-USD", "ETH-USD", "SOL-USD"], tail.IdsByStream.Keys.Order());
        foreach (var ids in tail.IdsByStream.Values)
        {
            // Each product on its own partition (or sharing one): its last ids, in offset order, ending with 500.
            Assert.Equal(500, ids[^1]);
            Assert.True(ids.Count <= 100, $"{ids.Count} ids");
            Assert.Equal(Enumerable.Range(501 - ids.Count, ids.Count).Select(i => (long)i), ids);
        }

        Assert.True(tail.Records <= tail.Partitions * 100);
    }

    [Fact]
    public async Task After_a_restart_nothing_already_produced_is_produced_again_and_a_gap_open_at_the_crash_is_backfilled()
    {
        await using var coinbase = await FakeCoinbase.StartAsync("BTC-USD", "ETH-USD");

        // The previous run produced indexes 0..49 of each product, except 45..47 (a gap still open when it was killed).
        var before = coinbase.Trades.SelectMany(list => list.Take(50).Where((_, i) => i is < 45 or > 47)).ToList();
        await kafka.ProduceTradesAsync(before, TimeSpan.Zero, CancellationToken.None);

        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseSetting("ConnectionStrings:kafka", kafka.BootstrapServers)
            .UseSetting("Ingest:Source", "coinbase-exchange")
            .UseSetting("Ingest:Products:0", "BTC-USD")
            .UseSetting("Ingest:Products:1", "ETH-USD")
            .UseSetting("Ingest:Live:ExchangeUrl", coinbase.ExchangeUrl.ToString())
            .UseSetting("Ingest:Live:RestUrl", coinbase.BaseUrl.ToString())
            .UseSetting("Ingest:Live:StallTimeout", "00:00:01")
            .UseSetting("Ingest:Live:ReconnectDelay", "00:00:00.05")
            .UseSetting("Ingest:Live:MaxReconnectDelay", "00:00:00.2")
            .UseSetting("Ingest:Backfill:Delay", "00:00:00.2")
            .UseSetting("Ingest:Backfill:RetryDelay", "00:00:00.2")
            .UseSetting("Ingest:Backfill:PollInterval", "00:00:00.05")
            .UseSetting("Ingest:Backfill:RequestsPerSecond", "50")
            .UseSetting("Ingest:Parser:MaxFrameBytes", "65536"));
        using var client = factory.CreateClient();
        var expected = coinbase.AllTrades.ToList();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        JsonElement status;
        while (true)
        {
            status = await client.GetFromJsonAsync<JsonElement>("/api/ingest/status", timeout.Token);
            if (status.GetProperty("trades").GetInt64() >= expected.Count - before.Count && status.GetProperty("openGaps").GetInt32() == 0)
            {
                break;
            }

            await Task.Delay(100, timeout.Token);
        }

        // Exactly every trade once: the 47 of each product from before, the rest from this run (stream + backfill).
        var trades = kafka.ReadAll(Topics.Trades, expected.Count, ContractSerializers.TradeDeserializer, settle: TimeSpan.FromSeconds(1.5));
        Assert.Equal(expected.Count, trades.Count);
        Assert.Equal(expected.OrderBy(t => t.Product).ThenBy(t => t.TradeId), trades.Select(t => t.Value).OrderBy(t => t.Product).ThenBy(t => t.TradeId));
        Assert.Equal(expected.Count - before.Count, status.GetProperty("trades").GetInt64());

        // The reopened holes (45..47) were fetched from REST.
        var firstHeld = coinbase.Trades.Select(list => list[48].TradeId).ToList();
        Assert.All(firstHeld, id => Assert.Contains(coinbase.RestRequests, r => r.Contains($"after={id}", StringComparison.Ordinal)));
    }

    private sealed class RecordingObserver : IGapObserver
    {
        public List<(string Product, TradeIdRange Range, string Cause)> Detected { get; } = [];

        public void GapDetected(string product, TradeIdRange range, string cause) => Detected.Add((product, range, cause));

        public void GapUnfilled(string product, TradeIdRange range, int attempts, string reason)
        {
        }
    }
}
