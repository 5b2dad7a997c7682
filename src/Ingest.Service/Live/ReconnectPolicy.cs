using Polly;
using Polly.Retry;

namespace BitcoinVolume.Ingest.Live;

/// <summary>How one websocket session ended.</summary>
/// <param name="Healthy">
/// The session received frames and lasted at least the stall timeout: the next connection is tried at once and the
/// backoff starts over. An unhealthy end (connection refused, dropped early, flapping) goes through the backoff.
/// </param>
/// <param name="Cause">Machine-readable cause, a metric tag: <c>connect_failed</c>, <c>stalled</c>, <c>closed_by_server</c>, <c>connection_lost</c>, <c>error</c>,
/// and for feeds with such rules <c>max_connection_age</c>, <c>reconnect_requested</c>.</param>
/// <param name="Detail">Human-readable detail for the log.</param>
/// <param name="Frames">Frames the session received.</param>
public sealed record SessionOutcome(bool Healthy, string Cause, string Detail, long Frames);

/// <summary>Causes of a reconnect (metric tag values of <c>ingest.reconnects</c>).</summary>
public static class ReconnectCauses
{
    public const string ConnectFailed = "connect_failed";
    public const string Stalled = "stalled";
    public const string ClosedByServer = "closed_by_server";
    public const string ConnectionLost = "connection_lost";
    public const string Error = "error";

    /// <summary>The feed's maximum connection age was reached (<see cref="Venues.ILiveFeed.MaxConnectionAge"/>).</summary>
    public const string MaxConnectionAge = "max_connection_age";

    /// <summary>The server asked for a reconnect (<see cref="Venues.ILiveFeed.IsReconnectRequest"/>).</summary>
    public const string ReconnectRequested = "reconnect_requested";

    /// <summary>Every product's subscription was refused <see cref="LiveOptions.MaxSubscriptionRefusals"/> times: nothing is left to subscribe.</summary>
    public const string Rejected = "rejected";

    /// <summary>The feed skipped a per-connection sequence number (<see cref="Venues.ILiveFeed.SequenceOf"/>): a frame, maybe with trades, was lost.</summary>
    public const string SequenceGap = "sequence_gap";
}

/// <summary>
/// The reconnect policy of every venue's live feed (shared, not venue-specific): a Polly retry over whole sessions — exponential backoff from
/// <see cref="LiveOptions.ReconnectDelay"/> with jitter, capped at <see cref="LiveOptions.MaxReconnectDelay"/>, at most
/// <see cref="LiveOptions.MaxReconnectAttempts"/> consecutive failures (0 = no limit). Every retry goes through
/// <paramref name="onRetry"/> (the source logs its cause and counts it).
/// </summary>
public static class ReconnectPolicy
{
    public static ResiliencePipeline<SessionOutcome> Create(LiveOptions options, Func<OnRetryArguments<SessionOutcome>, ValueTask>? onRetry, TimeProvider? timeProvider = null,
        string name = "live-reconnect")
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ResiliencePipelineBuilder<SessionOutcome> { TimeProvider = timeProvider ?? TimeProvider.System }
            .AddRetry(new RetryStrategyOptions<SessionOutcome>
            {
                Name = name,
                ShouldHandle = static args => ValueTask.FromResult(
                    args.Outcome.Result is { Healthy: false } || args.Outcome.Exception is not null and not OperationCanceledException),
                MaxRetryAttempts = options.MaxReconnectAttempts > 0 ? options.MaxReconnectAttempts : int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.ReconnectDelay,
                MaxDelay = options.MaxReconnectDelay,
                OnRetry = onRetry,
            })
            .Build();
    }
}
