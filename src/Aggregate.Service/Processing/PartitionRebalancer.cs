using System.Diagnostics;
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
/// is on: it is kept, and the new log is read from its start. With checkpoints (<see cref="PartitionCheckpointer"/>), a
/// partition whose newest checkpoint is newer than its local state (none: moved here, or older) is restored from it and
/// resumed at the checkpoint's next offset — under the same rules (log identity, offset on the broker); a checkpoint the
/// log no longer reaches blocks the partition with the reason, the local state is then left as it was. Revoked
/// partitions are checkpointed, revoked and lost ones forgotten; their committed state stays on disk.
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
    ILogger logger,
    PartitionCheckpointer? checkpointer = null,
    FootprintOptions? footprint = null)
{
    private static readonly TimeSpan WatermarkQueryTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Partitions assigned and not yet caught up with the end of the log: since when, and from what state.</summary>
    private readonly Dictionary<int, (long Since, string How)> resuming = [];

    /// <summary>Takes <paramref name="tp"/> on; returns where the consumer starts reading it.</summary>
    public TopicPartitionOffset Assign(IConsumer<string, byte[]> consumer, TopicPartition tp)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        ArgumentNullException.ThrowIfNull(tp);
        var partition = tp.Partition.Value;
        var since = Stopwatch.GetTimestamp();
        batch.RemovePartition(partition);
        ownership.Unblock(partition); // /health keeps reporting it until it is known to be fine (below) or blocked again
        var offsets = consumer.QueryWatermarkOffsets(tp, WatermarkQueryTimeout);
        if (!TryLoad(partition, out var loaded))
        {
            return new TopicPartitionOffset(tp, offsets.High);
        }

        var found = checkpointer?.Find(partition, loaded);
        var decision = PartitionOwnership.Decide(
            loaded is not null || found is not null, found?.Checkpoint.NextOffset ?? loaded?.NextOffset, offsets.Low.Value, offsets.High.Value, ToDelete(partition),
            found?.Checkpoint.Log ?? loaded?.Log, log, continueAcrossBrokerRestarts);
        if (decision.BlockReason is { } reason)
        {
            Block(partition, reason + CheckpointNote(partition, found, loaded));
            return new TopicPartitionOffset(tp, new Offset(decision.Offset));
        }

        if (found is not null)
        {
            checkpointer!.Restore(found);
            if (!TryLoad(partition, out loaded))
            {
                return new TopicPartitionOffset(tp, offsets.High);
            }
        }

        if (decision.NewLog is { } newLog)
        {
            logger.ContinuedOnNewLog(partition, newLog);
            if (loaded?.Aggregator is { } kept)
            {
                logger.ReemittingOnNewLog(partition, kept.ReemitNewest(reemitWindows), reemitWindows);
            }
        }

        var footprintAggregator = footprint is { Enabled: true } ? (loaded?.Footprint ?? new([], [])).Restore(footprint, windowing) : null;
        if (decision.NewLog is not null)
        {
            // footprint.1m died with the old broker too: its newest windows are emitted again, like the bars.
            footprintAggregator?.ReemitNewest(reemitWindows / 2);
        }

        var how = loaded is null ? "no local state, rebuilding from the start"
            : $"{(found is null ? "restored" : $"restored from checkpoint {found.Name}:")} {loaded.Windows} windows and {loaded.Products} products{(decision.NewLog is null ? "" : " (kept across a development broker restart)")}";
        status.Unblock(partition);
        ownership.Assign(partition, loaded?.Aggregator ?? new VolumeAggregator(windowing), decision.Offset, footprintAggregator);
        logger.Assigned(partition, how, decision.Offset, offsets.Low.Value, offsets.High.Value);
        resuming[partition] = (since, how);
        status.Report($"assigned partition {partition}");
        return new TopicPartitionOffset(tp, new Offset(decision.Offset));
    }

    /// <summary>
    /// Logs (and measures) each partition that has caught up with the end of the log since it was assigned: the time a
    /// move takes, restore and replay included.
    /// </summary>
    public void ReportCaughtUp(IConsumer<string, byte[]> consumer)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        foreach (var (partition, (since, how)) in resuming.ToList())
        {
            if (!ownership.Owned.TryGetValue(partition, out var state))
            {
                resuming.Remove(partition);
                continue;
            }

            var high = consumer.GetWatermarkOffsets(new TopicPartition(Topics.Trades, partition)).High;
            if (high.Value >= 0 && state.NextOffset >= high.Value)
            {
                resuming.Remove(partition);
                var elapsed = Stopwatch.GetElapsedTime(since);
                metrics.Resumed(elapsed);
                logger.CaughtUp(partition, state.NextOffset, elapsed.TotalSeconds, how);
            }
        }
    }

    /// <summary>Forgets revoked or lost partitions (<paramref name="how"/> says which).</summary>
    public void Release(IEnumerable<TopicPartition> partitions, string how)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        foreach (var tp in partitions)
        {
            if (checkpointer is not null && how == "revoked" && ownership.Owned.ContainsKey(tp.Partition.Value))
            {
                checkpointer.Write(tp.Partition.Value, "revoked"); // the next owner replays nothing
            }

            checkpointer?.Forget(tp.Partition.Value);
            status.Released(tp.Partition.Value);
            resuming.Remove(tp.Partition.Value);
            ownership.Release(tp.Partition.Value);
            status.ReleaseBlock(tp.Partition.Value);
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

    /// <summary>Loads a partition's local state; false (and the partition blocked) when it was written with another window length.</summary>
    private bool TryLoad(int partition, out LoadedPartition? loaded)
    {
        try
        {
            loaded = store.Load(partition, windowing);
            return true;
        }
        catch (IncompatibleStateException e)
        {
            // State written with another window length: never mixed in; this partition alone stops, /health says why.
            Block(partition, e.Message);
            loaded = null;
            return false;
        }
    }

    /// <summary>What to delete to rebuild a partition from the log: the state folder, and its checkpoints if there are any.</summary>
    private string ToDelete(int partition) => checkpointer is null
        ? store.Path
        : $"{store.Path} and {Path.Combine(checkpointer.Location, PartitionCheckpoint.FolderOf(Topics.Trades, partition))}";

    /// <summary>What the checkpoints say about a blocked partition (empty without checkpoints).</summary>
    private string CheckpointNote(int partition, FoundCheckpoint? found, LoadedPartition? loaded) => checkpointer switch
    {
        null => string.Empty,
        _ when found is not null =>
            $"; its newest checkpoint, {found.Name} in {checkpointer.Location} (written {found.Age.TotalMinutes:0.0} min ago, next offset {found.Checkpoint.NextOffset}), " +
            "is too old for what trades still keeps: its retention must cover the checkpoint interval plus a margin (docs/ARCHITECTURE.md, State handoff). The local state is left as it was",
        _ when loaded is null => $"; there is no usable checkpoint of partition {partition} in {checkpointer.Location}",
        _ => string.Empty,
    };
}
