using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BitcoinVolume.Aggregate;

/// <summary>What the worker is doing, and the partitions it cannot process, for <c>/health</c>.</summary>
public sealed class AggregateStatus : IHealthCheck
{
    private readonly ConcurrentDictionary<int, string> blocked = new();
    private readonly ConcurrentDictionary<int, (long NextOffset, DateTimeOffset At)> checkpoints = new();
    private volatile string state = "starting";
    private readonly ConcurrentDictionary<int, IReadOnlyList<(int Partition, DateTimeOffset? Watermark)>> watermarksByLoop = new();

    /// <summary>What the worker is doing (free text, e.g. <c>waiting for partitions</c>).</summary>
    public string State => state;

    /// <summary>The partitions it cannot process, with the reason, ordered.</summary>
    public IReadOnlyList<KeyValuePair<int, string>> BlockedPartitions => [.. blocked.OrderBy(b => b.Key)];

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
    public void Block(int partition, string reason) => blocked[partition] = reason;

    public void Unblock(int partition) => blocked.TryRemove(partition, out _);

    /// <summary>The partition's latest checkpoint (written or restored here): its next offset and when it was written.</summary>
    public void Checkpointed(int partition, long nextOffset, DateTimeOffset at) => checkpoints[partition] = (nextOffset, at);

    /// <summary>The partition is no longer here: its checkpoint is not reported any more.</summary>
    public void Released(int partition) => checkpoints.TryRemove(partition, out _);

    /// <summary>The latest checkpoint per partition of this instance (health data <c>checkpoint.N</c>).</summary>
    public IReadOnlyDictionary<int, (long NextOffset, DateTimeOffset At)> Checkpoints => checkpoints;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(blocked.IsEmpty
            ? HealthCheckResult.Healthy(state, CheckpointData())
            : HealthCheckResult.Unhealthy($"{blocked.Count} partition(s) cannot be processed exactly: " +
                string.Join("; ", blocked.OrderBy(b => b.Key).Select(b => $"{b.Key}: {b.Value}")), data: CheckpointData()));

    private Dictionary<string, object> CheckpointData() => checkpoints.OrderBy(c => c.Key).ToDictionary(
        c => $"checkpoint.{c.Key}", c => (object)$"next offset {c.Value.NextOffset}, written {c.Value.At:O}");
}
