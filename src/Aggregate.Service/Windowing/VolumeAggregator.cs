using BitcoinVolume.Contracts;

namespace BitcoinVolume.Aggregate.Windowing;

/// <summary>
/// The windowing and volume math, pure (no I/O, no clock): taker-side trades in, full values of changed base windows
/// (<see cref="WindowingOptions.Window"/>, 1 minute by default) out. One instance holds the state of one input
/// partition. Every (venue, product) stream's trades arrive on one partition (key = <see cref="StreamKey"/>), so dedup by
/// (venue, product, trade id) here is complete; the same product id on two venues is two streams and never merges.
/// <list type="bullet">
/// <item>Window = [<see cref="WindowSpec.StartOf(long)"/>, <see cref="WindowSpec.EndOf(long)"/>) of the trade's event
/// time, per (venue, product, taker side).</item>
/// <item>Watermark = newest counted event time − grace. A window is final once the watermark reaches its end.</item>
/// <item>A trade older than watermark − retention is <see cref="ApplyOutcome.TooLate"/>; anything newer updates its
/// window, final or not, and the window's new full value is emitted.</item>
/// <item>Version = 2 × (trades + marks) + (final ? 1 : 0) (<see cref="WindowVolume.VersionOf"/>): it grows with every
/// change and is a function of the input alone, so a rebuilt state emits the same versions.</item>
/// <item>Completeness: a gap marker (<see cref="TradeGap"/>, <see cref="ApplyGap"/>) that is unresolved makes every window of
/// its stream whose time range it touches incomplete, with its reason, including windows created later; a filled one makes
/// them complete again (unless another unresolved gap touches them). Each marker adds one mark to every existing window it
/// re-evaluates, so the version grows even when no trade changed.</item>
/// <item>Size classes (issue 17): a window of a stream whose quote currency has boundaries (<see cref="SizeClassTable"/>,
/// <see cref="WindowingOptions.SizeClasses"/>) also counts each trade's size in the class of its notional (price × size);
/// the boundaries are fixed when the window is created (a restored window keeps those it was stored with; one stored
/// without classes stays without). Only counted trades reach a class: a duplicate or a too-late trade never does.</item>
/// </list>
/// </summary>
public sealed class VolumeAggregator(WindowingOptions options)
{
    private readonly Dictionary<string, ProductState> products = new(StringComparer.Ordinal);
    private readonly List<ProductState> streams = [];
    private readonly StructSlab<WindowData> windows = new();
    private readonly StructSlab<ClassCell> cells = new();
    private readonly List<SizeClassShape> shapeList = [];
    private readonly Dictionary<int, string> reasons = [];
    private readonly TimeOrderedQueue<int> open = new();
    private readonly TimeOrderedQueue<int> retained = new();
    private readonly List<int> changed = [];
    private readonly List<ProductState> changedProducts = [];
    private readonly List<WindowVolume> pruned = [];
    private readonly List<ProductState> recentStreams = [];
    private readonly List<RecentId> recentAdded = [];
    private readonly List<RecentId> recentForgotten = [];
    private readonly List<ProductState> gapStreams = [];
    private readonly List<StreamGap> gapsPut = [];
    private readonly List<StreamGap> gapsDeleted = [];
    private readonly long graceTicks = options.Grace.Ticks;
    private readonly long retentionTicks = options.Retention.Ticks;
    private readonly long recentHorizonTicks = Math.Min(options.Retention.Ticks, options.DedupHorizon.Ticks);
    private readonly WindowSpec window = options.Window;
    private readonly SizeClassTable sizeClasses = options.SizeClassTable;
    private readonly Dictionary<decimal[], SizeClassShape> shapes = new(ReferenceEqualityComparer.Instance);
    private ProductState? lastProduct;
    private long maxEventTicks = long.MinValue;
    private long watermarkTicks = long.MinValue;
    private int windowCount;
    private long markStamp;

