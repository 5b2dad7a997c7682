using System.Diagnostics.Metrics;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Consumer;
using BitcoinVolume.Sink.Infrastructure;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using static BitcoinVolume.Sink.Tests.TestData;

namespace BitcoinVolume.Sink.Tests;

public sealed class VolumeBatchWriterTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly TempDatabase db = new();
    private readonly TestMeterFactory meters = new();
    private readonly EventLog log = new();
    private readonly FlakyStore store;
    private readonly FakeConsumer consumer;

    public VolumeBatchWriterTests()
    {
        store = new FlakyStore(new SqliteVolumeStore(db.ConnectionString), log);
        consumer = new FakeConsumer(log);
    }

    public void Dispose()
    {
        meters.Dispose();
        db.Dispose();
    }

    private static byte[] Encode(WindowVolume window) =>
        ContractSerializers.WindowSerializer.Serialize(window, new SerializationContext(MessageComponentType.Value, Topics.Volumes1m));

    private static SinkOptions Options(int batchSize = 1000, int retries = 2) => new()
    {
        BatchSize = batchSize,
        BatchMaxWaitMs = 50,
        DbRetryAttempts = retries,
        DbRetryDelayMs = 1,
        DbRetryPauseMs = 1,
    };

    private VolumeBatchWriter Writer(SinkOptions options) => new(
        store,
        new ResiliencePipelineBuilder().AddDatabaseRetry(options).Build(),
        options,
        new SinkMetrics(meters),
        NullLogger.Instance);

    /// <summary>Runs the writer until <paramref name="done"/> holds (or times out), then stops it.</summary>
    private async Task RunUntilAsync(VolumeBatchWriter writer, Func<bool> done)
    {
        using var cts = new CancellationTokenSource();
        var run = Task.Factory.StartNew(() => writer.Run(consumer, cts.Token), TaskCreationOptions.LongRunning);
        var deadline = DateTime.UtcNow + Timeout;
        var reached = done();
        while (!reached && DateTime.UtcNow < deadline && !run.IsCompleted)
        {
            await Task.Delay(5);
            reached = done();
        }

        await cts.CancelAsync();
        await run.WaitAsync(Timeout);
        Assert.True(reached, "condition not reached; events: " + string.Join(" | ", log.Snapshot()));
    }

    private Task<IReadOnlyList<WindowVolume>> ReadAllAsync() =>
        new SqliteVolumeStore(db.ConnectionString).GetWindowRowsAsync(Venues.Coinbase, "BTC-USD", DateTimeOffset.UnixEpoch, T0.AddDays(1));

    [Fact]
    public async Task Writes_the_newest_version_per_window_then_commits_next_offsets_and_skips_bad_records()
    {
        var invalid = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Name == "sink.records.invalid")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            lock (invalid)
            {
                invalid.Add((string)tags[0].Value!);
            }
        });
        listener.Start();

        consumer.Enqueue(0, 10, Encode(Window(version: 1, trades: 1)));
        consumer.Enqueue(0, 11, "{oops"u8.ToArray());
        consumer.Enqueue(1, 40, Encode(Window(side: TakerSide.Sell, version: 3)));
        consumer.Enqueue(0, 12, Encode(Window(version: 2, trades: 2)));
        consumer.Enqueue(0, 13, Encode(Window(version: 1, trades: 1))); // stale duplicate
        consumer.Enqueue(2, 7, "{oops again"u8.ToArray());                // only bad records on partition 2
        consumer.Enqueue(2, 8, null);

        await RunUntilAsync(Writer(Options()), () => consumer.Commits.Count >= 1);

        var commit = Assert.Single(consumer.Commits);
        Assert.Equal(["0:14", "1:41", "2:9"], commit.Select(o => $"{o.Partition.Value}:{o.Offset.Value}").ToArray());
        var events = log.Snapshot();
        Assert.Equal(["write 2 rows", "commit 0:14 1:41 2:9"], events.Where(e => !e.StartsWith("consume", StringComparison.Ordinal)).ToArray());

        var rows = await ReadAllAsync();
        Assert.Equal([(TakerSide.Buy, 2L, 2L), (TakerSide.Sell, 3L, 3L)], rows.Select(r => (r.Side, r.Version, r.Trades)).ToArray());
        lock (invalid)
        {
            Assert.Equal(["malformed_json", "malformed_json", "tombstone"], invalid.Order(StringComparer.Ordinal).ToArray());
        }
    }

    [Fact]
    public async Task Batches_are_cut_at_batch_size()
    {
        for (var i = 0; i < 5; i++)
        {
            consumer.Enqueue(0, i, Encode(Window(start: T0.AddMinutes(i))));
        }

        await RunUntilAsync(Writer(Options(batchSize: 2)), () => consumer.Commits.Count >= 3);

        Assert.Equal([2L, 4L, 5L], consumer.Commits.Select(c => Assert.Single(c).Offset.Value).ToArray());
        Assert.Equal(5, (await ReadAllAsync()).Count);
    }

    [Fact]
    public async Task Database_failures_retry_the_same_batch_without_consuming_more_and_commit_only_after_the_write()
    {
        store.FailuresLeft = 7; // more than one round of retries (1 try + 2 retries)
        consumer.Enqueue(0, 0, Encode(Window(start: T0)));
        consumer.Enqueue(0, 1, Encode(Window(start: T0.AddMinutes(1))));

        // The batch closes on its size (2), never on time: a first decode that JIT-compiles on a loaded machine can take
        // longer than the default wait and would otherwise close the batch after one record.
        var options = Options(batchSize: 2);
        options.BatchMaxWaitMs = 10_000;
        var writer = Writer(options);
        await RunUntilAsync(writer, () => consumer.Commits.Count >= 1 && !writer.IsPaused);

        // 1 try + 2 retries fail: the partitions are paused (nothing more is fetched) and the batch is retried until written.
        var events = log.Snapshot();
        Assert.Equal(
            [
                "consume 0@0", "consume 0@1", .. Enumerable.Repeat("write failed", 3), "pause 0 1 2 3 4 5",
                .. Enumerable.Repeat("write failed", 4), "write 2 rows", "commit 0:2", "resume 0 1 2 3 4 5",
            ],
            events);
        Assert.Equal(2, (await ReadAllAsync()).Count);
    }

    [Fact]
    public async Task A_failed_offset_commit_does_not_stop_the_loop()
    {
        consumer.CommitFailure = new KafkaException(ErrorCode.RebalanceInProgress);
        consumer.Enqueue(0, 0, Encode(Window(start: T0)));

        await RunUntilAsync(Writer(Options(batchSize: 1)), () => log.Snapshot().Contains("commit 0:1"));
        consumer.CommitFailure = null;
        consumer.Enqueue(0, 1, Encode(Window(start: T0.AddMinutes(1))));
        await RunUntilAsync(Writer(Options(batchSize: 1)), () => consumer.Commits.Count >= 1);

        Assert.Equal(2, (await ReadAllAsync()).Count);
    }

    [Fact]
    public async Task Stopping_writes_and_commits_a_partial_batch()
    {
        var options = Options();
        options.BatchMaxWaitMs = 60_000;
        consumer.Enqueue(3, 99, Encode(Window()));
        var writer = Writer(options);

        await RunUntilAsync(writer, () => consumer.Remaining == 0 && writer.PendingRecords == 1);

        // Nothing was written before stopping (the batch wait is a minute): the final flush wrote and committed it.

        var committed = Assert.Single(Assert.Single(consumer.Commits));
        Assert.Equal((3, 100L), (committed.Partition.Value, committed.Offset.Value));
        Assert.Single(await ReadAllAsync());
    }
}
