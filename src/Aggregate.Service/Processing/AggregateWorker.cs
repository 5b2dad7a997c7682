using System.Diagnostics;
using System.Text;
using BitcoinVolume.Aggregate.State;
using BitcoinVolume.Aggregate.Windowing;
using BitcoinVolume.Contracts;
using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Aggregate.Processing;

/// <summary>
/// Consumes <c>trades</c> and keeps one <see cref="VolumeAggregator"/> per assigned partition. Per batch of records:
/// apply → produce the FULL value of every changed window to <c>volumes.1m</c> → flush → commit the partitions' state
/// AND next input offsets to RocksDB in one atomic write. On assignment it seeks to the stored offset (Kafka's group
/// offsets are informational only). A crash at any point replays at most the uncommitted batch, which re-emits the
/// same values: the sink keeps the highest version, so nothing is lost or counted twice.
/// <para>
/// A partition this instance has no state for (first start, or moved here from a lost instance) is rebuilt from the
/// start of the partition. If the broker no longer has the records needed (retention), the partition is blocked and
/// reported — never silently skipped.
/// </para>
/// </summary>
public sealed partial class AggregateWorker(
    IConfiguration configuration,
    IOptions<AggregateOptions> options,
    AggregateMetrics metrics,
    AggregateStatus status,
    TimeProvider clock,
    ILogger<AggregateWorker> logger) : BackgroundService
{
    /// <summary>Spans of the aggregator: one per emitted window value, child of the last trade that changed it.</summary>
    public static readonly ActivitySource ActivitySource = new("BitcoinVolume.Aggregate");

    private readonly Dictionary<int, OwnedPartition> owned = [];
    private readonly Dictionary<string, ActivityContext> lastTradeContext = new(StringComparer.Ordinal);
    private readonly HashSet<int> blocked = [];
    private readonly HashSet<int> toPause = [];
    private readonly List<ConsumeResult<string, byte[]>> batch = [];
    private readonly HashSet<string> loggedProblems = new(StringComparer.Ordinal);
    private double watermarkLagSeconds;
    private bool loggedFirstCommit;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        KafkaTopicProvisioner.EnsureTopicsAsync(configuration, Topics.All, stoppingToken).GetAwaiter().GetResult();

        using var store = new PartitionStateStore(settings.StatePath, settings.SyncStateWrites);
        logger.LogInformation("Aggregator state in {Path} (sync writes: {Sync})", store.Path, settings.SyncStateWrites);
        metrics.Observe(() => Volatile.Read(ref watermarkLagSeconds), () => store.ApproximateSize);

        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig(KafkaSettings.Configure(new ClientConfig(), configuration))
        {
            EnableIdempotence = true,
            Acks = Acks.All,
            CompressionType = CompressionType.Lz4,
            LingerMs = 5,
            ClientId = "aggregate",
        }).SetErrorHandler((_, e) => logger.LogWarning("Kafka producer error: {Reason} (fatal: {Fatal})", e.Reason, e.IsFatal)).Build();

        // Shared Kafka:* settings first, then the aggregator's own Aggregate:Kafka:* on top.
        var consumerBase = KafkaSettings.Configure(new ClientConfig(), configuration);
        foreach (var (key, value) in settings.Kafka)
        {
            consumerBase.Set(key, value);
        }

        var consumerConfig = new ConsumerConfig(consumerBase)
        {
            GroupId = settings.GroupId,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,

            // Never jump silently: an offset that is gone surfaces as an error and blocks the partition.
            AutoOffsetReset = AutoOffsetReset.Error,
            ClientId = "aggregate",
        };
        using var consumer = new ConsumerBuilder<string, byte[]>(consumerConfig)
            .SetPartitionsAssignedHandler((c, assigned) => assigned.Select(tp => Assign(c, store, tp, settings.Windowing)).ToList())
            .SetPartitionsRevokedHandler((_, revoked) => Release(revoked.Select(p => p.TopicPartition), "revoked"))
            .SetPartitionsLostHandler((_, lost) => Release(lost.Select(p => p.TopicPartition), "lost"))
            .SetErrorHandler((_, e) => logger.LogWarning("Kafka consumer error: {Reason} (fatal: {Fatal})", e.Reason, e.IsFatal))
            .Build();

        consumer.Subscribe(Topics.Trades);
        status.Report("waiting for partitions");
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                FillBatch(consumer, settings);
                if (toPause.Count > 0)
                {
                    consumer.Pause(toPause.Select(p => new TopicPartition(Topics.Trades, p)));
                    toPause.Clear();
                }

                // Structured logs of this batch carry the input partitions and offset ranges it covers.
                using var scope = batch.Count == 0 ? null : logger.BeginScope(BatchScope());
                var committed = ProcessBatch(producer, store, settings, stoppingToken);
                Volatile.Write(ref watermarkLagSeconds, WatermarkLagSeconds());
                if (committed.Count > 0)
                {
                    CommitGroupOffsets(consumer, committed);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            consumer.Close();
        }
    }

    private void FillBatch(IConsumer<string, byte[]> consumer, AggregateOptions settings)
    {
        batch.Clear();
        var deadline = Environment.TickCount64 + settings.BatchMaxWaitMs;
        while (batch.Count < settings.BatchSize)
        {
            var remaining = deadline - Environment.TickCount64;
            ConsumeResult<string, byte[]>? record;
            try
            {
                record = consumer.Consume(TimeSpan.FromMilliseconds(Math.Max(0, remaining)));
            }
            catch (ConsumeException e) when (e.Error.Code is ErrorCode.OffsetOutOfRange or ErrorCode.Local_AutoOffsetReset)
            {
                var partition = e.ConsumerRecord?.Partition.Value ?? -1;
                BlockPartition(partition, $"its next offset is no longer on the broker ({e.Error.Reason})");
                continue;
            }

            if (record is null)
            {
                break;
            }

            if (!record.IsPartitionEOF)
            {
                batch.Add(record);
            }
        }
    }

    /// <summary>Applies the batch, emits and flushes outputs, commits state; returns the partitions committed.</summary>
    private List<int> ProcessBatch(IProducer<string, byte[]> producer, PartitionStateStore store, AggregateOptions settings, CancellationToken stoppingToken)
    {
        var touched = new HashSet<int>();
        var tracing = ActivitySource.HasListeners();
        lastTradeContext.Clear();
        foreach (var record in batch)
        {
            var partition = record.Partition.Value;
            if (!owned.TryGetValue(partition, out var state) || record.Offset.Value < state.NextOffset)
            {
                continue; // not ours (any more), or already in the committed state
            }

            state.NextOffset = record.Offset.Value + 1;
            touched.Add(partition);
            Trade trade;
            try
            {
                trade = ContractSerializers.TradeDeserializer.Deserialize(record.Message.Value, record.Message.Value is null, new SerializationContext(MessageComponentType.Value, record.Topic));
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException)
            {
                DeadLetter(producer, record, e.Message);
                continue;
            }

            var outcome = state.Aggregator.Apply(trade);
            metrics.Outcome(outcome);
            if (tracing && outcome is ApplyOutcome.Counted or ApplyOutcome.Correction && KafkaTracing.Extract(record.Message.Headers) is { } context)
            {
                var minute = new DateTimeOffset(trade.Time.UtcTicks - (trade.Time.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
                lastTradeContext[WindowVolume.KeyOf(trade.Product, trade.Side, minute)] = context;
            }

            if (outcome == ApplyOutcome.TooLate)
            {
                producer.Produce(Topics.TradesLate, new Message<string, byte[]> { Key = trade.Product, Value = record.Message.Value ?? [] });
            }
        }

        if (batch.Count > 0)
        {
            metrics.Batch(batch.Count);
        }

        AdvanceIdleLivePartitions(touched, settings);

        var started = Stopwatch.GetTimestamp();
        using var writes = PartitionStateStore.NewBatch();
        var committed = new List<int>();
        var emitted = 0;
        foreach (var (partition, state) in owned)
        {
            var changes = state.Aggregator.TakeChanges();
            if (!touched.Contains(partition) && changes.Windows.Count == 0 && changes.Pruned.Count == 0)
            {
                continue;
            }

            foreach (var window in changes.Windows)
            {
                var key = window.Key;
                using var activity = tracing ? StartEmitActivity(window, key, partition) : null;
                producer.Produce(Topics.Volumes1m, new Message<string, byte[]>
                {
                    Key = key,
                    Value = ContractSerializers.WindowSerializer.Serialize(window, default),
                    Headers = KafkaTracing.Inject(activity),
                });
            }

            emitted += changes.Windows.Count;
            PartitionStateStore.Add(writes, partition, changes, state.NextOffset);
            committed.Add(partition);
        }

        if (committed.Count == 0)
        {
            return committed;
        }

        // Outputs are durable before the state (and input offsets) move on: a crash here replays the batch and
        // re-emits the same values.
        var unflushed = producer.Flush(TimeSpan.FromSeconds(60));
        if (unflushed > 0)
        {
            throw new KafkaException(new Error(ErrorCode.Local_TimedOut, $"{unflushed} outputs not acknowledged within 60 s; state not committed"));
        }

        stoppingToken.ThrowIfCancellationRequested();
        store.Commit(writes);
        metrics.Commit(Stopwatch.GetElapsedTime(started));
        metrics.WindowsEmitted(emitted);
        status.Report($"committed partitions {string.Join(",", committed)}");
        if (!loggedFirstCommit)
        {
            loggedFirstCommit = true;
            logger.LogInformation("Committed state of partitions {Partitions} ({Windows} windows emitted); further commits are logged at Debug", string.Join(",", committed), emitted);
        }
        else
        {
            logger.LogDebug("Committed state of partitions {Partitions} ({Windows} windows emitted)", string.Join(",", committed), emitted);
        }

        return committed;
    }

    /// <summary>While a live partition is idle its watermark follows the wall clock (minus grace), so windows close.</summary>
    private void AdvanceIdleLivePartitions(HashSet<int> touched, AggregateOptions settings)
    {
        var now = clock.GetUtcNow();
        foreach (var (partition, state) in owned)
        {
            if (!touched.Contains(partition) && state.Aggregator.LatestEventTime is { } latest && now - latest <= settings.LiveThreshold)
            {
                state.Aggregator.AdvanceWatermark(now - settings.Windowing.Grace);
            }
        }
    }

    private TopicPartitionOffset Assign(IConsumer<string, byte[]> consumer, PartitionStateStore store, TopicPartition tp, WindowingOptions windowing)
    {
        var partition = tp.Partition.Value;
        batch.RemoveAll(r => r.Partition.Value == partition);
        status.Unblock(partition);
        blocked.Remove(partition);
        var loaded = store.Load(partition, windowing);
        var offsets = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(30));
        var next = loaded?.NextOffset ?? 0;
        if (next < offsets.Low.Value)
        {
            BlockPartition(partition, loaded is null
                ? $"no local state and the broker no longer has its first records (log starts at {offsets.Low.Value}): it cannot be rebuilt exactly"
                : $"its stored offset {next} is no longer on the broker (log starts at {offsets.Low.Value})");
            return new TopicPartitionOffset(tp, offsets.High);
        }

        if (next > offsets.High.Value)
        {
            BlockPartition(partition, $"its stored offset {next} is beyond the end of the log ({offsets.High.Value}): the state belongs to another cluster or the topic was recreated; delete {store.Path} to rebuild");
            return new TopicPartitionOffset(tp, offsets.High);
        }

        loggedFirstCommit = false;
        owned[partition] = new OwnedPartition(loaded?.Aggregator ?? new VolumeAggregator(windowing), next);
        logger.LogInformation(
            "Assigned partition {Partition}: {How}, resuming at offset {Offset} (log {Low}..{High})",
            partition, loaded is null ? "no local state, rebuilding from the start" : $"restored {loaded.Windows} windows and {loaded.Products} products",
            next, offsets.Low.Value, offsets.High.Value);
        status.Report($"assigned partition {partition}");
        return new TopicPartitionOffset(tp, new Offset(next));
    }

    private void Release(IEnumerable<TopicPartition> partitions, string how)
    {
        foreach (var tp in partitions)
        {
            owned.Remove(tp.Partition.Value);
            blocked.Remove(tp.Partition.Value);
            status.Unblock(tp.Partition.Value);
            batch.RemoveAll(r => r.Partition.Value == tp.Partition.Value);
            logger.LogInformation("Partition {Partition} {How}; its committed state stays on disk", tp.Partition.Value, how);
        }
    }

    private void BlockPartition(int partition, string reason)
    {
        owned.Remove(partition);
        if (blocked.Add(partition))
        {
            toPause.Add(partition);
            metrics.FallenBehind();
            status.Block(partition, reason);
            logger.LogError("Partition {Partition} of {Topic} is NOT being aggregated: {Reason}. Its volumes would be wrong, so it is paused; /health is unhealthy.", partition, Topics.Trades, reason);
        }
    }

    private void CommitGroupOffsets(IConsumer<string, byte[]> consumer, List<int> partitions)
    {
        try
        {
            consumer.Commit(partitions.Where(owned.ContainsKey).Select(p => new TopicPartitionOffset(Topics.Trades, p, owned[p].NextOffset)));
        }
        catch (KafkaException e)
        {
            // Informational only (lag monitoring): the offsets that matter are in the state store.
            logger.LogDebug("Group offset commit failed: {Reason}", e.Error.Reason);
        }
    }

    private double WatermarkLagSeconds()
    {
        var now = clock.GetUtcNow();
        var watermarks = owned.Values.Select(o => o.Aggregator.Watermark).OfType<DateTimeOffset>().ToList();
        return watermarks.Count == 0 ? 0 : (now - watermarks.Min()).TotalSeconds;
    }

    private void DeadLetter(IProducer<string, byte[]> producer, ConsumeResult<string, byte[]> record, string reason)
    {
        metrics.BadRecord();
        if (loggedProblems.Add("bad_trade_record"))
        {
            logger.LogWarning("Unreadable record on {TopicPartitionOffset}: {Reason}. It is dead-lettered; further ones are counted in aggregate.records.bad.", record.TopicPartitionOffset, reason);
        }

        var raw = record.Message.Value is null ? string.Empty : Encoding.UTF8.GetString(record.Message.Value);
        var letter = new DeadLetter("unreadable_trade_record", reason, record.TopicPartitionOffset.ToString(), raw, clock.GetUtcNow());
        producer.Produce(Topics.TradesDeadLetter, new Message<string, byte[]> { Key = letter.Reason, Value = ContractSerializers.DeadLetterSerializer.Serialize(letter, default) });
    }

    private Dictionary<string, object> BatchScope() => new(StringComparer.Ordinal)
    {
        ["topic"] = Topics.Trades,
        ["partitions"] = string.Join(",", batch.GroupBy(r => r.Partition.Value).Select(g => $"{g.Key}@{g.Min(r => r.Offset.Value)}-{g.Max(r => r.Offset.Value)}")),
        ["records"] = batch.Count,
    };

    private Activity? StartEmitActivity(WindowVolume window, string key, int partition)
    {
        var parent = lastTradeContext.TryGetValue(key, out var context) ? context : default;
        var activity = ActivitySource.StartActivity($"{Topics.Volumes1m} publish", ActivityKind.Producer, parent);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.destination.name", Topics.Volumes1m);
        activity?.SetTag("bitcoinvolume.window", key);
        activity?.SetTag("bitcoinvolume.version", window.Version);
        activity?.SetTag("bitcoinvolume.input_partition", partition);
        return activity;
    }

    private sealed class OwnedPartition(VolumeAggregator aggregator, long nextOffset)
    {
        public VolumeAggregator Aggregator { get; } = aggregator;

        public long NextOffset { get; set; } = nextOffset;
    }
}
