using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BitcoinVolume.Aggregate;

/// <summary>What the worker is doing, and the partitions it cannot process, for <c>/health</c>.</summary>
public sealed class AggregateStatus : IHealthCheck
{
    private readonly ConcurrentDictionary<int, string> blocked = new();
    private volatile string state = "starting";

    public void Report(string newState) => state = newState;

    /// <summary>A partition that cannot be processed exactly (fallen behind retention, or state from another log).</summary>
    public void Block(int partition, string reason) => blocked[partition] = reason;

    public void Unblock(int partition) => blocked.TryRemove(partition, out _);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(blocked.IsEmpty
            ? HealthCheckResult.Healthy(state)
            : HealthCheckResult.Unhealthy($"{blocked.Count} partition(s) cannot be processed exactly: " +
                string.Join("; ", blocked.OrderBy(b => b.Key).Select(b => $"{b.Key}: {b.Value}"))));
}
