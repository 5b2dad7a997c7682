using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BitcoinVolume.Ingest;

/// <summary>
/// What ingest is doing — for <c>/health</c> (check <c>ingest</c>) and <c>GET /api/ingest/status</c>. Counters are
/// cumulative since start. Unhealthy when the source failed or gave up, or the live feed failed to connect
/// <see cref="LiveOptions.UnhealthyAfterFailures"/> times in a row; degraded while it reconnects. With several venues
/// (<see cref="IngestVenueStatuses"/>) each venue has its own, whose counters also count in the service's one
/// (<paramref name="parent"/>); its health check is <c>ingest-&lt;venue&gt;</c>.
/// </summary>
public sealed class IngestStatus(IngestStatus? parent = null) : IHealthCheck
{
    private long lastTradeTicks;
    private long disconnectedSinceTicks;
    private volatile bool unavailable;
    private volatile string state = "starting";
    private volatile bool finished;
    private volatile string? failure;
    private volatile bool live;
    private volatile bool connected;
    private volatile string? lastDisconnect;
    private volatile string? lastDisconnectDetail;
    private int consecutiveFailures;
    private long frames;
    private long trades;
    private long duplicates;
    private long invalid;
    private long unknownFrames;
    private long sequenceGaps;
    private long reconnects;
    private long gapsDetected;
    private long backfilled;
    private long unfilledGaps;
    private Func<int> openGaps = static () => 0;

    /// <summary>The product name of a refusal whose frame names no configured product.</summary>
    public const string UnnamedProduct = "?";

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SubscriptionRefusal> refusals = new(StringComparer.Ordinal);
    private long refusalCount;

    /// <summary>Subscription refusals received (all products).</summary>
    public long SubscriptionRefusals => Interlocked.Read(ref refusalCount);

    /// <summary>The products whose subscription the venue refused and that have not traded since, by product.</summary>
    public IReadOnlyList<SubscriptionRefusal> Refusals => [.. refusals.Values.OrderBy(r => r.Product, StringComparer.Ordinal)];

    /// <summary>The venue refused the subscription of <paramref name="product"/> (null: the frame did not say which).</summary>
    public void SubscriptionRefused(string? product, string reason, DateTimeOffset at)
    {
        refusals.AddOrUpdate(
            product ?? UnnamedProduct,
            static (key, state) => new SubscriptionRefusal(key, state.reason, 1, state.at, state.at, GivenUp: false),
            static (_, seen, state) => seen with { Reason = state.reason, Refusals = seen.Refusals + 1, Last = state.at },
            (reason, at));
        Interlocked.Increment(ref refusalCount);
        parent?.CountRefusal();
    }

    /// <summary>How often <paramref name="product"/>'s subscription was refused since it last traded.</summary>
    public int RefusalsOf(string product) => refusals.TryGetValue(product, out var refusal) ? refusal.Refusals : 0;

    /// <summary><paramref name="product"/> is no longer subscribed (refused too often): reported until the service restarts.</summary>
    public void GiveUp(string product)
    {
        if (refusals.TryGetValue(product, out var refusal))
        {
            refusals[product] = refusal with { GivenUp = true };
        }
    }

    /// <summary><paramref name="product"/> traded: an earlier refusal (one that was not given up) is over.</summary>
    public void ProductTraded(string product)
    {
        if (!refusals.IsEmpty && refusals.TryGetValue(product, out var refusal) && !refusal.GivenUp)
        {
            refusals.TryRemove(product, out _);
        }
    }

    private void CountRefusal() => Interlocked.Increment(ref refusalCount);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, StreamResume> resumes = new(StringComparer.Ordinal);

    /// <summary>How each stream resumed at start (restart recovery), by stream; empty on a first start or without recovery.</summary>
    public IReadOnlyList<StreamResume> Resumes => [.. resumes.Values.OrderBy(r => r.Stream, StringComparer.Ordinal)];

    /// <summary>Restart recovery seeded (or could not backfill) <paramref name="resume"/>'s stream; the service's status lists it too.</summary>
    public void Resumed(StreamResume resume)
    {
        ArgumentNullException.ThrowIfNull(resume);
        resumes[resume.Stream] = resume;
        parent?.Resumed(resume);
    }

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

    /// <summary>Frames of a named type the adapter does not know: ignored (not dead-lettered), counted here.</summary>
    public long UnknownFrames => Interlocked.Read(ref unknownFrames);

    /// <summary>Per-connection sequence numbers skipped (Advanced Trade <c>sequence_num</c>): each one ended its connection.</summary>
    public long SequenceGaps => Interlocked.Read(ref sequenceGaps);

    public long GapsDetected => Interlocked.Read(ref gapsDetected);

    public long Backfilled => Interlocked.Read(ref backfilled);

    public long UnfilledGaps => Interlocked.Read(ref unfilledGaps);

    public int OpenGaps => openGaps();

    public string? LastDisconnect => lastDisconnect;

    /// <summary>
    /// When the source lost its connection (or first failed to make one) without being connected again since: the start of
    /// the outage, however many attempts came after it (the status report's <c>since</c> while reconnecting); null when connected.
    /// </summary>
    public DateTimeOffset? DisconnectedSince => Interlocked.Read(ref disconnectedSinceTicks) is var t and not 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    /// <summary>What the last session end said (e.g. the socket error of a failed connect), if known.</summary>
    public string? LastDisconnectDetail => lastDisconnectDetail;

