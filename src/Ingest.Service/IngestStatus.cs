using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BitcoinVolume.Ingest;

/// <summary>
/// What ingest is doing — for <c>/health</c> (check <c>ingest</c>) and <c>GET /api/ingest/status</c>. Counters are
/// cumulative since start. Unhealthy when the source failed or gave up, or the live feed failed to connect
/// <see cref="LiveOptions.UnhealthyAfterFailures"/> times in a row; degraded while it reconnects.
/// </summary>
public sealed class IngestStatus : IHealthCheck
{
    private volatile string state = "starting";
    private volatile bool finished;
    private volatile string? failure;
    private volatile bool live;
    private volatile bool connected;
    private volatile string? lastDisconnect;
    private int consecutiveFailures;
    private long frames;
    private long trades;
    private long duplicates;
    private long invalid;
    private long reconnects;
    private long gapsDetected;
    private long backfilled;
    private long unfilledGaps;
    private Func<int> openGaps = static () => 0;

    public string State => state;

    public bool Finished => finished;

    /// <summary>Why the source stopped for good, if it did.</summary>
    public string? Failure => failure;

    public bool Connected => connected;

    public int ConsecutiveFailures => Volatile.Read(ref consecutiveFailures);

    /// <summary>Consecutive connection failures that make <c>/health</c> unhealthy.</summary>
    public int UnhealthyAfterFailures { get; set; } = 3;

    public long Frames => Interlocked.Read(ref frames);

    /// <summary>Trades produced to the trades topic (stream and backfill).</summary>
    public long Trades => Interlocked.Read(ref trades);

    public long Duplicates => Interlocked.Read(ref duplicates);

    /// <summary>Records written to trades.dlq (bad frames and unfilled gaps).</summary>
    public long DeadLettered => Interlocked.Read(ref invalid);

    public long Reconnects => Interlocked.Read(ref reconnects);

    public long GapsDetected => Interlocked.Read(ref gapsDetected);

    public long Backfilled => Interlocked.Read(ref backfilled);

    public long UnfilledGaps => Interlocked.Read(ref unfilledGaps);

    public int OpenGaps => openGaps();

    public string? LastDisconnect => lastDisconnect;

    public void Report(string newState, bool finished = false)
    {
        state = newState;
        this.finished = finished;
    }

    public void Fail(string reason)
    {
        failure = reason;
        Report($"failed: {reason}");
    }

    public void ObserveOpenGaps(Func<int> count) => openGaps = count;

    public void LiveSource() => live = true;

    public void SourceConnected()
    {
        connected = true;
        Volatile.Write(ref consecutiveFailures, 0);
    }

    /// <summary>A session ended; <paramref name="failed"/> when it was a failure (counts towards unhealthy).</summary>
    public void SourceDisconnected(string cause, bool failed)
    {
        connected = false;
        lastDisconnect = cause;
        Interlocked.Increment(ref reconnects);
        if (failed)
        {
            Interlocked.Increment(ref consecutiveFailures);
        }
    }

    public void CountFrame() => Interlocked.Increment(ref frames);

    public void CountTrades(long count) => Interlocked.Add(ref trades, count);

    public void CountDuplicate() => Interlocked.Increment(ref duplicates);

    public void CountDeadLetter() => Interlocked.Increment(ref invalid);

    public void CountGap() => Interlocked.Increment(ref gapsDetected);

    public void CountBackfilled(long count) => Interlocked.Add(ref backfilled, count);

    public void CountUnfilledGap() => Interlocked.Increment(ref unfilledGaps);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["frames"] = Frames,
            ["trades"] = Trades,
            ["reconnects"] = Reconnects,
            ["openGaps"] = OpenGaps,
            ["unfilledGaps"] = UnfilledGaps,
        };
        HealthCheckResult result;
        if (failure is { } reason)
        {
            result = HealthCheckResult.Unhealthy($"ingest stopped: {reason}", data: data);
        }
        else if (live && ConsecutiveFailures >= UnhealthyAfterFailures)
        {
            result = HealthCheckResult.Unhealthy($"{ConsecutiveFailures} connection attempts failed in a row (last: {lastDisconnect}); {state}", data: data);
        }
        else if (live && !connected)
        {
            result = HealthCheckResult.Degraded($"reconnecting (last: {lastDisconnect}); {state}", data: data);
        }
        else
        {
            result = HealthCheckResult.Healthy(state, data);
        }

        return Task.FromResult(result);
    }
}
