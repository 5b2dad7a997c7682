using BitcoinVolume.Aggregate.Windowing;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Aggregate.Tests;

/// <summary>What the state store keeps of the footprint (the latest value of every retained window, the streams' ticks), in memory.</summary>
internal sealed class InMemoryFootprintStore
{
    private readonly Dictionary<string, FootprintWindow> windows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, decimal> ticks = new(StringComparer.Ordinal);

    public void Commit(FootprintChanges changes)
    {
        foreach (var window in changes.Windows)
        {
            windows[window.Key] = window;
        }

        foreach (var window in changes.Pruned)
        {
            windows.Remove(window.Key);
        }

        foreach (var (stream, tick) in changes.Ticks)
        {
            ticks[stream] = tick;
        }
    }

    public FootprintAggregator Restore(FootprintOptions options, WindowingOptions windowing)
    {
        var footprint = new FootprintAggregator(options, windowing);
        footprint.Restore(windows.Values, ticks);
        return footprint;
    }
}
