using BitcoinVolume.Aggregate.State;
using BitcoinVolume.Aggregate.Windowing;

namespace BitcoinVolume.Aggregate.Processing;

/// <summary>
/// Which input partitions this instance aggregates (each with its <see cref="VolumeAggregator"/> and next input offset),
/// which it has blocked (they cannot be processed exactly) and which of those still have to be paused on the consumer.
/// Pure bookkeeping: no Kafka, no disk, no clock of its own. Used on the consumer's thread only (the rebalance callbacks
/// run inside <c>Consume</c>).
/// </summary>
internal sealed class PartitionOwnership
{
    private readonly Dictionary<int, OwnedPartition> owned = [];
    private readonly HashSet<int> blocked = [];
    private readonly HashSet<int> toPause = [];
    private bool assignedSinceCommit = true;

    /// <summary>The partitions being aggregated.</summary>
    public IReadOnlyDictionary<int, OwnedPartition> Owned => owned;

    /// <summary>The partitions blocked since they were last assigned.</summary>
    public IReadOnlySet<int> Blocked => blocked;

    /// <summary>
    /// Where a newly assigned partition starts. <paramref name="storedNext"/> is the next offset in the local state (null:
    /// none stored, i.e. rebuild from offset 0); <paramref name="low"/>..<paramref name="high"/> is the log on the broker.
    /// A stored offset before the log start (fallen behind retention) or after its end (foreign state: another cluster or a
    /// recreated topic) blocks the partition, positioned at the end of the log.
    /// </summary>
    public static AssignmentDecision Decide(bool hasState, long? storedNext, long low, long high, string statePath)
    {
        var next = storedNext ?? 0;
        if (next < low)
        {
            return new AssignmentDecision(high, !hasState
                ? $"no local state and the broker no longer has its first records (log starts at {low}): it cannot be rebuilt exactly"
                : $"its stored offset {next} is no longer on the broker (log starts at {low})");
        }

        if (next > high)
        {
            return new AssignmentDecision(high, $"its stored offset {next} is beyond the end of the log ({high}): the state belongs to another cluster or the topic was recreated; delete {statePath} to rebuild");
        }

        return new AssignmentDecision(next, null);
    }

    /// <summary>
    /// Where a newly assigned partition starts, given also the log its state was built from (<paramref name="stored"/>;
    /// null: not recorded) and the log the broker has now (<paramref name="current"/>). The same log (or none recorded):
    /// <see cref="Decide(bool, long?, long, long, string)"/>. Another log: with <paramref name="continueOnNewDevelopmentBroker"/>
    /// and a development broker on both sides, the state is kept and the partition is read from the start of the new log
    /// (<see cref="AssignmentDecision.NewLog"/> says so); otherwise the partition is blocked (a real cluster's state that
    /// cannot be continued is reported, never mixed).
    /// </summary>
    public static AssignmentDecision Decide(
        bool hasState, long? storedNext, long low, long high, string statePath, LogIdentity? stored, LogIdentity current, bool continueOnNewDevelopmentBroker)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (!hasState || stored is null || !stored.IsOtherLogThan(current))
        {
            return Decide(hasState, storedNext, low, high, statePath);
        }

        if (continueOnNewDevelopmentBroker && stored.IsDevelopmentBroker && current.IsDevelopmentBroker
            && string.Equals(stored.Topic, current.Topic, StringComparison.Ordinal))
        {
            return new AssignmentDecision(low, null)
            {
                NewLog = $"its state was built against {stored}, the broker is now {current} (restarted, new log): windows, dedup state and clock are kept, " +
                    $"reading the new log from its start ({low}); trades already counted are recognized by their ids",
            };
        }

