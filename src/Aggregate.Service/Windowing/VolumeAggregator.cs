using BitcoinVolume.Contracts;

namespace BitcoinVolume.Aggregate.Windowing;

/// <summary>
/// The windowing and volume math, pure (no I/O, no clock): taker-side trades in, full values of changed 1-minute
/// windows out. One instance holds the state of one input partition. Every product's trades arrive on one partition, so
/// dedup by (product, trade id) here is complete.
/// <list type="bullet">
/// <item>Window = [start, start + 1 min) by the trade's event time, per (product, taker side).</item>
/// <item>Watermark = newest counted event time − grace. A window is final once the watermark reaches its end.</item>
/// <item>A trade older than watermark − retention is <see cref="ApplyOutcome.TooLate"/>; anything newer updates its
/// window, final or not, and the window's new full value is emitted.</item>
/// <item>Version = 2 × trades + (final ? 1 : 0): it grows with every change and is a function of the content alone,
/// so a rebuilt state emits the same versions.</item>
/// </list>
/// </summary>
public sealed class VolumeAggregator(WindowingOptions options)
{
    private readonly Dictionary<WindowKey, WindowState> windows = [];
    private readonly Dictionary<string, TradeIdSet> seenIds = new(StringComparer.Ordinal);
    private readonly SortedDictionary<long, List<WindowKey>> openByStart = [];
    private readonly SortedDictionary<long, List<WindowKey>> retainedByStart = [];
    private readonly HashSet<WindowKey> changed = [];
    private readonly HashSet<string> changedIds = new(StringComparer.Ordinal);
    private readonly List<WindowVolume> pruned = [];
    private long maxEventTicks = long.MinValue;
    private long watermarkTicks = long.MinValue;

    /// <summary>The event-time watermark, or null before the first trade.</summary>
    public DateTimeOffset? Watermark => watermarkTicks == long.MinValue ? null : new DateTimeOffset(watermarkTicks, TimeSpan.Zero);

    /// <summary>The newest counted event time, or null before the first trade.</summary>
    public DateTimeOffset? LatestEventTime => maxEventTicks == long.MinValue ? null : new DateTimeOffset(maxEventTicks, TimeSpan.Zero);

    /// <summary>Windows held in state (open and retained).</summary>
    public int WindowCount => windows.Count;

    public ApplyOutcome Apply(Trade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        if (!seenIds.TryGetValue(trade.Product, out var ids))
        {
            ids = new TradeIdSet();
            seenIds.Add(trade.Product, ids);
        }

        if (ids.Contains(trade.TradeId))
        {
            return ApplyOutcome.Duplicate;
        }

        var ticks = trade.Time.UtcTicks;
        if (watermarkTicks != long.MinValue && ticks < watermarkTicks - options.Retention.Ticks)
        {
            return ApplyOutcome.TooLate;
        }

        ids.Add(trade.TradeId);
        changedIds.Add(trade.Product);
        var key = new WindowKey(trade.Product, trade.Side, ticks - (ticks % TimeSpan.TicksPerMinute));
        if (!windows.TryGetValue(key, out var window))
        {
            window = new WindowState(trade);
            windows.Add(key, window);
            AddByStart(retainedByStart, key);
            if (key.StartTicks + TimeSpan.TicksPerMinute <= watermarkTicks)
            {
                window.Final = true;
            }
            else
            {
                AddByStart(openByStart, key);
            }
        }
        else
        {
            window.Add(trade);
        }

        changed.Add(key);
        if (ticks > maxEventTicks)
        {
            maxEventTicks = ticks;
            AdvanceWatermarkTicks(SafeSubtract(ticks, options.Grace.Ticks));
        }

        return window.Final ? ApplyOutcome.Correction : ApplyOutcome.Counted;
    }

    /// <summary>
    /// Moves the watermark forward without a trade (e.g. at the end of input, or by the wall clock while a live feed is
    /// idle). It never moves back.
    /// </summary>
    public void AdvanceWatermark(DateTimeOffset watermark) => AdvanceWatermarkTicks(watermark.UtcTicks);

    /// <summary>
    /// Closes windows the watermark has passed, prunes windows beyond retention, and returns the full value of every
    /// window that changed since the last call (ordered by key) together with what a state store must write.
    /// </summary>
    public AggregatorChanges TakeChanges()
    {
        while (openByStart.Count > 0)
        {
            var (start, keys) = openByStart.First();
            if (start + TimeSpan.TicksPerMinute > watermarkTicks)
            {
                break;
            }

            openByStart.Remove(start);
            foreach (var key in keys)
            {
                windows[key].Final = true;
                changed.Add(key);
            }
        }

        var result = new WindowVolume[changed.Count];
        var i = 0;
        foreach (var key in changed)
        {
            result[i++] = windows[key].ToVolume(key);
        }

        changed.Clear();
        Array.Sort(result, static (a, b) => string.CompareOrdinal(a.Key, b.Key));

        var dedup = new Dictionary<string, IReadOnlyList<(long Start, long End)>>(changedIds.Count, StringComparer.Ordinal);
        foreach (var product in changedIds)
        {
            dedup[product] = [.. seenIds[product].Ranges];
        }

        changedIds.Clear();
        Prune();
        var prunedNow = pruned.ToArray();
        pruned.Clear();
        return new AggregatorChanges(result, prunedNow, dedup, new EventTimeState(maxEventTicks, watermarkTicks));
    }

