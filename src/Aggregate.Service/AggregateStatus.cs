using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BitcoinVolume.Aggregate;

/// <summary>What the worker is doing, for <c>/health</c>.</summary>
public sealed class AggregateStatus : IHealthCheck
{
    private volatile string state = "starting";

    public void Report(string newState) => state = newState;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(HealthCheckResult.Healthy(state));
}
