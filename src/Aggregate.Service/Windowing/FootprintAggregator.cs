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
    private readonly TimeOrderedQueue<WindowState> open = new();
    private readonly TimeOrderedQueue<WindowState> retained = new();
    private readonly List<WindowState> changed = [];
    private readonly List<FootprintWindow> pruned = [];
    private readonly List<KeyValuePair<string, decimal>> ticksAdded = [];
    private readonly WindowSpec window = windowing.Window;
    private readonly long retentionTicks = windowing.Retention.Ticks;
    private StreamState? last;

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
        if (!stream.Windows.TryGetValue(start, out var state))
        {
            state = new WindowState(stream, start);
            stream.Windows.Add(start, state);
            retained.Enqueue(state, start);
            open.Enqueue(state, start);
        }

        state.Add(stream.LevelOf(trade.Price), trade);
        MarkChanged(state);
    }

    /// <summary>
    /// Makes windows the <paramref name="watermark"/> (the volume aggregator's) has passed final, prunes those beyond
    /// retention, and returns the full value of every window that changed since the last call, with what a state store
    /// must write.
    /// </summary>
    public FootprintChanges TakeChanges(DateTimeOffset? watermark)
    {
        var watermarkTicks = watermark?.UtcTicks ?? long.MinValue;
        while (open.TryPeek(out var state, out var start) && window.EndOf(start) <= watermarkTicks)
        {
            open.Dequeue();
            state.Final = true;
            MarkChanged(state);
        }

        var result = new FootprintWindow[changed.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = changed[i].ToValue();
            changed[i].Changed = false;
        }

        changed.Clear();
        var horizon = watermarkTicks == long.MinValue ? long.MinValue : watermarkTicks - retentionTicks;
        while (retained.TryPeek(out var state, out var start) && window.EndOf(start) <= horizon)
        {
            retained.Dequeue();
            state.Stream.Windows.Remove(start);
            pruned.Add(state.ToValue());
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
            foreach (var state in stream.Windows.Values.OrderByDescending(w => w.StartTicks).Take(perStream))
            {
                MarkChanged(state);
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
            streams[name] = new StreamState(name, tick);
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
                stream = streams[name] = new StreamState(name, value.Tick);
            }

            var state = new WindowState(stream, start, value);
            stream.Windows.Add(start, state);
            retained.Enqueue(state, start);
            if (!state.Final)
            {
                open.Enqueue(state, start);
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
            stream = new StreamState(name, options.ConfiguredTick(trade.Product) ?? MagnitudeTick(trade.Price));
            streams.Add(name, stream);
            ticksAdded.Add(new(name, stream.Tick));
        }

        return last = stream;
    }

    private void MarkChanged(WindowState state)
    {
        if (!state.Changed)
        {
            state.Changed = true;
            changed.Add(state);
        }
    }

    private sealed class StreamState(string name, decimal tick)
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

        public Dictionary<long, WindowState> Windows { get; } = [];

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

    private sealed class WindowState
    {
        // The non-empty levels, ascending by price (a window has few: a sorted array with the last hit remembered beats a
        // tree or a hash on decimals); the first `count` slots are used.
        private Level[] levels = new Level[4];
        private int count;
        private int lastHit;
        private long trades;

        public WindowState(StreamState stream, long startTicks) => (Stream, StartTicks) = (stream, startTicks);

        public WindowState(StreamState stream, long startTicks, FootprintWindow value)
            : this(stream, startTicks)
        {
            trades = value.Trades;
            Final = value.Final;
            foreach (var level in value.Levels)
            {
                var slot = Find(level.Price);
                slot.BuyBase = level.BuyBase;
                slot.SellBase = level.SellBase;
                slot.BuyTrades = level.BuyTrades;
                slot.SellTrades = level.SellTrades;
            }
        }

        public StreamState Stream { get; }

        public long StartTicks { get; }

        public bool Final { get; set; }

        public bool Changed { get; set; }

        public void Add(decimal price, Trade trade)
        {
            var level = Find(price);
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

            trades++;
        }

        public FootprintWindow ToValue()
        {
            var result = new FootprintLevel[count];
            for (var i = 0; i < count; i++)
            {
                var level = levels[i];
                result[i] = new FootprintLevel(level.Price, level.BuyBase, level.SellBase, level.BuyTrades, level.SellTrades);
            }

            return new FootprintWindow(
                Stream.Venue, Stream.Product, new DateTimeOffset(StartTicks, TimeSpan.Zero), Stream.Tick, trades, result,
                FootprintWindow.VersionOf(trades, Final), Final);
        }

        /// <summary>The level at <paramref name="price"/>, inserted in order when new.</summary>
        private Level Find(decimal price)
        {
            if (lastHit < count && levels[lastHit].Price == price)
            {
                return levels[lastHit];
            }

            int low = 0, high = count - 1;
            while (low <= high)
            {
                var middle = (low + high) >>> 1;
                var order = levels[middle].Price.CompareTo(price);
                if (order == 0)
                {
                    lastHit = middle;
                    return levels[middle];
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

            if (count == levels.Length)
            {
                Array.Resize(ref levels, count * 2);
            }

            Array.Copy(levels, low, levels, low + 1, count - low);
            var added = levels[low] = new Level { Price = price };
            count++;
            lastHit = low;
            return added;
        }
    }

    private sealed class Level
    {
        public decimal Price { get; init; }

        public decimal BuyBase { get; set; }

        public decimal SellBase { get; set; }

        public long BuyTrades { get; set; }

        public long SellTrades { get; set; }
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
