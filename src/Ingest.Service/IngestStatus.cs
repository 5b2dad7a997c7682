using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BitcoinVolume.Ingest;

/// <summary>What the worker is doing, for <c>/health</c> and the status API.</summary>
public sealed class IngestStatus : IHealthCheck
{
    private volatile string state = "starting";
    private volatile bool finished;

    public string State => state;

    public bool Finished => finished;

    public void Report(string newState, bool finished = false)
    {
        state = newState;
        this.finished = finished;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(HealthCheckResult.Healthy(state));
}