    /// <summary>The event-time watermark, or null before the first trade.</summary>
    public DateTimeOffset? Watermark => watermarkTicks == long.MinValue ? null : new DateTimeOffset(watermarkTicks, TimeSpan.Zero);

    /// <summary>The newest counted event time, or null before the first trade.</summary>
    public DateTimeOffset? LatestEventTime => maxEventTicks == long.MinValue ? null : new DateTimeOffset(maxEventTicks, TimeSpan.Zero);

    /// <summary>The base window this aggregator cuts trades into.</summary>
    public WindowSpec Window => window;

    /// <summary>Windows held in state (open and retained).</summary>
    public int WindowCount => windowCount;

    public ApplyOutcome Apply(Trade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        var product = StreamOf(trade.Venue, trade.Product);
        var ticks = trade.Time.UtcTicks;
        if (product.Recent is { } recent)
        {
            // Ids that are not contiguous are remembered for the dedup horizon only: a trade older than that cannot be
            // proven new, so it is too late (reported, never counted twice).
            if (watermarkTicks != long.MinValue && ticks < watermarkTicks - recentHorizonTicks)
            {
                return ApplyOutcome.TooLate;
            }

            var dedupId = DedupId.Of(trade);
            if (!recent.Add(dedupId, ticks))
            {
                return ApplyOutcome.Duplicate;
            }

            recentAdded.Add(new RecentId(product.Name, dedupId, ticks));
        }
        else
        {
            if (!product.Ids.IsNext(trade.TradeId) && product.Ids.Contains(trade.TradeId))
            {
                return ApplyOutcome.Duplicate;
            }

            if (watermarkTicks != long.MinValue && ticks < watermarkTicks - retentionTicks)
            {
                return ApplyOutcome.TooLate;
            }

            product.Ids.Add(trade.TradeId);
            if (!product.IdsChanged)
            {
                product.IdsChanged = true;
                changedProducts.Add(product);
            }
        }

        var start = window.StartOf(ticks);
        var slot = SlotOf(start, trade.Side);
        if (product.Windows.TryGetValue(slot, out var id))
        {
            AddTrade(ref windows[id], trade);
        }
        else
        {
            id = NewWindow(product, trade.Side, start, trade);
            if (product.Gaps is { Count: > 0 } gaps)
            {
                SetReason(id, StreamGap.ReasonOf(gaps.Values, start, SafeEnd(start)));
            }

            AddWindow(slot, id);
        }

        ref var state = ref windows[id];
        if (!state.Changed)
        {
            state.Changed = true;
            changed.Add(id);
        }

        if (ticks > maxEventTicks)
        {
            maxEventTicks = ticks;
            AdvanceWatermarkTicks(SafeSubtract(ticks, graceTicks));
        }

        return state.Final ? ApplyOutcome.Correction : ApplyOutcome.Counted;
    }

    /// <summary>
    /// Applies a gap marker of <see cref="Topics.Trades"/>: the gap (by its <see cref="TradeGap.Id"/> within the stream) is
    /// remembered while unresolved (the latest marker's range and reason replace the earlier ones) and forgotten when
    /// filled; every existing window of the stream that the new or the previous range touches is re-evaluated (complete
    /// unless an unresolved gap touches it), gets one more mark (its version grows) and is emitted. Windows created later
    /// inside an unresolved gap's range are incomplete from the start. Returns the windows re-evaluated.
    /// </summary>
    public int ApplyGap(TradeGap marker)
    {
        ArgumentNullException.ThrowIfNull(marker);
        var gap = StreamGap.Of(marker);
        var product = StreamOf(marker.Venue, marker.Product);
        StreamGap? before = null;
        product.Gaps?.TryGetValue(gap.Id, out before);
        if (gap.State != GapState.Filled && !BeyondRetention(gap))
        {
            if (product.Gaps is null)
            {
                product.Gaps = new Dictionary<string, StreamGap>(StringComparer.Ordinal);
                gapStreams.Add(product);
            }

            product.Gaps[gap.Id] = gap;
            gapsPut.Add(gap);
        }
        else if (before is not null)
        {
            product.Gaps!.Remove(gap.Id);
            gapsDeleted.Add(before);
        }

        var stamp = ++markStamp;
        var touched = Touch(product, gap.FromTicks, gap.ToTicks, stamp);
        if (before is not null)
        {
            touched += Touch(product, before.FromTicks, before.ToTicks, stamp);
        }

        return touched;
    }

