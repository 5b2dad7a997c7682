using System.Diagnostics;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Aggregate.Processing;

/// <summary>
/// Spans of the aggregator: one per emitted window value, child of the last trade that changed it (the trade's context
/// comes in its record's headers), so a trade's journey through ingest, aggregate and sink is one trace. A window's
/// context is kept until its final value is emitted — that may be a later batch than its last trade's, when the
/// watermark passes it — so the final value continues the trace too; memory is bounded by the open windows.
/// </summary>
internal sealed class AggregateTracing
{
    /// <summary>The aggregator's activity source (the service defaults listen to it by name).</summary>
    public static readonly ActivitySource ActivitySource = new("BitcoinVolume.Aggregate");

    private readonly Dictionary<string, ActivityContext> lastTradeContext = new(StringComparer.Ordinal);

    /// <summary>True when anyone listens: only then are contexts extracted and spans started.</summary>
    public static bool Enabled => ActivitySource.HasListeners();

    /// <summary>Remembers <paramref name="context"/> as the last trade that changed the window <paramref name="windowKey"/>.</summary>
    public void Remember(string windowKey, ActivityContext context) => lastTradeContext[windowKey] = context;

    /// <summary>The span of producing one window value, child of the last trade that changed the window (if known).</summary>
    public Activity? StartEmit(WindowVolume window, string key, int partition)
    {
        var parent = lastTradeContext.TryGetValue(key, out var context) ? context : default;
        if (window.Final)
        {
            lastTradeContext.Remove(key);
        }

        var activity = ActivitySource.StartActivity($"{Topics.Volumes1m} publish", ActivityKind.Producer, parent);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.destination.name", Topics.Volumes1m);
        activity?.SetTag("bitcoinvolume.window", key);
        activity?.SetTag("bitcoinvolume.version", window.Version);
        activity?.SetTag("bitcoinvolume.input_partition", partition);
        return activity;
    }
}
