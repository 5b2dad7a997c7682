using BitcoinVolume.Aggregate.State;
using BitcoinVolume.Contracts;
using Confluent.Kafka;

namespace BitcoinVolume.Aggregate.Processing;

/// <summary>
/// One of the aggregator's partition-parallel loops (<see cref="AggregateOptions.Loops"/>), on a thread of its own: its
/// own consumer (a member of the one consumer group, so Kafka's group protocol gives every loop its own set of
/// partitions, and moves them between loops and instances), its own idempotent producer, ownership, batch, rebalancer,
/// checkpointer and <see cref="BatchProcessor"/>. It shares only the instance's RocksDB store (one atomic write per batch,
/// the keys of the partitions it owns; a partition moving to another loop finds its state there), the metrics and the
/// status. The loop: fill a batch → <see cref="BatchProcessor"/> (apply → produce → flush → commit state AND next input
/// offsets in one write) → commit the group offsets (informational only) → between batches: caught-up reports, checkpoints.
/// </summary>
internal sealed class AggregateLoop(
    int index,
    IConfiguration configuration,
    AggregateOptions settings,
    PartitionStateStore store,
    LogIdentity log,
    ICheckpointStorage? checkpoints,
    AggregateMetrics metrics,
    AggregateStatus status,
    TimeProvider clock,
    ILogger logger)
{
    private readonly HashSet<int> lastOwned = [];

    // The group offset this loop last committed per owned partition, so every owned partition's committed group offset
    // catches up with its state — also one assigned with state ahead of the group (restored after a rebalance) that then
    // receives nothing new: lag monitoring and back-pressure read these offsets.
    private readonly Dictionary<int, long> groupCommitted = [];
    private long nextGroupCommitAttempt;
    private double watermarkLagSeconds;
    private double checkpointAgeSeconds;

    /// <summary>Wall clock minus the oldest watermark of this loop's partitions, after its last batch.</summary>
    public double WatermarkLagSeconds => Volatile.Read(ref watermarkLagSeconds);

    /// <summary>Seconds since the oldest last checkpoint of this loop's partitions (0 without checkpoints).</summary>
    public double CheckpointAgeSeconds => Volatile.Read(ref checkpointAgeSeconds);

    /// <summary>Runs until <paramref name="stoppingToken"/> is cancelled (then closes its consumer: its partitions go back to the group).</summary>
    public void Run(CancellationToken stoppingToken)
    {
        using var loopScope = logger.BeginScope(new Dictionary<string, object>(StringComparer.Ordinal) { ["loop"] = index });
        var ownership = new PartitionOwnership();
        var batch = new InputBatch();
        var checkpointer = checkpoints is null ? null : new PartitionCheckpointer(store, checkpoints, settings.Checkpoints, metrics, status, clock, logger);
        var rebalancer = new PartitionRebalancer(store, ownership, batch, settings.Windowing, log, settings.ContinueAcrossBrokerRestarts, settings.ReemitWindowsOnNewLog, metrics, status, logger, checkpointer, settings.Footprint);
        using var producer = AggregateClients.BuildProducer(configuration, logger);
        using var consumer = AggregateClients.BuildConsumer(configuration, settings, rebalancer, logger, index);
        var processor = new BatchProcessor(producer, store, ownership, log, settings, metrics, status, clock, logger);

        consumer.Subscribe(Topics.Trades);
        status.Report("waiting for partitions");
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                FillBatch(consumer, batch, rebalancer, settings);
                ReportOwned(ownership);
                if (ownership.TakeToPause() is { Count: > 0 } toPause)
                {
                    consumer.Pause(toPause.Select(p => new TopicPartition(Topics.Trades, p)));
                }

                // Structured logs of this batch carry the input partitions and offset ranges it covers.
                using var scope = batch.Count == 0 ? null : logger.BeginScope(batch.Scope());
                processor.Process(batch, stoppingToken);
                Volatile.Write(ref watermarkLagSeconds, ownership.WatermarkLagSeconds(clock.GetUtcNow()));
                status.ObserveWatermarks(index, ownership.Watermarks());
                CommitGroupOffsets(consumer, ownership);

                rebalancer.ReportCaughtUp(consumer);
                if (checkpointer is not null)
                {
                    checkpointer.WriteDue(ownership.Owned.Keys);
                    Volatile.Write(ref checkpointAgeSeconds, checkpointer.AgeSeconds(ownership.Owned.Keys, clock.GetUtcNow()));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            consumer.Close();
            status.ObserveWatermarks(index, []);
        }
    }

    /// <summary>
    /// Adaptive batching: waits up to <see cref="AggregateOptions.BatchMaxWaitMs"/> for the FIRST record, then takes only
    /// what the consumer has at once (no further waiting), up to <see cref="AggregateOptions.BatchSize"/> records. At low load a batch closes as soon as
    /// its records are in (latency is not padded by a fixed wait); at high load the records that arrived while the previous
    /// batch was processed are all there, so batches grow by themselves.
    /// </summary>
    internal static void FillBatch(IConsumer<string, byte[]> consumer, InputBatch batch, PartitionRebalancer rebalancer, AggregateOptions settings)
    {
        batch.Clear();
        var deadline = Environment.TickCount64 + settings.BatchMaxWaitMs;
        while (batch.Count < settings.BatchSize)
        {
            var wait = batch.Count == 0 ? Math.Max(0, deadline - Environment.TickCount64) : 0;
            ConsumeResult<string, byte[]>? record;
            try
            {
                record = consumer.Consume(TimeSpan.FromMilliseconds(wait));
            }
            catch (ConsumeException e) when (e.Error.Code is ErrorCode.OffsetOutOfRange or ErrorCode.Local_AutoOffsetReset)
            {
                var partition = e.ConsumerRecord?.Partition.Value ?? -1;
                rebalancer.Block(partition, $"its next offset is no longer on the broker ({e.Error.Reason})");
                continue;
            }

            if (record is null)
            {
                break; // nothing more at once (or, for the first record, within the wait): the batch closes
            }

            if (!record.IsPartitionEOF)
            {
                batch.Add(record);
            }
        }
    }

    /// <summary>Logs this loop's partitions whenever they changed (a rebalance): which loop aggregates what.</summary>
    private void ReportOwned(PartitionOwnership ownership)
    {
        var owned = ownership.Owned.Keys;
        if (ownership.Owned.Count == lastOwned.Count && lastOwned.SetEquals(owned))
        {
            return;
        }

        lastOwned.Clear();
        lastOwned.UnionWith(owned);
        logger.LoopOwns(index, lastOwned.Count == 0 ? "none" : string.Join(",", lastOwned.Order()));
    }

    /// <summary>
    /// Commits the group offset of every owned partition whose state's next offset the group does not have yet (after a
    /// batch, and after an assignment whose restored state is ahead of the group). A failure (e.g. during a rebalance) is
    /// logged at Debug and retried at most once a second.
    /// </summary>
    private void CommitGroupOffsets(IConsumer<string, byte[]> consumer, PartitionOwnership ownership)
    {
        foreach (var partition in groupCommitted.Keys.Where(p => !ownership.Owned.ContainsKey(p)).ToList())
        {
            groupCommitted.Remove(partition);
        }

        var due = ownership.Owned
            .Where(o => !groupCommitted.TryGetValue(o.Key, out var done) || done != o.Value.NextOffset)
            .Select(o => (Partition: o.Key, o.Value.NextOffset))
            .ToList();
        if (due.Count == 0 || Environment.TickCount64 < nextGroupCommitAttempt)
        {
            return;
        }

        try
        {
            consumer.Commit(due.Select(p => new TopicPartitionOffset(Topics.Trades, p.Partition, p.NextOffset)));
            foreach (var (partition, next) in due)
            {
                groupCommitted[partition] = next;
            }
        }
        catch (KafkaException e)
        {
            // Informational only (lag monitoring, back-pressure): the offsets that matter are in the state store.
            nextGroupCommitAttempt = Environment.TickCount64 + 1_000;
            logger.GroupCommitFailed(e.Error.Reason);
        }
    }
}
