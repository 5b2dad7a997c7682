using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BitcoinVolume.Aggregate;

/// <summary>What the worker is doing, and the partitions it cannot process, for <c>/health</c>.</summary>
public sealed class AggregateStatus : IHealthCheck
{
    private readonly ConcurrentDictionary<int, string> blocked = new();
    private readonly ConcurrentDictionary<int, (string Reason, long Until)> releasedBlocked = new();
    private long releasedBlockGraceMs;
    private readonly ConcurrentDictionary<int, (long NextOffset, DateTimeOffset At)> checkpoints = new();
    private volatile string state = "starting";
    private readonly ConcurrentDictionary<int, IReadOnlyList<(int Partition, DateTimeOffset? Watermark)>> watermarksByLoop = new();

    /// <summary>What the worker is doing (free text, e.g. <c>waiting for partitions</c>).</summary>
    public string State => state;

    /// <summary>
    /// The partitions it cannot process, with the reason, ordered — including blocked partitions revoked from one of
    /// several loops during a rebalance, until a loop of this instance takes them back (and checks them again) or, when
    /// another instance took them, for <see cref="UseLoops"/>' grace.
    /// </summary>
    public IReadOnlyList<KeyValuePair<int, string>> BlockedPartitions
    {
        get
        {
            var now = Environment.TickCount64;
            return [.. blocked.Concat(releasedBlocked.Where(r => r.Value.Until > now && !blocked.ContainsKey(r.Key)).Select(r => KeyValuePair.Create(r.Key, r.Value.Reason))).OrderBy(b => b.Key)];
        }
    }

    /// <summary>
    /// With several loops (<see cref="AggregateOptions.Loops"/>) a blocked partition revoked in a rebalance stays
    /// reported for up to <paramref name="releasedBlockGrace"/>: the loop of this instance that is given it next re-checks it
    /// (a rebalance among the loops must not make /health healthy for a moment); with one loop it is forgotten at once.
    /// </summary>
    public void UseLoops(int loops, TimeSpan releasedBlockGrace) =>
        Interlocked.Exchange(ref releasedBlockGraceMs, loops > 1 ? (long)releasedBlockGrace.TotalMilliseconds : 0);

    /// <summary>
    /// The owned partitions of <c>trades</c> with their event-time watermarks (null before a partition's first trade), over
    /// every loop, ordered by partition. A partition that just moved between loops is listed once (the newer owner's view
    /// may be reported a batch before the old owner's next one).
    /// </summary>
    public IReadOnlyList<(int Partition, DateTimeOffset? Watermark)> Watermarks =>
        [.. watermarksByLoop.Values.SelectMany(w => w).GroupBy(p => p.Partition).Select(g => g.First()).OrderBy(p => p.Partition)];

    public void Report(string newState) => state = newState;

    /// <summary>The owned partitions and their watermarks, after a batch (a single loop).</summary>
    public void ObserveWatermarks(IReadOnlyList<(int Partition, DateTimeOffset? Watermark)> current) => ObserveWatermarks(0, current);

    /// <summary>The partitions owned by loop <paramref name="loop"/> and their watermarks, after its batch.</summary>
    public void ObserveWatermarks(int loop, IReadOnlyList<(int Partition, DateTimeOffset? Watermark)> current) => watermarksByLoop[loop] = current;

    /// <summary>A partition that cannot be processed exactly (fallen behind retention, or state from another log).</summary>
    public void Block(int partition, string reason)
    {
        blocked[partition] = reason;
        releasedBlocked.TryRemove(partition, out _);
    }

    /// <summary>The partition is processed (again): it is not reported any more.</summary>
    public void Unblock(int partition)
    {
        blocked.TryRemove(partition, out _);
        releasedBlocked.TryRemove(partition, out _);
    }

    /// <summary>The partition was revoked or lost: no longer blocked here (after the grace of <see cref="UseLoops"/>).</summary>
    public void ReleaseBlock(int partition)
    {
        var grace = Interlocked.Read(ref releasedBlockGraceMs);
        if (blocked.TryRemove(partition, out var reason) && grace > 0)
        {
            releasedBlocked[partition] = (reason, Environment.TickCount64 + grace);
        }
    }

    /// <summary>The partition's latest checkpoint (written or restored here): its next offset and when it was written.</summary>
    public void Checkpointed(int partition, long nextOffset, DateTimeOffset at) => checkpoints[partition] = (nextOffset, at);

    /// <summary>The partition is no longer here: its checkpoint is not reported any more.</summary>
    public void Released(int partition) => checkpoints.TryRemove(partition, out _);

    /// <summary>The latest checkpoint per partition of this instance (health data <c>checkpoint.N</c>).</summary>
    public IReadOnlyDictionary<int, (long NextOffset, DateTimeOffset At)> Checkpoints => checkpoints;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(BlockedPartitions is not { Count: > 0 } now
            ? HealthCheckResult.Healthy(state, CheckpointData())
            : HealthCheckResult.Unhealthy($"{now.Count} partition(s) cannot be processed exactly: " +
                string.Join("; ", now.Select(b => $"{b.Key}: {b.Value}")), data: CheckpointData()));

    private Dictionary<string, object> CheckpointData() => checkpoints.OrderBy(c => c.Key).ToDictionary(
        c => $"checkpoint.{c.Key}", c => (object)$"next offset {c.Value.NextOffset}, written {c.Value.At:O}");
}
