using BitcoinVolume.Contracts;

namespace BitcoinVolume.Aggregate.Windowing;

/// <summary>
/// Volume at price (footprint), pure (no I/O, no clock): per base window and (venue, product), buy and sell base volume and
/// trade count per price level. It is given exactly the trades the <see cref="VolumeAggregator"/> counted
/// (<see cref="ApplyOutcome.Counted"/> or <see cref="ApplyOutcome.Correction"/>: a duplicate or too-late trade never
/// touches a level) and that aggregator's watermark, so its windows are final and pruned exactly when the bars are.
/// <list type="bullet">
/// <item>Level = floor(price / tick) × tick (<see cref="FootprintWindow.LevelOf"/>): a level holds the trades in
/// [level, level + tick).</item>
/// <item>Tick: fixed per stream at its first counted trade (<see cref="FootprintOptions.Ticks"/>, else the magnitude rule,
/// <see cref="MagnitudeTick"/>) and part of the state, so restarts and rebuilds give the same levels; it travels with every
/// value.</item>
/// <item>Version = 2 × trades + (final ? 1 : 0) (<see cref="FootprintWindow.VersionOf"/>).</item>
/// </list>
/// </summary>
public sealed class FootprintAggregator(FootprintOptions options, WindowingOptions windowing)
{
    private readonly Dictionary<string, StreamState> streams = new(StringComparer.Ordinal);
    private readonly List<StreamState> streamList = [];
    private readonly StructSlab<WindowData> windows = new();
    private readonly StructSlab<Level> levels = new();
    private readonly Dictionary<int, Level[]> overflow = [];
    private readonly TimeOrderedQueue<int> open = new();
    private readonly TimeOrderedQueue<int> retained = new();
    private readonly List<int> changed = [];
    private readonly List<FootprintWindow> pruned = [];
    private readonly List<KeyValuePair<string, decimal>> ticksAdded = [];
    private readonly WindowSpec window = windowing.Window;
    private readonly long retentionTicks = windowing.Retention.Ticks;
    private StreamState? last;

    /// <summary>Level room of a new window (most windows have few levels).</summary>
    private const int FirstLevels = 4;

    /// <summary>Windows held (open and retained).</summary>
    public int WindowCount => retained.Count;

    /// <summary>
    /// The tick of a product no setting names: the power of ten three orders of magnitude below <paramref name="price"/>
    /// (its leading digit's place ÷ 1000): 90,000 → 10, 3,000 → 1, 150 → 0.1, 0.5 → 0.0001; at least 10⁻²⁰.
    /// </summary>
    public static decimal MagnitudeTick(decimal price)
    {
        if (price <= 0)
        {
            return 1m;
        }

        var place = 1m;
        while (place <= price / 10)
        {
            place *= 10;
        }

        while (place > price && place > 0.00000000000000001m)
        {
            place /= 10;
        }

        return FootprintWindow.Normalize(place / 1000);
    }

    /// <summary>Adds a trade the volume aggregator counted (never a duplicate or a too-late one).</summary>
    public void Add(Trade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        var stream = StreamOf(trade);
        var start = window.StartOf(trade.Time.UtcTicks);
        if (!stream.Windows.TryGetValue(start, out var id))
        {
            id = NewWindow(stream, start);
            stream.Windows.Add(start, id);
            retained.Enqueue(id, start);
            open.Enqueue(id, start);
        }

        ref var level = ref Find(id, stream.LevelOf(trade.Price));
        if (trade.Side == TakerSide.Buy)
        {
            level.BuyBase += trade.Size;
            level.BuyTrades++;
        }
        else
        {
            level.SellBase += trade.Size;
            level.SellTrades++;
        }

        windows[id].Trades++;
        MarkChanged(id);
    }

    /// <summary>
    /// Makes windows the <paramref name="watermark"/> (the volume aggregator's) has passed final, prunes those beyond
    /// retention, and returns the full value of every window that changed since the last call, with what a state store
    /// must write.
    /// </summary>
    public FootprintChanges TakeChanges(DateTimeOffset? watermark)
    {
        var watermarkTicks = watermark?.UtcTicks ?? long.MinValue;
        while (open.TryPeek(out var id, out var start) && window.EndOf(start) <= watermarkTicks)
        {
            open.Dequeue();
            windows[id].Final = true;
            MarkChanged(id);
        }

        var result = new FootprintWindow[changed.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = ToValue(changed[i]);
            windows[changed[i]].Changed = false;
        }

        changed.Clear();
        var horizon = watermarkTicks == long.MinValue ? long.MinValue : watermarkTicks - retentionTicks;
        while (retained.TryPeek(out var id, out var start) && window.EndOf(start) <= horizon)
        {
            // Never in open (it left when the watermark passed its end) nor in changed (taken above).
            retained.Dequeue();
            streamList[windows[id].Stream].Windows.Remove(start);
            pruned.Add(ToValue(id));
            FreeWindow(id);
        }

        var changes = new FootprintChanges(result, [.. pruned], [.. ticksAdded]);
        pruned.Clear();
        ticksAdded.Clear();
        return changes;
    }