        var reason = $"its state was built against {stored}, but the broker is {current}: another log, so the state cannot be continued " +
            $"(delete {statePath} to rebuild it from this log{(current.IsDevelopmentBroker ? ", or set Aggregate:ContinueAcrossBrokerRestarts=true to keep it across development broker restarts" : "")})";
        return Decide(hasState, storedNext, low, high, statePath) is { BlockReason: { } also }
            ? new AssignmentDecision(high, $"{reason}; also, {also}")
            : new AssignmentDecision(high, reason);
    }

    /// <summary>Takes a partition on, to be aggregated from <paramref name="nextOffset"/> on.</summary>
    public void Assign(int partition, VolumeAggregator aggregator, long nextOffset, FootprintAggregator? footprint = null)
    {
        blocked.Remove(partition);
        assignedSinceCommit = true;
        owned[partition] = new OwnedPartition(aggregator, nextOffset) { Footprint = footprint };
    }

    /// <summary>Forgets whether a partition was blocked (it is being assigned again).</summary>
    public void Unblock(int partition) => blocked.Remove(partition);

    /// <summary>The partition was revoked or lost: it is neither owned nor blocked any more.</summary>
    public void Release(int partition)
    {
        owned.Remove(partition);
        blocked.Remove(partition);
    }

    /// <summary>Stops aggregating a partition; true when it was not blocked yet (it is then queued to be paused).</summary>
    public bool Block(int partition)
    {
        owned.Remove(partition);
        if (!blocked.Add(partition))
        {
            return false;
        }

        toPause.Add(partition);
        return true;
    }

    /// <summary>The partitions blocked since the last call (to pause on the consumer).</summary>
    public IReadOnlyList<int> TakeToPause()
    {
        if (toPause.Count == 0)
        {
            return [];
        }

        var partitions = toPause.ToList();
        toPause.Clear();
        return partitions;
    }

    /// <summary>
    /// True when the record at <paramref name="offset"/> is to be applied: the partition is owned and the record is not
    /// already in its state. The partition's next offset then moves past it.
    /// </summary>
    public bool TryAccept(int partition, long offset, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out OwnedPartition? state)
    {
        if (!owned.TryGetValue(partition, out state) || offset < state.NextOffset)
        {
            return false; // not ours (any more), or already in the committed state
        }

        state.NextOffset = offset + 1;
        return true;
    }

    /// <summary>True once after each assignment (the first commit after it is logged at Information).</summary>
    public bool TakeAssignedSinceCommit()
    {
        var assigned = assignedSinceCommit;
        assignedSinceCommit = false;
        return assigned;
    }

    /// <summary>The next input offsets of those <paramref name="partitions"/> that are still owned.</summary>
    public List<(int Partition, long NextOffset)> NextOffsets(IEnumerable<int> partitions) =>
        partitions.Where(owned.ContainsKey).Select(p => (p, owned[p].NextOffset)).ToList();

    /// <summary>While a live partition is idle its watermark follows the wall clock (minus grace), so windows close.</summary>
    public void AdvanceIdleLivePartitions(IReadOnlySet<int> touched, DateTimeOffset now, TimeSpan liveThreshold, TimeSpan grace)
    {
        foreach (var (partition, state) in owned)
        {
            if (!touched.Contains(partition) && state.Aggregator.LatestEventTime is { } latest && now - latest <= liveThreshold)
            {
                state.Aggregator.AdvanceWatermark(now - grace);
            }
        }
    }

    /// <summary>Wall clock minus the oldest watermark of the owned partitions (0 when none has one).</summary>
    public double WatermarkLagSeconds(DateTimeOffset now)
    {
        var watermarks = owned.Values.Select(o => o.Aggregator.Watermark).OfType<DateTimeOffset>().ToList();
        return watermarks.Count == 0 ? 0 : (now - watermarks.Min()).TotalSeconds;
    }

    /// <summary>The owned partitions (ordered) with their watermarks, for the status reports.</summary>
    public List<(int Partition, DateTimeOffset? Watermark)> Watermarks() =>
        [.. owned.OrderBy(o => o.Key).Select(o => (o.Key, o.Value.Aggregator.Watermark))];
}

/// <summary>An owned partition: its aggregator and the next input offset to apply.</summary>
internal sealed class OwnedPartition(VolumeAggregator aggregator, long nextOffset)
{
    public VolumeAggregator Aggregator { get; } = aggregator;

    /// <summary>The partition's volume at price (null when <c>Aggregate:Footprint:Enabled</c> is false).</summary>
    public FootprintAggregator? Footprint { get; init; }

    public long NextOffset { get; set; } = nextOffset;
}

/// <summary>Where to position a newly assigned partition, and why it is blocked (null: it is aggregated).</summary>
internal readonly record struct AssignmentDecision(long Offset, string? BlockReason)
{
    /// <summary>Set when the state is continued on a new development broker log: what happened (to log).</summary>
    public string? NewLog { get; init; }
}
