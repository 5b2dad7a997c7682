using BitcoinVolume.Contracts;

namespace BitcoinVolume.Aggregate.Windowing;

/// <summary>
/// An unresolved gap of one stream as the aggregator keeps it (from the latest <see cref="TradeGap"/> marker of its
/// <see cref="Id"/>): the event-time range [<see cref="FromTicks"/>, <see cref="ToTicks"/>] its missing trades can have
/// and the reason the windows it touches show. <see cref="Stream"/> is the <see cref="StreamKey"/> text.
/// </summary>
public sealed record StreamGap(string Stream, string Id, long FromTicks, long ToTicks, GapState State, string Reason)
{
    /// <summary>True when the window [<paramref name="startTicks"/>, <paramref name="endTicks"/>) can hold a trade of the gap.</summary>
    public bool Touches(long startTicks, long endTicks) => startTicks <= ToTicks && endTicks > FromTicks;

    /// <summary>The gap of a marker (its times ordered: a marker with <c>to</c> before <c>from</c> is read as the range between them).</summary>
    public static StreamGap Of(TradeGap marker)
    {
        ArgumentNullException.ThrowIfNull(marker);
        var (from, to) = (marker.From.UtcTicks, marker.To.UtcTicks);
        return new StreamGap(marker.Key, marker.Id, Math.Min(from, to), Math.Max(from, to), marker.State, marker.Reason);
    }

    /// <summary>
    /// The incomplete reason of a window from the unresolved gaps that touch it: their distinct reasons in time order,
    /// joined by "; ", at most <paramref name="max"/> (then "(+N more)"); null when none touches it.
    /// </summary>
    public static string? ReasonOf(IEnumerable<StreamGap> gaps, long startTicks, long endTicks, int max = 3)
    {
        ArgumentNullException.ThrowIfNull(gaps);
        List<string>? reasons = null;
        foreach (var gap in gaps.Where(g => g.Touches(startTicks, endTicks)).OrderBy(g => g.FromTicks).ThenBy(g => g.Id, StringComparer.Ordinal))
        {
            reasons ??= [];
            if (!reasons.Contains(gap.Reason))
            {
                reasons.Add(gap.Reason);
            }
        }

        if (reasons is null)
        {
            return null;
        }

        return reasons.Count <= max
            ? string.Join("; ", reasons)
            : string.Join("; ", reasons.Take(max)) + $"; (+{reasons.Count - max} more)";
    }
}