    /// <summary>Loads a state written from earlier <see cref="TakeChanges"/> results (all windows, all dedup ranges, the clock).</summary>
    public void Restore(IEnumerable<WindowVolume> retainedWindows, IEnumerable<KeyValuePair<string, IReadOnlyList<(long Start, long End)>>> dedup, EventTimeState clock)
    {
        ArgumentNullException.ThrowIfNull(retainedWindows);
        ArgumentNullException.ThrowIfNull(dedup);
        if (windows.Count > 0 || seenIds.Count > 0)
        {
            throw new InvalidOperationException("Restore is for a fresh aggregator.");
        }

        maxEventTicks = clock.MaxEventTicks;
        watermarkTicks = clock.WatermarkTicks;
        foreach (var (product, ranges) in dedup)
        {
            var set = new TradeIdSet();
            set.Load(ranges);
            seenIds[product] = set;
        }

        foreach (var volume in retainedWindows)
        {
            var key = new WindowKey(volume.Product, volume.Side, volume.WindowStart.UtcTicks);
            windows[key] = new WindowState(volume);
            AddByStart(retainedByStart, key);
            if (!volume.Final)
            {
                AddByStart(openByStart, key);
            }
        }
    }

    /// <summary>Drops windows that ended before watermark − retention: no trade can change them any more.</summary>
    private void Prune()
    {
        var horizon = SafeSubtract(watermarkTicks, options.Retention.Ticks);
        while (retainedByStart.Count > 0)
        {
            var (start, keys) = retainedByStart.First();
            if (start + TimeSpan.TicksPerMinute > horizon)
            {
                break;
            }

            retainedByStart.Remove(start);
            foreach (var key in keys)
            {
                if (windows.Remove(key, out var window))
                {
                    pruned.Add(window.ToVolume(key));
                }
            }
        }
    }

    private void AdvanceWatermarkTicks(long ticks)
    {
        if (ticks > watermarkTicks)
        {
            watermarkTicks = ticks;
        }
    }

    private static void AddByStart(SortedDictionary<long, List<WindowKey>> index, WindowKey key)
    {
        if (!index.TryGetValue(key.StartTicks, out var keys))
        {
            keys = [];
            index.Add(key.StartTicks, keys);
        }

        keys.Add(key);
    }

    private static long SafeSubtract(long a, long b) => a < long.MinValue + b ? long.MinValue + 1 : a - b;

    private readonly record struct WindowKey(string Product, TakerSide Side, long StartTicks);

    private sealed class WindowState
    {
        private long trades;
        private decimal baseVolume;
        private decimal quoteVolume;
        private decimal open;
        private decimal high;
        private decimal low;
        private decimal close;
        private long firstId;
        private long lastId;

        public WindowState(Trade first)
        {
            trades = 1;
            baseVolume = first.Size;
            quoteVolume = first.Price * first.Size;
            open = high = low = close = first.Price;
            firstId = lastId = first.TradeId;
        }

        public WindowState(WindowVolume value)
        {
            trades = value.Trades;
            baseVolume = value.BaseVolume;
            quoteVolume = value.QuoteVolume;
            (open, high, low, close) = (value.Open, value.High, value.Low, value.Close);
            (firstId, lastId) = (value.FirstTradeId, value.LastTradeId);
            Final = value.Final;
        }

        public bool Final { get; set; }

        public void Add(Trade trade)
        {
            trades++;
            baseVolume += trade.Size;
            quoteVolume += trade.Price * trade.Size;
            high = Math.Max(high, trade.Price);
            low = Math.Min(low, trade.Price);
            if (trade.TradeId < firstId)
            {
                firstId = trade.TradeId;
                open = trade.Price;
            }

            if (trade.TradeId > lastId)
            {
                lastId = trade.TradeId;
                close = trade.Price;
            }
        }

        public WindowVolume ToVolume(WindowKey key) => new(
            key.Product, key.Side, new DateTimeOffset(key.StartTicks, TimeSpan.Zero), trades, baseVolume, quoteVolume,
            open, high, low, close, firstId, lastId, Version: (trades * 2) + (Final ? 1 : 0), Final);
    }
}

/// <summary>The newest counted event time and the watermark, in UTC ticks (<see cref="long.MinValue"/> = none yet).</summary>
public readonly record struct EventTimeState(long MaxEventTicks, long WatermarkTicks)
{
    public static EventTimeState None => new(long.MinValue, long.MinValue);
}

/// <summary>
/// What one <see cref="VolumeAggregator.TakeChanges"/> produced: the full values to emit, and the state delta to persist
/// (the changed windows are <see cref="Windows"/> themselves; <see cref="Pruned"/> are to be deleted; <see cref="Dedup"/> has
/// the complete id ranges of every product that saw a new id).
/// </summary>
public sealed record AggregatorChanges(
    IReadOnlyList<WindowVolume> Windows,
    IReadOnlyList<WindowVolume> Pruned,
    IReadOnlyDictionary<string, IReadOnlyList<(long Start, long End)>> Dedup,
    EventTimeState Clock);
