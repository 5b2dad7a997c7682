using BitcoinVolume.Aggregate.State;
using BitcoinVolume.Contracts;
using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Aggregate.Processing;

/// <summary>
/// Consumes <c>trades</c> and keeps one aggregator per assigned partition (<see cref="PartitionOwnership"/>). The loop:
/// fill a batch → <see cref="BatchProcessor"/> (apply → produce the FULL value of every changed window to
/// <c>volumes.1m</c> → flush → commit the partitions' state AND next input offsets to RocksDB in one atomic write) →
/// commit the group offsets (informational only). The topics were created at start (Kafka's topic provisioning). On assignment <see cref="PartitionRebalancer"/> seeks to the stored
/// offset. A crash at any point replays at most the uncommitted batch, which re-emits the same values: the sink keeps the
/// highest version, so nothing is lost or counted twice.
/// <para>
/// A partition this instance has no state for (first start, or moved here from a lost instance) is restored from its
/// newest checkpoint when <c>Aggregate:Checkpoints:Path</c> is set (<see cref="PartitionCheckpointer"/>, written every
/// interval between batches) and resumed at the checkpoint's next offset, else rebuilt from the start of the partition.
/// If the broker no longer has the records needed (retention), the partition is blocked and reported — never silently
/// skipped.
/// </para>
/// </summary>
public sealed class AggregateWorker(
    IConfiguration configuration,
    IOptions<AggregateOptions> options,
    AggregateMetrics metrics,
    AggregateStatus status,
    TimeProvider clock,
    ILogger<AggregateWorker> logger) : BackgroundService
{
    private double watermarkLagSeconds;
    private double checkpointAgeSeconds;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var store = new PartitionStateStore(settings.StatePath, settings.SyncStateWrites);
        logger.StateOpened(store.Path, settings.SyncStateWrites);
        metrics.Observe(() => Volatile.Read(ref watermarkLagSeconds), () => store.ApproximateSize);

        var ownership = new PartitionOwnership();
        var batch = new InputBatch();
        var log = LogIdentityProbe.Discover(configuration, logger, stoppingToken);
        logger.InputLog(log, settings.ContinueAcrossBrokerRestarts && log.IsDevelopmentBroker
            ? "kept across development broker restarts (Aggregate:ContinueAcrossBrokerRestarts): read from the start of the new log"
            : "blocked and reported");
        var checkpointer = settings.Checkpoints.Enabled
            ? new PartitionCheckpointer(store, new FolderCheckpointStorage(settings.Checkpoints.Path!), settings.Checkpoints, metrics, status, clock, logger)
            : null;
        if (checkpointer is null)
        {
            logger.CheckpointsDisabled();
        }
        else
        {
            logger.CheckpointsEnabled(checkpointer.Location, settings.Checkpoints.Interval, settings.Checkpoints.Retain);
            metrics.ObserveCheckpointAge(() => Volatile.Read(ref checkpointAgeSeconds));
        }

        var rebalancer = new PartitionRebalancer(store, ownership, batch, settings.Windowing, log, settings.ContinueAcrossBrokerRestarts, settings.ReemitWindowsOnNewLog, metrics, status, logger, checkpointer, settings.Footprint);
        using var producer = AggregateClients.BuildProducer(configuration, logger);
        using var consumer = AggregateClients.BuildConsumer(configuration, settings, rebalancer, logger);
        var processor = new BatchProcessor(producer, store, ownership, log, settings, metrics, status, clock, logger);

        consumer.Subscribe(Topics.Trades);
        status.Report("waiting for partitions");
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                FillBatch(consumer, batch, rebalancer, settings);
                if (ownership.TakeToPause() is { Count: > 0 } toPause)
                {
                    consumer.Pause(toPause.Select(p => new TopicPartition(Topics.Trades, p)));
                }

                // Structured logs of this batch carry the input partitions and offset ranges it covers.
                using var scope = batch.Count == 0 ? null : logger.BeginScope(batch.Scope());
                var committed = processor.Process(batch, stoppingToken);
                Volatile.Write(ref watermarkLagSeconds, ownership.WatermarkLagSeconds(clock.GetUtcNow()));
                status.ObserveWatermarks(ownership.Watermarks());
                if (committed.Count > 0)
                {
                    CommitGroupOffsets(consumer, ownership, committed);
                }

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
        }
    }

    /// <summary>Consumes up to <see cref="AggregateOptions.BatchSize"/> records, for at most <see cref="AggregateOptions.BatchMaxWaitMs"/>.</summary>
    private static void FillBatch(IConsumer<string, byte[]> consumer, InputBatch batch, PartitionRebalancer rebalancer, AggregateOptions settings)
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
                rebalancer.Block(partition, $"its next offset is no longer on the broker ({e.Error.Reason})");
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

    private void CommitGroupOffsets(IConsumer<string, byte[]> consumer, PartitionOwnership ownership, List<int> partitions)
    {
        try
        {
            consumer.Commit(ownership.NextOffsets(partitions).Select(p => new TopicPartitionOffset(Topics.Trades, p.Partition, p.NextOffset)));
        }
        catch (KafkaException e)
        {
            // Informational only (lag monitoring): the offsets that matter are in the state store.
            logger.GroupCommitFailed(e.Error.Reason);
        }
    }
}
