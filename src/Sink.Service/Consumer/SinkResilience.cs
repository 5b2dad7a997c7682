using Polly;
using Polly.Retry;

namespace BitcoinVolume.Sink.Consumer;

/// <summary>The retry policy of batch writes (a resilience pipeline registered under <see cref="DatabasePipeline"/>).</summary>
public static class SinkResilience
{
    public const string DatabasePipeline = "sink-database";

    /// <summary>
    /// Bounded retries with exponential backoff and jitter; cancellation is never retried. Each retry is counted in
    /// <c>sink.upsert.retries</c> (when <paramref name="metrics"/> is given) and logged by Polly's telemetry (Warning).
    /// </summary>
    public static ResiliencePipelineBuilder AddDatabaseRetry(
        this ResiliencePipelineBuilder builder, SinkOptions options, SinkMetrics? metrics = null, string store = "database")
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        if (options.DbRetryAttempts == 0)
        {
            return builder;
        }

        return builder.AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
            MaxRetryAttempts = options.DbRetryAttempts,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(options.DbRetryDelayMs),
            MaxDelay = TimeSpan.FromSeconds(30),
            OnRetry = _ =>
            {
                metrics?.RecordUpsertRetry(store);
                return ValueTask.CompletedTask;
            },
        });
    }
}