    /// <summary>Unresolved gaps held, over all streams.</summary>
    public int OpenGaps => gapStreams.Sum(p => p.Gaps!.Count);

    /// <summary>
    /// Moves the watermark forward without a trade (e.g. at the end of input, or by the wall clock while a live feed is
    /// idle). It never moves back.
    /// </summary>
    public void AdvanceWatermark(DateTimeOffset watermark) => AdvanceWatermarkTicks(watermark.UtcTicks);

    /// <summary>
    /// Closes windows the watermark has passed, prunes windows beyond retention, and returns the full value of every
    /// window that changed since the last call together with what a state store must write.
    /// </summary>
    public AggregatorChanges TakeChanges()
    {
        while (open.TryPeek(out var id, out var start) && window.EndOf(start) <= watermarkTicks)
        {
            open.Dequeue();
            ref var state = ref windows[id];
            state.Final = true;
            if (!state.Changed)
            {
                state.Changed = true;
                changed.Add(id);
            }
        }

        var result = new WindowVolume[changed.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = ToVolume(changed[i]);
            windows[changed[i]].Changed = false;
        }

        changed.Clear();

        var dedup = new Dictionary<string, IReadOnlyList<(long Start, long End)>>(changedProducts.Count, StringComparer.Ordinal);
        foreach (var product in changedProducts)
        {
            dedup[product.Name] = [.. product.Ids.Ranges];
            product.IdsChanged = false;
        }

        changedProducts.Clear();
        Prune();
        var prunedNow = pruned.ToArray();
        pruned.Clear();
        var added = recentAdded.ToArray();
        recentAdded.Clear();
        var forgotten = recentForgotten.ToArray();
        recentForgotten.Clear();
        // A gap put and deleted in the same batch (opened, then filled) is written as it is now: once.
        var put = new List<StreamGap>();
        var deleted = new List<StreamGap>();
        var seenGaps = new HashSet<(string, string)>();
        foreach (var gap in gapsPut.Concat(gapsDeleted))
        {
            if (seenGaps.Add((gap.Stream, gap.Id)))
            {
                (products.TryGetValue(gap.Stream, out var stream) && stream.Gaps?.ContainsKey(gap.Id) == true ? put : deleted).Add(gap);
            }
        }

        for (var i = 0; i < put.Count; i++)
        {
            put[i] = products[put[i].Stream].Gaps![put[i].Id];
        }

        gapsPut.Clear();
        gapsDeleted.Clear();
        return new AggregatorChanges(result, prunedNow, dedup, new EventTimeState(maxEventTicks, watermarkTicks))
        {
            Window = window,
            RecentAdded = added,
            RecentForgotten = forgotten,
            GapsPut = put,
            GapsDeleted = deleted,
        };
    }

    /// <summary>
    /// Marks the newest <paramref name="perStream"/> windows of every stream (both sides counted) changed, so the next
    /// <see cref="TakeChanges"/> returns their full values again. Used when the state continues on a new development broker
    /// log: what was emitted to the old log's <c>volumes.1m</c> and not yet read by the sink died with it. Returns the
    /// windows marked.
    /// </summary>
    public int ReemitNewest(int perStream)
    {
        var marked = 0;
        foreach (var product in products.Values)
        {
            foreach (var id in product.Windows.Values.OrderByDescending(w => windows[w].StartTicks).Take(perStream))
            {
                ref var state = ref windows[id];
                if (!state.Changed)
                {
                    state.Changed = true;
                    changed.Add(id);
                }

                marked++;
            }
        }

        return marked;
    }

