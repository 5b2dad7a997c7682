using BitcoinVolume.Aggregate.Windowing;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Aggregate.Tests;

/// <summary>What a state store keeps (the latest value of every retained window, dedup ranges, remembered ids, the clock), in memory.</summary>
internal sealed class InMemoryStateStore
{
    private readonly Dictionary<string, WindowVolume> windows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<(long Start, long End)>> dedup = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, DedupId), RecentId> recent = [];
    private EventTimeState clock = EventTimeState.None;

    public void Commit(AggregatorChanges changes)
    {
        foreach (var window in changes.Windows)
        {
            windows[window.Key] = window;
        }

        foreach (var window in changes.Pruned)
        {
            windows.Remove(window.Key);
        }

        foreach (var (stream, ranges) in changes.Dedup)
        {
            dedup[stream] = ranges;
        }

        foreach (var id in changes.RecentAdded)
        {
            recent[(id.Stream, id.Id)] = id;
        }

        foreach (var id in changes.RecentForgotten)
        {
            recent.Remove((id.Stream, id.Id));
        }

        clock = changes.Clock;
    }

    public VolumeAggregator Restore(WindowingOptions options)
    {
        var aggregator = new VolumeAggregator(options);
        aggregator.Restore(windows.Values, dedup, clock, recent.Values);
        return aggregator;
    }
}
