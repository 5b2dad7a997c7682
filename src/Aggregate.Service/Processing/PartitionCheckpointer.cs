using System.Diagnostics;
using BitcoinVolume.Aggregate.State;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Aggregate.Processing;

/// <summary>
/// Writes each owned partition's state to shared storage (<see cref="ICheckpointStorage"/>) every
/// <see cref="CheckpointOptions.Interval"/> (and when it is revoked), keeps the newest <see cref="CheckpointOptions.Retain"/>
/// per partition, and finds the newest intact checkpoint for a partition assigned without (or with older) local state.
/// A checkpoint is a RocksDB snapshot of ONE commit: the state and the next input offset it is paired with. Failing to
/// write one never stops aggregation (it only shortens how far back a move can go): it is counted and logged once per reason.
/// Used on the consumer's thread only.
/// </summary>
internal sealed class PartitionCheckpointer(
    PartitionStateStore store,
    ICheckpointStorage storage,
    CheckpointOptions options,
    AggregateMetrics metrics,
    AggregateStatus status,
    TimeProvider clock,
    ILogger logger)
{
    private readonly Dictionary<int, (long NextOffset, DateTimeOffset At)> written = [];
    private readonly HashSet<string> loggedProblems = new(StringComparer.Ordinal);
    private readonly HashSet<int> loggedFirst = [];

    /// <summary>Where the checkpoints are (for reasons and log lines).</summary>
    public string Location => storage.Location;

    /// <summary>
    /// The newest intact checkpoint of <paramref name="partition"/> when it is newer than the <paramref name="local"/> state
    /// (none, or an older offset of the same log); null when there is none or the local state is as new. A damaged
    /// checkpoint is logged, counted and skipped for the next older one.
    /// </summary>
    public FoundCheckpoint? Find(int partition, LoadedPartition? local)
    {
        IReadOnlyList<string> names;
        try
        {
            names = PartitionCheckpoint.NewestFirst(storage.List(PartitionCheckpoint.FolderOf(Topics.Trades, partition)));
        }
        catch (IOException e)
        {
            Problem("list", $"cannot list the checkpoints of partition {partition} in {storage.Location}: {e.Message}");
            return null;
        }

        foreach (var name in names)
        {
            PartitionCheckpoint checkpoint;
            try
            {
                using var stream = storage.OpenRead(name);
                checkpoint = PartitionCheckpoint.ReadFrom(stream);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                metrics.CheckpointFailed("unreadable");
                logger.CheckpointUnreadable(partition, name, storage.Location, e.Message);
                continue;
            }

            if (checkpoint.Partition != partition)
            {
                metrics.CheckpointFailed("unreadable");
                logger.CheckpointUnreadable(partition, name, storage.Location, $"it holds partition {checkpoint.Partition}");
                continue;
            }

            var newer = local?.NextOffset is not { } localNext
                || ((local.Log is null || checkpoint.Log is null || !local.Log.IsOtherLogThan(checkpoint.Log)) && checkpoint.NextOffset > localNext);
            return newer ? new FoundCheckpoint(name, checkpoint, clock.GetUtcNow() - checkpoint.Created) : null;
        }

        return null;
    }

    /// <summary>Replaces the local state of the checkpoint's partition with it (one atomic write) and remembers it as the latest.</summary>
    public void Restore(FoundCheckpoint found)
    {
        ArgumentNullException.ThrowIfNull(found);
        var checkpoint = found.Checkpoint;
        using (var batch = store.ReplaceBatch(checkpoint.Partition, checkpoint.Records))
        {
            store.Commit(batch);
        }

        written[checkpoint.Partition] = (checkpoint.NextOffset, checkpoint.Created);
        metrics.CheckpointRestored();
        status.Checkpointed(checkpoint.Partition, checkpoint.NextOffset, checkpoint.Created);
        logger.CheckpointRestored(checkpoint.Partition, found.Name, storage.Location, checkpoint.NextOffset, found.Age.TotalSeconds);
    }

    /// <summary>Checkpoints every partition of <paramref name="partitions"/> whose last checkpoint is older than the interval and whose state moved since.</summary>
    public void WriteDue(IEnumerable<int> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        var now = clock.GetUtcNow();
        foreach (var partition in partitions)
        {
            if (!written.TryGetValue(partition, out var last) || now - last.At >= options.Interval)
            {
                Write(partition, "interval");
            }
        }
    }

    /// <summary>Checkpoints the committed state of <paramref name="partition"/> now (unless it did not move since the last one).</summary>
    public void Write(int partition, string why)
    {
        var started = Stopwatch.GetTimestamp();
        var now = clock.GetUtcNow();
        if (store.Export(partition) is not { } export)
        {
            return; // nothing committed yet
        }

        var lastOffset = written.TryGetValue(partition, out var last) ? last.NextOffset : -1;
        if (lastOffset == export.NextOffset)
        {
            written[partition] = (lastOffset, now); // unchanged: the last checkpoint still holds; look again an interval later
            return;
        }

        var checkpoint = PartitionCheckpoint.Of(export, now);
        var name = checkpoint.NameIn(Topics.Trades);
        long bytes = 0;
        try
        {
            storage.Write(name, stream =>
            {
                checkpoint.WriteTo(stream);
                bytes = stream.Position;
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            metrics.CheckpointFailed("write");
            Problem("write", $"cannot write checkpoint {name} to {storage.Location}: {e.Message}; the last one of partition {partition} grows older (aggregate.checkpoint.age)");
            written[partition] = (lastOffset, now); // try again an interval later
            return;
        }

        written[partition] = (export.NextOffset, now);
        var elapsed = Stopwatch.GetElapsedTime(started);
        metrics.CheckpointWritten(bytes, elapsed);
        status.Checkpointed(partition, export.NextOffset, now);
        if (loggedFirst.Add(partition))
        {
            logger.CheckpointWritten(partition, why, name, storage.Location, export.NextOffset, export.Records.Count, bytes, elapsed.TotalMilliseconds);
        }
        else
        {
            logger.CheckpointWrittenAgain(partition, why, name, export.NextOffset, export.Records.Count, bytes, elapsed.TotalMilliseconds);
        }

        CollectGarbage(partition);
    }

    /// <summary>The partition is no longer owned here: its checkpoint bookkeeping is forgotten.</summary>
    public void Forget(int partition) => written.Remove(partition);

    /// <summary>Seconds since the oldest last checkpoint of <paramref name="partitions"/> (0 when none was written or restored).</summary>
    public double AgeSeconds(IEnumerable<int> partitions, DateTimeOffset now)
    {
        var ages = partitions.Where(written.ContainsKey).Select(p => (now - written[p].At).TotalSeconds).ToList();
        return ages.Count == 0 ? 0 : ages.Max();
    }

    /// <summary>Deletes all but the newest <see cref="CheckpointOptions.Retain"/> checkpoints of a partition.</summary>
    private void CollectGarbage(int partition)
    {
        try
        {
            foreach (var old in PartitionCheckpoint.NewestFirst(storage.List(PartitionCheckpoint.FolderOf(Topics.Trades, partition))).Skip(options.Retain))
            {
                storage.Delete(old);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            metrics.CheckpointFailed("delete");
            Problem("delete", $"cannot delete old checkpoints of partition {partition} in {storage.Location}: {e.Message}");
        }
    }

    private void Problem(string kind, string reason)
    {
        if (loggedProblems.Add(kind))
        {
            logger.CheckpointProblem(reason);
        }
    }
}

/// <summary>A checkpoint found for a partition: its storage name, content and age (now minus when it was written).</summary>
internal sealed record FoundCheckpoint(string Name, PartitionCheckpoint Checkpoint, TimeSpan Age);