    /// <summary>
    /// Loads a state written from earlier <see cref="TakeChanges"/> results (all windows, all dedup ranges, the clock) of
    /// an aggregator with the same <see cref="Window"/>; a window that does not start on this aggregator's window grid
    /// throws (state of another window length is never mixed in).
    /// </summary>
    public void Restore(
        IEnumerable<WindowVolume> retainedWindows,
        IEnumerable<KeyValuePair<string, IReadOnlyList<(long Start, long End)>>> dedup,
        EventTimeState clock,
        IEnumerable<RecentId>? recentIds = null,
        IEnumerable<StreamGap>? gaps = null)
    {
        ArgumentNullException.ThrowIfNull(retainedWindows);
        ArgumentNullException.ThrowIfNull(dedup);
        if (windowCount > 0 || products.Count > 0)
        {
            throw new InvalidOperationException("Restore is for a fresh aggregator.");
        }

        maxEventTicks = clock.MaxEventTicks;
        watermarkTicks = clock.WatermarkTicks;
        foreach (var (name, ranges) in dedup)
        {
            StreamOf(name).Ids.Load(ranges);
        }

        foreach (var recent in (recentIds ?? []).OrderBy(r => r.Ticks))
        {
            StreamOf(recent.Stream).Recent?.Add(recent.Id, recent.Ticks);
        }

        foreach (var gap in gaps ?? [])
        {
            var stream = StreamOf(gap.Stream);
            if (stream.Gaps is null)
            {
                stream.Gaps = new Dictionary<string, StreamGap>(StringComparer.Ordinal);
                gapStreams.Add(stream);
            }

            stream.Gaps[gap.Id] = gap;
        }

        foreach (var volume in retainedWindows)
        {
            var start = volume.WindowStart.UtcTicks;
            if (!window.IsStart(start))
            {
                throw new InvalidDataException($"Window {volume.Key} is not a start of a {window} window: state of another window length cannot be restored.");
            }

            AddWindow(SlotOf(start, volume.Side), RestoredWindow(StreamOf(volume.Venue, volume.Product), start, volume));
        }
    }

    private ProductState StreamOf(string venue, string product)
    {
        // Trades of one stream tend to come in runs: skip building the key and the dictionary when it is the same again.
        if (lastProduct is { } last && string.Equals(last.Product, product, StringComparison.Ordinal) && string.Equals(last.Venue, venue, StringComparison.Ordinal))
        {
            return last;
        }

        return StreamOf(StreamKey.Of(venue, product));
    }

    /// <summary>The state of a (venue, product) stream by its <see cref="StreamKey"/>.</summary>
    private ProductState StreamOf(string name)
    {
        // Trades of one stream tend to come in runs: skip the dictionary when it is the same stream again.
        if (lastProduct is { } last && (ReferenceEquals(last.Name, name) || string.Equals(last.Name, name, StringComparison.Ordinal)))
        {
            return last;
        }

        if (!products.TryGetValue(name, out var product))
        {
            product = new ProductState(name, streams.Count, ShapeOf(name));
            products.Add(name, product);
            streams.Add(product);
            if (product.Recent is not null)
            {
                recentStreams.Add(product);
            }
        }

        return lastProduct = product;
    }

    /// <summary>The size class shape of new windows of stream <paramref name="name"/>: one per boundary list (so per quote currency).</summary>
    private SizeClassShape? ShapeOf(string name)
    {
        if (sizeClasses.BoundariesOf(QuoteOf(StreamKey.Parse(name).Product)) is not { } bounds)
        {
            return null;
        }

        if (!shapes.TryGetValue(bounds, out var shape))
        {
            shapes.Add(bounds, shape = Register(bounds));
        }

        return shape;
    }

    private static string QuoteOf(string product) => product.Contains('-', StringComparison.Ordinal) ? Products.QuoteOf(product) : string.Empty;

    /// <summary>A window's key in its product's map: start ticks × 2 + side (start ticks are ≥ 0 and below 2⁶², so it fits).</summary>
    private static long SlotOf(long startTicks, TakerSide side) => (startTicks << 1) | (long)side;

