namespace BitcoinVolume.Aggregate.Windowing;

/// <summary>
/// A set of trade ids stored as sorted, disjoint, non-adjacent inclusive ranges. Coinbase trade ids are contiguous per
/// product, so a product's seen ids are almost always one range: memory stays bounded however many trades pass.
/// </summary>
public sealed class TradeIdSet
{
    private readonly List<(long Start, long End)> ranges = [];

    public int RangeCount => ranges.Count;

    public IReadOnlyList<(long Start, long End)> Ranges => ranges;

    /// <summary>True when <paramref name="id"/> is the one right after the newest range (so certainly not present).</summary>
    public bool IsNext(long id) => ranges.Count > 0 && ranges[^1].End == id - 1;

    public bool Contains(long id)
    {
        var i = IndexOfRangeAtOrBefore(id);
        return i >= 0 && id <= ranges[i].End;
    }

    /// <summary>Adds an id; false when it was already present.</summary>
    public bool Add(long id)
    {
        // Fast path: the next id of the newest range.
        if (ranges.Count > 0 && ranges[^1].End == id - 1)
        {
            ranges[^1] = (ranges[^1].Start, id);
            return true;
        }

        var i = IndexOfRangeAtOrBefore(id);
        if (i >= 0 && id <= ranges[i].End)
        {
            return false;
        }

        var joinsLeft = i >= 0 && ranges[i].End == id - 1;
        var joinsRight = i + 1 < ranges.Count && ranges[i + 1].Start == id + 1;
        if (joinsLeft && joinsRight)
        {
            ranges[i] = (ranges[i].Start, ranges[i + 1].End);
            ranges.RemoveAt(i + 1);
        }
        else if (joinsLeft)
        {
            ranges[i] = (ranges[i].Start, id);
        }
        else if (joinsRight)
        {
            ranges[i + 1] = (id, ranges[i + 1].End);
        }
        else
        {
            ranges.Insert(i + 1, (id, id));
        }

        return true;
    }

    /// <summary>Replaces the content (state restore).</summary>
    public void Load(IEnumerable<(long Start, long End)> source)
    {
        ranges.Clear();
        ranges.AddRange(source);
    }

    /// <summary>Index of the last range whose start is ≤ id, or -1.</summary>
    private int IndexOfRangeAtOrBefore(long id)
    {
        int lo = 0, hi = ranges.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (ranges[mid].Start <= id)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return hi;
    }
}
