using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Consumer;
using BitcoinVolume.Sink.Infrastructure;
using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Xunit.Abstractions;
using static BitcoinVolume.Sink.Tests.TestData;

namespace BitcoinVolume.Sink.Tests;

/// <summary>
/// The database goes away in the middle of a stream and comes back: the consumer retries (bounded), pauses its partitions
/// while still polling, reports Degraded, commits no offset meanwhile, and once the database is back writes everything:
/// the totals end exact. PostgreSQL: the real server is stopped and restarted. SQLite (an embedded file has no server to
/// stop): every write fails while the outage lasts.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DatabaseOutageTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static byte[] Encode(WindowVolume window) =>
        ContractSerializers.WindowSerializer.Serialize(window, new SerializationContext(MessageComponentType.Value, Topics.Volumes1m));

    [Theory]
    [StoreData("sqlite")]
    [StoreData("postgres")]
    public async Task Database_stopped_mid_stream_and_restarted_pauses_then_catches_up_with_exact_totals(string kind)
    {
        await using var db = await TestStore.CreateAsync(kind);
        var log = new EventLog();
        var flaky = new FlakyStore(db.Store, log);
        var consumer = new FakeConsumer(log);
        using var meters = new TestMeterFactory();
        var health = new SinkStatus(TimeProvider.System);
        var options = new SinkOptions { BatchSize = 40, BatchMaxWaitMs = 20, DbRetryAttempts = 2, DbRetryDelayMs = 20, DbRetryPauseMs = 200 };
        var metrics = new SinkMetrics(meters);
        var writer = new VolumeBatchWriter(
            flaky, new ResiliencePipelineBuilder().AddDatabaseRetry(options, metrics).Build(), options, metrics, NullLogger.Instance, TimeProvider.System, health);
        var check = new DatabaseHealthCheck(flaky, health);

        // 3 products x 2 sides x 20 minutes, each window in versions 1..3 (full values): 360 records in three phases.
        var stream = new List<WindowVolume>();
        foreach (var version in new[] { 1, 2, 3 })
        {
            foreach (var product in new[] { "BTC-USD", "ETH-USD", "SOL-USD" })
            {
                for (var minute = 0; minute < 20; minute++)
                {
                    foreach (var side in new[] { TakerSide.Buy, TakerSide.Sell })
                    {
                        stream.Add(Window(
                            product: product, side: side, start: T0.AddMinutes(minute), version: version, trades: version * (minute + 1),
                            baseVolume: (minute + 1) * 0.00012345m * version, quoteVolume: (minute + 1) * 7.6543210987m * version,
                            firstTradeId: 1, lastTradeId: version * (minute + 1)));
                    }
                }
            }
        }

        var offsets = new long[6];
        void Produce(IEnumerable<WindowVolume> windows)
        {
            foreach (var w in windows)
            {
                var partition = (int)((uint)StringComparer.Ordinal.GetHashCode(w.Key) % 6);
                consumer.Enqueue(partition, offsets[partition]++, Encode(w));
            }
        }

        using var stop = new CancellationTokenSource();
        var run = Task.Factory.StartNew(() => writer.Run(consumer, stop.Token), TaskCreationOptions.LongRunning);
        try
        {
            Produce(stream.Take(120));
            await WaitUntilAsync(() => consumer.Remaining == 0 && writer.PendingRecords == 0, "phase 1 written");
            Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

            // Outage.
            StopDatabase(kind, flaky);
            Produce(stream.Skip(120).Take(120));
            await WaitUntilAsync(() => writer.IsPaused && consumer.IsPaused, "consumption paused");
            var commitsWhenPaused = consumer.Commits.Count;
            var pollsWhenPaused = consumer.PausedPolls;
            var degraded = await check.CheckHealthAsync(new HealthCheckContext());
            output.WriteLine($"health while down: {degraded.Status}: {degraded.Description}");
            Assert.Equal(HealthStatus.Degraded, degraded.Status);
            Produce(stream.Skip(240)); // keeps arriving: not fetched while paused
            await Task.Delay(TimeSpan.FromSeconds(kind == "postgres" ? 2 : 1));
            Assert.True(consumer.IsPaused);
            Assert.True(consumer.PausedPolls > pollsWhenPaused, "the paused consumer keeps polling (group membership)");
            Assert.Equal(commitsWhenPaused, consumer.Commits.Count); // no offset committed without a database commit
            Assert.True(consumer.Remaining > 0, "records were buffered in memory instead of left in Kafka");

            // Back: the held batch is written, consumption resumes and catches up.
            StartDatabase(kind, flaky);
            await WaitUntilAsync(() => consumer.Remaining == 0 && writer.PendingRecords == 0 && !writer.IsPaused, "caught up");
            Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
        }
        finally
        {
            StartDatabase(kind, flaky); // never leave the shared server down
            await stop.CancelAsync();
            await run.WaitAsync(Timeout);
        }

        // Every offset committed, and every committed offset was written first.
        var committed = consumer.Commits.SelectMany(c => c).GroupBy(o => o.Partition.Value).ToDictionary(g => g.Key, g => g.Max(o => o.Offset.Value));
        for (var p = 0; p < 6; p++)
        {
            Assert.Equal(offsets[p], committed.GetValueOrDefault(p));
        }

        // Totals exact against the oracle (the last version of each window).
        var oracle = stream.GroupBy(w => w.Key).Select(g => g.MaxBy(w => w.Version)!).ToList();
        var store = db.Reopen();
        foreach (var product in oracle.Select(w => w.Product).Distinct())
        {
            var rows = await store.GetWindowRowsAsync(product, T0, T0.AddHours(1));
            var expected = oracle.Where(w => w.Product == product).ToList();
            Assert.Equal(expected.Count, rows.Count);
            Assert.Equal(expected.Sum(w => w.BaseVolume), rows.Sum(w => w.BaseVolume));
            Assert.Equal(expected.Sum(w => w.QuoteVolume), rows.Sum(w => w.QuoteVolume));
            Assert.Equal(expected.Sum(w => w.Trades), rows.Sum(w => w.Trades));
            Assert.All(rows, r => Assert.Equal(3, r.Version));
        }

        if (store is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }

        output.WriteLine($"{flaky.Attempts} write attempts; events: {string.Join(" | ", log.Snapshot().Where(e => !e.StartsWith("consume", StringComparison.Ordinal)).Take(40))}");
    }

    private static void StopDatabase(string kind, FlakyStore flaky)
    {
        if (kind == "postgres")
        {
            PostgresServer.Control("stop");
        }
        else
        {
            flaky.Down = true;
        }
    }

    private static void StartDatabase(string kind, FlakyStore flaky)
    {
        if (kind == "postgres")
        {
            PostgresServer.Control("start");
        }
        else
        {
            flaky.Down = false;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for: {what}");
            await Task.Delay(20);
        }
    }
}