    private void AddWindow(long slot, int id)
    {
        ref var state = ref windows[id];
        streams[state.Stream].Windows.Add(slot, id);
        windowCount++;
        retained.Enqueue(id, state.StartTicks);
        if (state.Final || window.EndOf(state.StartTicks) <= watermarkTicks)
        {
            state.Final = true;
        }
        else
        {
            open.Enqueue(id, state.StartTicks);
        }
    }

    /// <summary>Drops windows that ended before watermark − retention: no trade can change them any more.</summary>
    private void Prune()
    {
        var recentHorizon = SafeSubtract(watermarkTicks, recentHorizonTicks);
        foreach (var stream in recentStreams)
        {
            stream.Recent!.Forget(recentHorizon, stream.Name, recentForgotten);
        }

        var horizon = SafeSubtract(watermarkTicks, retentionTicks);
        while (retained.TryPeek(out var id, out var start) && window.EndOf(start) <= horizon)
        {
            // Never in open (it left when the watermark passed its end, earlier than this) nor in changed (taken already).
            retained.Dequeue();
            streams[windows[id].Stream].Windows.Remove(SlotOf(start, windows[id].Side));
            windowCount--;
            pruned.Add(ToVolume(id));
            FreeWindow(id);
        }

        foreach (var stream in gapStreams)
        {
            foreach (var gap in stream.Gaps!.Values.Where(BeyondRetention).ToList())
            {
                stream.Gaps.Remove(gap.Id);
                gapsDeleted.Add(gap);
            }
        }
    }

    /// <summary>Re-evaluates the windows of <paramref name="product"/> whose start is in the windows of [from, to] (each once per stamp).</summary>
    private int Touch(ProductState product, long fromTicks, long toTicks, long stamp)
    {
        if (product.Windows.Count == 0)
        {
            return 0;
        }

        var first = window.StartOf(fromTicks);
        var last = window.StartOf(toTicks);
        var slots = ((last - first) / window.Length.Ticks) + 1;
        var touched = 0;
        if (slots > product.Windows.Count)
        {
            foreach (var id in product.Windows.Values)
            {
                if (windows[id].StartTicks >= first && windows[id].StartTicks <= last)
                {
                    touched += Mark(product, id, stamp);
                }
            }

            return touched;
        }

        for (var start = first; start <= last; start += window.Length.Ticks)
        {
            foreach (var side in (ReadOnlySpan<TakerSide>)[TakerSide.Buy, TakerSide.Sell])
            {
                if (product.Windows.TryGetValue(SlotOf(start, side), out var id))
                {
                    touched += Mark(product, id, stamp);
                }
            }
        }

        return touched;
    }

    private int Mark(ProductState product, int id, long stamp)
    {
        ref var state = ref windows[id];
        if (state.Stamp == stamp)
        {
            return 0;
        }

        state.Stamp = stamp;
        state.Marks++;
        SetReason(id, product.Gaps is { Count: > 0 } gaps ? StreamGap.ReasonOf(gaps.Values, state.StartTicks, SafeEnd(state.StartTicks)) : null);
        if (!state.Changed)
        {
            state.Changed = true;
            changed.Add(id);
        }

        return 1;
    }

    /// <summary>True when no window that is (or can still be) retained can hold a trade of the gap.</summary>
    private bool BeyondRetention(StreamGap gap) =>
        watermarkTicks != long.MinValue && gap.ToTicks <= SafeSubtract(SafeSubtract(watermarkTicks, retentionTicks), window.Length.Ticks);

    private long SafeEnd(long startTicks) => startTicks > long.MaxValue - window.Length.Ticks ? long.MaxValue : startTicks + window.Length.Ticks;

    private void AdvanceWatermarkTicks(long ticks)
    {
        if (ticks > watermarkTicks)
        {
            watermarkTicks = ticks;
        }
    }

