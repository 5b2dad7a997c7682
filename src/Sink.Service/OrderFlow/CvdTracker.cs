using BitcoinVolume.Sink.Infrastructure;
using BitcoinVolume.Sink.Model;

namespace BitcoinVolume.Sink.OrderFlow;

/// <summary>
/// The live CVD of one subject (<c>/api/cvd/stream</c>): keeps the bar deltas of the current anchor period in memory,
/// re-reads only the bars that changed windows fall in, and answers the CVD bars from the earliest changed bar to the last
/// bar it holds (a late correction moves every later running sum of its period). A change in another period loads that
/// period once from the store. Not thread-safe: one per stream.
/// </summary>
internal sealed class CvdTracker(
    CvdReader reader,
    QuerySubject subject,
    Func<CancellationToken, Task<IReadOnlyList<StoredStream>>> streams,
    VolumeInterval interval,
    CvdAnchor anchor,
    DateTimeOffset rangeStart)
{
    private readonly SortedDictionary<DateTimeOffset, BarDelta> deltas = [];
    private DateTimeOffset? period;

    /// <summary>The CVD bars affected by windows in the bars starting at <paramref name="bars"/>.</summary>
    public async Task<IReadOnlyList<CvdBar>> UpdateAsync(IEnumerable<DateTimeOffset> bars, CancellationToken cancellationToken)
    {
        var affected = bars.Where(b => anchor != CvdAnchor.Range || b >= rangeStart).Distinct().Order().ToList();
        var result = new List<CvdBar>();
        foreach (var group in affected.GroupBy(b => Cvd.AnchorStart(anchor, b, rangeStart)))
        {
            var current = await streams(cancellationToken);
            if (group.Key != period)
            {
                deltas.Clear();
                var end = Cvd.AnchorEnd(anchor, group.Key);
                foreach (var delta in await reader.DeltasAsync(subject, current, interval, group.Key, end, cancellationToken))
                {
                    deltas[delta.Start] = delta;
                }

                period = group.Key;
            }
            else
            {
                foreach (var bar in group)
                {
                    deltas.Remove(bar);
                    foreach (var delta in await reader.DeltasAsync(subject, current, interval, bar, bar + interval.Length, cancellationToken))
                    {
                        deltas[delta.Start] = delta;
                    }
                }
            }

            result.AddRange(Cvd.Accumulate(deltas.Values, anchor, rangeStart, group.First(), DateTimeOffset.MaxValue));
        }

        return result;
    }
}