    /// <summary>Marks the newest <paramref name="perStream"/> windows of every stream changed (emitted again); returns how many.</summary>
    public int ReemitNewest(int perStream)
    {
        var marked = 0;
        foreach (var stream in streams.Values)
        {
            foreach (var id in stream.Windows.Values.OrderByDescending(w => windows[w].StartTicks).Take(perStream))
            {
                MarkChanged(id);
                marked++;
            }
        }

        return marked;
    }

    /// <summary>Loads a state written from earlier <see cref="TakeChanges"/> results (every retained window, every stream's tick) into a fresh instance.</summary>
    public void Restore(IEnumerable<FootprintWindow> windows, IEnumerable<KeyValuePair<string, decimal>> ticks)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(ticks);
        if (streams.Count > 0)
        {
            throw new InvalidOperationException("Restore is for a fresh footprint aggregator.");
        }

        foreach (var (name, tick) in ticks)
        {
            AddStream(name, tick);
        }

        foreach (var value in windows)
        {
            var start = value.WindowStart.UtcTicks;
            if (!window.IsStart(start))
            {
                throw new InvalidDataException($"Footprint window {value.Key} is not a start of a {window} window: state of another window length cannot be restored.");
            }

            var name = StreamKey.Of(value.Venue, value.Product);
            if (!streams.TryGetValue(name, out var stream))
            {
                stream = AddStream(name, value.Tick);
            }

            var id = NewWindow(stream, start);
            ref var state = ref this.windows[id];
            state.Trades = value.Trades;
            state.Final = value.Final;
            foreach (var level in value.Levels)
            {
                ref var slot = ref Find(id, level.Price);
                slot.BuyBase = level.BuyBase;
                slot.SellBase = level.SellBase;
                slot.BuyTrades = level.BuyTrades;
                slot.SellTrades = level.SellTrades;
            }

            stream.Windows.Add(start, id);
            retained.Enqueue(id, start);
            if (!state.Final)
            {
                open.Enqueue(id, start);
            }
        }
    }

    private StreamState StreamOf(Trade trade)
    {
        if (last is { } known && string.Equals(known.Product, trade.Product, StringComparison.Ordinal) && string.Equals(known.Venue, trade.Venue, StringComparison.Ordinal))
        {
            return known;
        }

        var name = StreamKey.Of(trade.Venue, trade.Product);
        if (!streams.TryGetValue(name, out var stream))
        {
            stream = AddStream(name, options.ConfiguredTick(trade.Product) ?? MagnitudeTick(trade.Price));
            ticksAdded.Add(new(name, stream.Tick));
        }

        return last = stream;
    }

    private StreamState AddStream(string name, decimal tick)
    {
        var stream = new StreamState(name, streamList.Count, tick);
        streams[name] = stream;
        streamList.Add(stream);
        return stream;
    }

    private void MarkChanged(int id)
    {
        ref var state = ref windows[id];
        if (!state.Changed)
        {
            state.Changed = true;
            changed.Add(id);
        }
    }

    /// <summary>A new, empty window of <paramref name="stream"/> with room for <see cref="FirstLevels"/> levels.</summary>
    private int NewWindow(StreamState stream, long startTicks)
    {
        var id = windows.Rent(1);
        ref var state = ref windows[id];
        (state.Stream, state.StartTicks) = (stream.Index, startTicks);
        state.Levels = levels.Rent(FirstLevels);
        state.Capacity = FirstLevels;
        return id;
    }

    private void FreeWindow(int id)
    {
        ref var state = ref windows[id];
        if (state.Levels < 0)
        {
            overflow.Remove(id);
        }
        else
        {
            levels.Return(state.Levels, state.Capacity);
        }

        windows.Return(id, 1);
    }

    /// <summary>The first <paramref name="length"/> level slots of window <paramref name="id"/>.</summary>
    private Span<Level> LevelsOf(int id, in WindowData state, int length) =>
        state.Levels < 0 ? overflow[id].AsSpan(0, length) : levels.Run(state.Levels, length);

    private FootprintWindow ToValue(int id)
    {
        ref var state = ref windows[id];
        var stream = streamList[state.Stream];
        var run = LevelsOf(id, state, state.Count);
        var result = new FootprintLevel[run.Length];
        for (var i = 0; i < run.Length; i++)
        {
            ref var level = ref run[i];
            result[i] = new FootprintLevel(level.Price, level.BuyBase, level.SellBase, level.BuyTrades, level.SellTrades);
        }

        return new FootprintWindow(
            stream.Venue, stream.Product, new DateTimeOffset(state.StartTicks, TimeSpan.Zero), stream.Tick, state.Trades, result,
            FootprintWindow.VersionOf(state.Trades, state.Final), state.Final);
    }

    /// <summary>
    /// The level at <paramref name="price"/> of the window, inserted in order when new. A window's non-empty levels are kept
    /// ascending by price in one run of the level slab (a window has few: a sorted run with the last hit remembered beats a
    /// tree or a hash on decimals); a full run moves to one twice as long, and a window with more levels than a slab chunk
    /// holds (a tick far too small for the prices: rare) keeps them in an array of its own.
    /// </summary>
    private ref Level Find(int id, decimal price)
    {
        ref var state = ref windows[id];
        var run = LevelsOf(id, state, state.Count);
        if (state.LastHit < run.Length && run[state.LastHit].Price == price)
        {
            return ref run[state.LastHit];
        }

        int low = 0, high = run.Length - 1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            var order = run[middle].Price.CompareTo(price);
            if (order == 0)
            {
                state.LastHit = middle;
                return ref run[middle];
            }

            if (order < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        if (state.Count == state.Capacity)
        {
            var capacity = state.Capacity * 2;
            if (state.Levels < 0)
            {
                var array = overflow[id];
                Array.Resize(ref array, capacity);
                overflow[id] = array;
            }
            else if (capacity > StructSlab<Level>.ChunkSize)
            {
                var array = new Level[capacity];
                run.CopyTo(array);
                levels.Return(state.Levels, state.Capacity);
                overflow[id] = array;
                state.Levels = -1;
            }
            else
            {
                var grown = levels.Rent(capacity);
                run.CopyTo(levels.Run(grown, state.Count));
                levels.Return(state.Levels, state.Capacity);
                state.Levels = grown;
            }

            state.Capacity = capacity;
        }

        var all = LevelsOf(id, state, state.Count + 1);
        all[low..state.Count].CopyTo(all[(low + 1)..]);
        all[low] = new Level { Price = price };
        state.Count++;
        state.LastHit = low;
        return ref all[low];
    }

    private sealed class StreamState(string name, int index, decimal tick)
    {
        private readonly (string Venue, string Product) parts = StreamKey.Parse(name);

        // The last level computed and its upper bound: consecutive trades of a stream mostly fall on the same level, and
        // two decimal comparisons are far cheaper than floor(price / tick) × tick.
        private decimal lastLevel = -1m;
        private decimal lastTop = -1m;

        public string Name { get; } = name;

        public string Venue => parts.Venue;

        public string Product => parts.Product;

        public decimal Tick { get; } = tick;

        /// <summary>Its place in the aggregator's stream list (windows refer to their stream by it).</summary>
        public int Index { get; } = index;

        /// <summary>Windows (their index in the window slab) by start ticks.</summary>
        public Dictionary<long, int> Windows { get; } = [];

        /// <summary><see cref="FootprintWindow.LevelOf"/>(price, tick), from the last level when the price is in it.</summary>
        public decimal LevelOf(decimal price)
        {
            if (price >= lastLevel && price < lastTop)
            {
                return lastLevel;
            }

            lastLevel = FootprintWindow.LevelOf(price, Tick);
            lastTop = lastLevel + Tick;
            return lastLevel;
        }
    }

    /// <summary>
    /// One window's state in the window slab (no references: the GC never looks at it, and there is no object per window or
    /// per level to copy between generations, see <see cref="StructSlab{T}"/>): its levels are the first
    /// <see cref="Count"/> of a run of <see cref="Capacity"/> in the level slab (<see cref="Levels"/> = -1: in an array of
    /// its own, see Find).
    /// </summary>
    private struct WindowData
    {
        public long StartTicks;
        public long Trades;
        public int Stream;
        public int Levels;
        public int Capacity;
        public int Count;
        public int LastHit;
        public bool Final;
        public bool Changed;
    }

    private struct Level
    {
        public decimal Price;
        public decimal BuyBase;
        public decimal SellBase;
        public long BuyTrades;
        public long SellTrades;
    }
}

/// <summary>
/// What one <see cref="FootprintAggregator.TakeChanges"/> produced: the full values to emit (and to write), the windows
/// pruned (to delete) and the ticks of streams seen for the first time (to write).
/// </summary>
public sealed record FootprintChanges(
    IReadOnlyList<FootprintWindow> Windows,
    IReadOnlyList<FootprintWindow> Pruned,
    IReadOnlyList<KeyValuePair<string, decimal>> Ticks)
{
    public static FootprintChanges None { get; } = new([], [], []);

    public bool IsEmpty => Windows.Count == 0 && Pruned.Count == 0 && Ticks.Count == 0;
}