    private static long SafeSubtract(long a, long b) => a < long.MinValue + b ? long.MinValue + 1 : a - b;

    /// <summary>Why trades of window <paramref name="id"/> may be missing, or null when it is complete.</summary>
    private string? ReasonOf(int id) => reasons.Count > 0 && reasons.TryGetValue(id, out var reason) ? reason : null;

    private void SetReason(int id, string? reason)
    {
        if (reason is null)
        {
            reasons.Remove(id);
        }
        else
        {
            reasons[id] = reason;
        }
    }

    /// <summary>A shape of size class boundaries with its index (windows refer to shapes by index).</summary>
    private SizeClassShape Register(decimal[] bounds)
    {
        var shape = new SizeClassShape(bounds, shapeList.Count);
        shapeList.Add(shape);
        return shape;
    }

    /// <summary>A new window of <paramref name="product"/> holding its first trade.</summary>
    private int NewWindow(ProductState product, TakerSide side, long startTicks, Trade first)
    {
        var id = windows.Rent(1);
        ref var state = ref windows[id];
        (state.Stream, state.Side, state.StartTicks) = (product.Index, side, startTicks);
        state.Trades = 1;
        state.BaseVolume = first.Size;
        var notional = first.Price * first.Size;
        state.QuoteVolume = notional;
        state.Open = state.High = state.Low = state.Close = first.Price;
        state.FirstId = state.LastId = first.TradeId;
        state.Shape = -1;
        if (product.SizeClasses is { } shape)
        {
            state.Shape = shape.Index;
            state.Cells = cells.Rent(shape.Bounds.Length + 1);
            ref var cell = ref cells[state.Cells + SizeClassTable.ClassOf(shape.Bounds, notional)];
            cell.Trades = 1;
            cell.Base = first.Size;
        }

        return id;
    }

    /// <summary>A window of <paramref name="product"/> as a state store holds it.</summary>
    private int RestoredWindow(ProductState product, long startTicks, WindowVolume value)
    {
        var id = windows.Rent(1);
        ref var state = ref windows[id];
        (state.Stream, state.Side, state.StartTicks) = (product.Index, value.Side, startTicks);
        state.Trades = value.Trades;
        state.BaseVolume = value.BaseVolume;
        state.QuoteVolume = value.QuoteVolume;
        (state.Open, state.High, state.Low, state.Close) = (value.Open, value.High, value.Low, value.Close);
        (state.FirstId, state.LastId) = (value.FirstTradeId, value.LastTradeId);
        state.Final = value.Final;
        state.Marks = WindowVolume.MarksOf(value);
        SetReason(id, value.IncompleteReason);
        state.Shape = -1;
        // An empty list is not a valid value (SizeClassVolume.IsValid: null means none); it is restored as none.
        if (value.SizeClasses is { Count: > 0 } classes)
        {
            var bounds = SizeClassVolume.BoundariesOf(classes);
            var shape = SizeClassShape.Matches(product.SizeClasses, bounds) ? product.SizeClasses!
                : shapeList.Count > 0 && SizeClassShape.Matches(shapeList[^1], bounds) ? shapeList[^1]
                : Register(bounds);
            state.Shape = shape.Index;
            state.Cells = cells.Rent(classes.Count);
            var run = cells.Run(state.Cells, classes.Count);
            for (var i = 0; i < classes.Count; i++)
            {
                (run[i].Trades, run[i].Base) = (classes[i].Trades, classes[i].BaseVolume);
            }
        }

        return id;
    }

    /// <summary>Gives a pruned window's storage back for a new window.</summary>
    private void FreeWindow(int id)
    {
        ref var state = ref windows[id];
        if (state.Shape >= 0)
        {
            cells.Return(state.Cells, shapeList[state.Shape].Bounds.Length + 1);
        }

        reasons.Remove(id);
        windows.Return(id, 1);
    }

