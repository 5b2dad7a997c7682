using BitcoinVolume.Sink.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BitcoinVolume.Sink.Consumer;

/// <summary>What the consumer last saw of the database: set when a batch cannot be written, cleared when one is. Thread-safe.</summary>
public sealed class SinkStatus(TimeProvider timeProvider)
{
    private readonly Lock gate = new();
    private DateTimeOffset? failingSince;
    private string? lastError;
    private int heldRecords;
    private bool paused;

    /// <summary>True while the last write attempt failed.</summary>
    public bool IsFailing
    {
        get
        {
            lock (gate)
            {
                return failingSince is not null;
            }
        }
    }

    /// <summary>True while consumption is paused.</summary>
    public bool IsPaused
    {
        get
        {
            lock (gate)
            {
                return paused;
            }
        }
    }

    public void ReportWriteFailed(Exception error, int heldRecords, bool paused)
    {
        ArgumentNullException.ThrowIfNull(error);
        lock (gate)
        {
            failingSince ??= timeProvider.GetUtcNow();
            lastError = $"{error.GetType().Name}: {error.Message}";
            this.heldRecords = heldRecords;
            this.paused = paused;
        }
    }

    public void ReportWriteSucceeded()
    {
        lock (gate)
        {
            failingSince = null;
            lastError = null;
            heldRecords = 0;
            paused = false;
        }
    }

    /// <summary>The database as the consumer last saw it: failing since when, the last error, records held, paused.</summary>
    public (DateTimeOffset? FailingSince, string? LastError, int HeldRecords, bool Paused) Snapshot()
    {
        lock (gate)
        {
            return (failingSince, lastError, heldRecords, paused);
        }
    }

    /// <summary>The consumer's view, or <see langword="null"/> when its last write succeeded.</summary>
    public string? Describe()
    {
        lock (gate)
        {
            return failingSince is { } since
                ? $"Writing to the database fails since {since:O} ({lastError}); {heldRecords} records held, consumption {(paused ? "paused" : "running")}."
                : null;
        }
    }
}

/// <summary>
/// <c>/health</c>: Degraded while the consumer cannot write (its partitions are paused) or the store does not answer a
/// ping within 2 s; Healthy otherwise. The service stays alive (<c>/alive</c>) and keeps serving what the database holds.
/// </summary>
internal sealed class DatabaseHealthCheck(IVolumeStore store, SinkStatus health) : IHealthCheck
{
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (health.Describe() is { } failing)
        {
            return HealthCheckResult.Degraded(failing);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PingTimeout);
        try
        {
            await store.PingAsync(timeout.Token);
            return HealthCheckResult.Healthy($"{store.Name} reachable.");
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Degraded($"{store.Name} does not answer: {e.Message}", e);
        }
    }
}