    /// <summary>True once a live source reads (connections, reconnects and their failures apply).</summary>
    public bool IsLive => live;

    /// <summary>True when the venue is not read at all (<see cref="Unavailable"/>).</summary>
    public bool IsUnavailable => unavailable;

    /// <summary>The event time of the newest trade produced, if any.</summary>
    public DateTimeOffset? LastTradeTime => Interlocked.Read(ref lastTradeTicks) is var t and not 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    /// <summary>The venue this status is of (null: the service's own).</summary>
    public string? Venue { get; init; }

    /// <summary>The products the venue reads (venue statuses).</summary>
    public IReadOnlyList<string> Products { get; set; } = [];

    /// <summary>A trade was produced with this event time.</summary>
    public void TradeAt(DateTimeOffset time)
    {
        var ticks = time.UtcTicks;
        long seen;
        while ((seen = Interlocked.Read(ref lastTradeTicks)) < ticks && Interlocked.CompareExchange(ref lastTradeTicks, ticks, seen) != seen)
        {
        }

        parent?.TradeAt(time);
    }

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

    /// <summary>The venue is not read (e.g. <c>no adapter</c>): degraded, never a crash.</summary>
    public void Unavailable(string reason)
    {
        unavailable = true;
        Report($"unavailable: {reason}");
    }

    public void ObserveOpenGaps(Func<int> count) => openGaps = count;

    public void LiveSource() => live = true;

    public void SourceConnected()
    {
        connected = true;
        Interlocked.Exchange(ref disconnectedSinceTicks, 0);
        Volatile.Write(ref consecutiveFailures, 0);
    }

    /// <summary>A session ended; <paramref name="failed"/> when it was a failure (counts towards unhealthy); <paramref name="detail"/> says what happened.</summary>
    public void SourceDisconnected(string cause, bool failed, string? detail = null)
    {
        connected = false;
        Interlocked.CompareExchange(ref disconnectedSinceTicks, DateTimeOffset.UtcNow.UtcTicks, 0);
        lastDisconnect = cause;
        lastDisconnectDetail = detail;
        Interlocked.Increment(ref reconnects);
        parent?.CountReconnect();
        if (failed)
        {
            Interlocked.Increment(ref consecutiveFailures);
        }
    }

    public void CountFrame() => Count(ref frames, 1, static p => p.CountFrame());

    public void CountTrades(long count) => Count(ref trades, count, p => p.CountTrades(count));

    public void CountDuplicate() => Count(ref duplicates, 1, static p => p.CountDuplicate());

    public void CountDeadLetter() => Count(ref invalid, 1, static p => p.CountDeadLetter());

    public void CountUnknownFrame() => Count(ref unknownFrames, 1, static p => p.CountUnknownFrame());

    public void CountSequenceGap() => Count(ref sequenceGaps, 1, static p => p.CountSequenceGap());

    public void CountGap() => Count(ref gapsDetected, 1, static p => p.CountGap());

    public void CountBackfilled(long count) => Count(ref backfilled, count, p => p.CountBackfilled(count));

    public void CountUnfilledGap() => Count(ref unfilledGaps, 1, static p => p.CountUnfilledGap());

    private void CountReconnect() => Interlocked.Increment(ref reconnects);

    /// <summary>Adds to a counter of this status and, through <paramref name="inParent"/>, to the service's.</summary>
    private void Count(ref long counter, long count, Action<IngestStatus> inParent)
    {
        Interlocked.Add(ref counter, count);
        if (parent is not null)
        {
            inParent(parent);
        }
    }

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
        else if (!refusals.IsEmpty)
        {
            var refused = string.Join("; ", Refusals.Select(r =>
                $"{r.Product} refused {r.Refusals}× ({r.Reason}){(r.GivenUp ? ", no longer subscribed" : ", retrying with backoff")}"));
            result = HealthCheckResult.Unhealthy($"subscription refused: {refused}", data: data);
        }
        else if (live && ConsecutiveFailures >= UnhealthyAfterFailures)
        {
            result = HealthCheckResult.Unhealthy($"{ConsecutiveFailures} connection attempts failed in a row (last: {lastDisconnect}); {state}", data: data);
        }
        else if (unavailable)
        {
            result = HealthCheckResult.Degraded(state, data: data);
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

/// <summary>
/// A venue's refusal of a product's subscription: the last reason, how often (since the product last traded), the first
/// and last time, and whether ingest stopped asking (<c>Ingest:Live:MaxSubscriptionRefusals</c>).
/// </summary>
public sealed record SubscriptionRefusal(string Product, string Reason, int Refusals, DateTimeOffset Since, DateTimeOffset Last, bool GivenUp);

/// <summary>Where a stream's high-water mark came from at start (<see cref="StreamResume.Source"/>).</summary>
public static class ResumeSources
{
    /// <summary>Ingest's own stored mark (<c>Ingest:State:Path</c>).</summary>
    public const string Local = "local";

    /// <summary>The tail of `trades`.</summary>
    public const string Trades = "trades";
}

/// <summary>
/// How a stream resumed at start: the high-water mark it resumed after, where it came from (<see cref="ResumeSources"/>),
/// the trade time of the stored mark (null without one), and whether the downtime is backfilled from REST (false: it is lost,
/// logged and counted in <c>ingest.restart.downtime_lost</c>).
/// </summary>
public sealed record StreamResume(string Stream, long Mark, string Source, DateTimeOffset? MarkTime, bool Backfilled);