    private void AddTrade(ref WindowData state, Trade trade)
    {
        state.Trades++;
        state.BaseVolume += trade.Size;
        var notional = trade.Price * trade.Size;
        state.QuoteVolume += notional;
        if (state.Shape >= 0)
        {
            ref var cell = ref cells[state.Cells + SizeClassTable.ClassOf(shapeList[state.Shape].Bounds, notional)];
            cell.Trades++;
            cell.Base += trade.Size;
        }

        if (trade.Price > state.High)
        {
            state.High = trade.Price;
        }

        if (trade.Price < state.Low)
        {
            state.Low = trade.Price;
        }

        if (trade.TradeId < state.FirstId)
        {
            state.FirstId = trade.TradeId;
            state.Open = trade.Price;
        }

        // >=: among equal ordering numbers (a venue's shared sequence number) the later arrival closes.
        if (trade.TradeId >= state.LastId)
        {
            state.LastId = trade.TradeId;
            state.Close = trade.Price;
        }
    }

    private WindowVolume ToVolume(int id)
    {
        ref var state = ref windows[id];
        var product = streams[state.Stream];
        return new(
            product.Product, state.Side, new DateTimeOffset(state.StartTicks, TimeSpan.Zero), state.Trades, state.BaseVolume, state.QuoteVolume,
            state.Open, state.High, state.Low, state.Close, state.FirstId, state.LastId, WindowVolume.VersionOf(state.Trades, state.Final, state.Marks), state.Final)
        { Venue = product.Venue, IncompleteReason = ReasonOf(id), SizeClasses = ClassesOf(in state) };
    }

    private SizeClassVolume[]? ClassesOf(in WindowData state)
    {
        if (state.Shape < 0)
        {
            return null;
        }

        var shape = shapeList[state.Shape];
        var run = cells.Run(state.Cells, shape.Bounds.Length + 1);
        var classes = new SizeClassVolume[run.Length];
        for (var i = 0; i < classes.Length; i++)
        {
            // Most classes of a window hold no trade: those share one immutable value per shape.
            var cell = run[i];
            classes[i] = cell.Trades == 0 && cell.Base == 0m && cell.Base.Scale == 0
                ? shape.Empty[i]
                : new SizeClassVolume(shape.MinOf(i), shape.MaxOf(i), cell.Trades, cell.Base);
        }

        return classes;
    }

    /// <summary>One (venue, product) stream's state; <see cref="Name"/> is its <see cref="StreamKey"/>, <see cref="Index"/> its place in the aggregator's list.</summary>
    private sealed class ProductState(string name, int index, SizeClassShape? sizeClasses)
    {
        private readonly (string Venue, string Product) parts = StreamKey.Parse(name);

        /// <summary>The size class boundaries of the stream's quote currency for new windows, or null (no classes).</summary>
        public SizeClassShape? SizeClasses { get; } = sizeClasses;

        public string Name { get; } = name;

        public int Index { get; } = index;

        public string Venue => parts.Venue;

        public string Product => parts.Product;

        /// <summary>
        /// For a stream whose venue does not have contiguous ids (or an unknown venue), the ids of the dedup horizon; null
        /// for contiguous venues, which keep id ranges (<see cref="Ids"/>).
        /// </summary>
        public RecentIdSet? Recent { get; } = Venues.Find(StreamKey.Parse(name).Venue)?.ContiguousTradeIds == true ? null : new RecentIdSet();

        public TradeIdSet Ids { get; } = new();

        public bool IdsChanged { get; set; }

        /// <summary>Unresolved gaps by id (null until the stream has had one).</summary>
        public Dictionary<string, StreamGap>? Gaps { get; set; }

        /// <summary>Windows (their index in the aggregator's window store) by slot = start ticks × 2 + side.</summary>
        public Dictionary<long, int> Windows { get; } = [];
    }

    /// <summary>
    /// One window's state, held in the aggregator's <see cref="StructSlab{T}"/> (no references: the GC never looks at it).
    /// Its stream, size class shape and cells are indexes; its incompleteness reason, rare, is in a side map.
    /// </summary>
    private struct WindowData
    {
        public long StartTicks;
        public long Trades;
        public decimal BaseVolume;
        public decimal QuoteVolume;
        public decimal Open;
        public decimal High;
        public decimal Low;
        public decimal Close;
        public long FirstId;
        public long LastId;

