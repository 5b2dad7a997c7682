using BitcoinVolume.Aggregate.State;
using BitcoinVolume.Aggregate.Windowing;
using BitcoinVolume.Contracts;
using Confluent.Kafka;

namespace BitcoinVolume.Aggregate.Processing;

/// <summary>
/// The consumer's rebalance callbacks: on assignment a partition's state is loaded and the consumer is positioned at the
/// stored next offset (Kafka's group offsets are informational only); a partition whose stored offset is not on the
/// broker, or that was built against another log (<see cref="LogIdentity"/>), is blocked and reported, never silently
/// skipped or mixed — except state built on an earlier development broker when <see cref="AggregateOptions.ContinueAcrossBrokerRestarts"/>
/// is on: it is kept, and the new log is read from its start. Revoked and lost partitions are forgotten; their committed
/// state stays on disk.
/// </summary>
internal sealed class PartitionRebalancer(
    PartitionStateStore store,
    PartitionOwnership ownership,
    InputBatch batch,
    WindowingOptions windowing,
    LogIdentity log,
    bool continueAcrossBrokerRestarts,
    int reemitWindows,
    AggregateMetrics metrics,
    AggregateStatus status,
    ILogger logger)
{
    private static readonly TimeSpan WatermarkQueryTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Takes <paramref name="tp"/> on; returns where the consumer starts reading it.</summary>
    public TopicPartitionOffset Assign(IConsumer<string, byte[]> consumer, TopicPartition tp)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        ArgumentNullException.ThrowIfNull(tp);
        var partition = tp.Partition.Value;
        batch.RemovePartition(partition);
        status.Unblock(partition);
        ownership.Unblock(partition);
        var offsets = consumer.QueryWatermarkOffsets(tp, WatermarkQueryTimeout);
        LoadedPartition? loaded;
        try
        {
            loaded = store.Load(partition, windowing);
        }
        catch (IncompatibleStateException e)
        {
            // State written with another window length: never mixed in; this partition alone stops, /health says why.
            Block(partition, e.Message);
            return new TopicPartitionOffset(tp, offsets.High);
        }

        var decision = PartitionOwnership.Decide(
            loaded is not null, loaded?.NextOffset, offsets.Low.Value, offsets.High.Value, store.Path, loaded?.Log, log, continueAcrossBrokerRestarts);
        if (decision.BlockReason is { } reason)
        {
            Block(partition, reason);
            return new TopicPartitionOffset(tp, new Offset(decision.Offset));
        }

        if (decision.NewLog is { } newLog)
        {
            logger.ContinuedOnNewLog(partition, newLog);
            if (loaded?.Aggregator is { } kept)
            {
                logger.ReemittingOnNewLog(partition, kept.ReemitNewest(reemitWindows), reemitWindows);
            }
        }

        ownership.Assign(partition, loaded?.Aggregator ?? new VolumeAggregator(windowing), decision.Offset);
        logger.Assigned(
            partition, loaded is null ? "no local state, rebuilding from the start"
                : $"restored {loaded.Windows} windows and {loaded.Products} products{(decision.NewLog is null ? "" : " (kept across a development broker restart)")}",
            decision.Offset, offsets.Low.Value, offsets.High.Value);
        status.Report($"assigned partition {partition}");
        return new TopicPartitionOffset(tp, new Offset(decision.Offset));
    }

    /// <summary>Forgets revoked or lost partitions (<paramref name="how"/> says which).</summary>
    public void Release(IEnumerable<TopicPartition> partitions, string how)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        foreach (var tp in partitions)
        {
            ownership.Release(tp.Partition.Value);
            status.Unblock(tp.Partition.Value);
            batch.RemovePartition(tp.Partition.Value);
            logger.Released(tp.Partition.Value, how);
        }
    }

    /// <summary>Stops aggregating a partition that cannot be processed exactly: it is paused and /health says why.</summary>
    public void Block(int partition, string reason)
    {
        if (ownership.Block(partition))
        {
            metrics.FallenBehind();
            status.Block(partition, reason);
            logger.Blocked(partition, Topics.Trades, reason);
        }
    }
}
