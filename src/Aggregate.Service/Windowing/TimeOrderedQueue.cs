namespace BitcoinVolume.Aggregate.Windowing;

/// <summary>
/// A min-queue by time that costs O(1) for items added in time order (the common case: windows are created as time
/// advances) and O(log n) only for the few added out of order.
/// </summary>
internal sealed class TimeOrderedQueue<T>
{
    private readonly Queue<(long Time, T Item)> inOrder = new();
    private readonly PriorityQueue<T, long> outOfOrder = new();
    private long lastInOrder = long.MinValue;

    public int Count => inOrder.Count + outOfOrder.Count;

    public void Enqueue(T item, long time)
    {
        if (time >= lastInOrder)
        {
            inOrder.Enqueue((time, item));
            lastInOrder = time;
        }
        else
        {
            outOfOrder.Enqueue(item, time);
        }
    }

    public bool TryPeek([System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out T item, out long time)
    {
        var hasA = inOrder.TryPeek(out var a);
        var hasB = outOfOrder.TryPeek(out var b, out var bTime);
        if (hasA && (!hasB || a.Time <= bTime))
        {
            (item, time) = (a.Item, a.Time);
            return true;
        }

        if (hasB)
        {
            (item, time) = (b!, bTime);
            return true;
        }

        item = default;
        time = 0;
        return false;
    }

    /// <summary>Removes the item <see cref="TryPeek"/> returned.</summary>
    public void Dequeue()
    {
        var hasA = inOrder.TryPeek(out var a);
        if (hasA && (!outOfOrder.TryPeek(out _, out var bTime) || a.Time <= bTime))
        {
            inOrder.Dequeue();
        }
        else
        {
            outOfOrder.Dequeue();
        }
    }
}