        /// <summary>Gap markers applied to this window (part of its version).</summary>
        public long Marks;

        /// <summary>The last <see cref="ApplyGap"/> call that re-evaluated it (each marker marks a window once).</summary>
        public long Stamp;

        /// <summary>Index of its stream in the aggregator's list.</summary>
        public int Stream;

        /// <summary>Its size class shape's index, or -1 (no classes).</summary>
        public int Shape;

        /// <summary>The first of its shape's classes' cells (boundaries + 1, consecutive) when it has classes.</summary>
        public int Cells;

        public TakerSide Side;
        public bool Final;
        public bool Changed;
    }

    /// <summary>One size class of one window: the trades and the base volume.</summary>
    private struct ClassCell
    {
        public long Trades;
        public decimal Base;
    }

    /// <summary>
    /// Size class boundaries as windows hold them, with the empty value of each class (shared: a sparse window's classes are
    /// mostly empty, and their values are immutable).
    /// </summary>
    private sealed class SizeClassShape
    {
        public SizeClassShape(decimal[] bounds, int index)
        {
            Bounds = bounds;
            Index = index;
            Empty = new SizeClassVolume[bounds.Length + 1];
            for (var i = 0; i < Empty.Length; i++)
            {
                Empty[i] = new SizeClassVolume(MinOf(i), MaxOf(i), 0, 0m);
            }
        }

        public decimal[] Bounds { get; }

        /// <summary>Its place in the aggregator's shape list.</summary>
        public int Index { get; }

        public SizeClassVolume[] Empty { get; }

        public decimal MinOf(int i) => i == 0 ? 0m : Bounds[i - 1];

        public decimal? MaxOf(int i) => i < Bounds.Length ? Bounds[i] : null;

        /// <summary>
        /// True when <paramref name="shape"/> has the same boundaries as <paramref name="bounds"/>, digit for digit (value and
        /// scale: 1000 and 1000.0 are written differently).
        /// </summary>
        public static bool Matches(SizeClassShape? shape, decimal[] bounds)
        {
            if (shape is null || shape.Bounds.Length != bounds.Length)
            {
                return false;
            }

            for (var i = 0; i < bounds.Length; i++)
            {
                if (bounds[i] != shape.Bounds[i] || bounds[i].Scale != shape.Bounds[i].Scale)
                {
                    return false;
                }
            }

            return true;
        }
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
/// the complete id ranges of every stream (by <see cref="StreamKey"/>) that saw a new id; <see cref="Window"/> is the base window they were cut with,
/// which the state store records).
/// </summary>
public sealed record AggregatorChanges(
    IReadOnlyList<WindowVolume> Windows,
    IReadOnlyList<WindowVolume> Pruned,
    IReadOnlyDictionary<string, IReadOnlyList<(long Start, long End)>> Dedup,
    EventTimeState Clock)
{
    /// <summary>Ids of horizon-deduplicated streams counted since the last call (to remember).</summary>
    public IReadOnlyList<RecentId> RecentAdded { get; init; } = [];

    /// <summary>Ids of horizon-deduplicated streams that fell behind the dedup horizon (to forget).</summary>
    public IReadOnlyList<RecentId> RecentForgotten { get; init; } = [];

    /// <summary>Unresolved gaps added or replaced since the last call (to write).</summary>
    public IReadOnlyList<StreamGap> GapsPut { get; init; } = [];

    /// <summary>Gaps filled or beyond retention since the last call (to delete).</summary>
    public IReadOnlyList<StreamGap> GapsDeleted { get; init; } = [];

    /// <summary>The base window of <see cref="Windows"/> and <see cref="Pruned"/> (the default, 1 minute, unless set).</summary>
    public WindowSpec Window { get; init; } = WindowSpec.Default;
}
