using System.ComponentModel.DataAnnotations;

namespace BitcoinVolume.Ingest.Gaps;

/// <summary>An inclusive range of trade ids of one stream (venue, product).</summary>
public readonly record struct TradeIdRange(long First, long Last)
{
    public long Count => Last - First + 1;

    public bool Contains(long id) => id >= First && id <= Last;

    public override string ToString() => First == Last ? $"{First}" : $"{First}..{Last}";
}

/// <summary>What <see cref="TradeGate.Admit"/> decided about one trade.</summary>
public enum Admission
{
    /// <summary>Never seen: produce it (it may have opened a gap below itself).</summary>
    New,

    /// <summary>Never seen and inside a known gap: produce it (the gap shrinks).</summary>
    FillsGap,

    /// <summary>Already produced (last_match, snapshot, reconnect or backfill overlap): drop it.</summary>
    Duplicate,

    /// <summary>Older than everything tracked for its stream (before ingest started, a long-reported gap, or beyond the dedup horizon): drop it.</summary>
    Stale,
}

/// <summary>What the gate does with a gap.</summary>
public enum GapMode
{
    /// <summary>Replay and synthetic sources: gaps are detected, logged and counted; a later frame may fill them; never reported unfilled.</summary>
    Track,

    /// <summary>Live with backfill: gaps are handed to the backfiller; those it cannot fill are reported unfilled.</summary>
    Backfill,

    /// <summary>Live without backfill: every gap is reported unfilled as soon as it is detected.</summary>
    Report,

    /// <summary>
    /// Venues whose ids are not contiguous (<see cref="Venues.IVenue.ContiguousTradeIds"/> false: Bitstamp, Bybit): duplicates
    /// are dropped, a jump is not a gap (nothing is detected, fetched or reported); the ids remembered per stream are bounded
    /// by <see cref="GapOptions.DedupHorizon"/>. Trades with a <see cref="Contracts.Trade.TextId"/> take this path in every mode.
    /// </summary>
    DedupOnly,
}

/// <summary>
/// A stream's durable high-water mark (<see cref="TradeGate.DurableMarks"/>): every id up to <paramref name="TradeId"/> is on
/// `trades` or was reported; <paramref name="Time"/> is the trade time of the newest acknowledged trade. Without
/// <paramref name="Contiguous"/> ids it is the highest acknowledged id, which only dates the downtime.
/// </summary>
public readonly record struct DurableMark(string Stream, long TradeId, DateTimeOffset Time, bool Contiguous)
{
    /// <summary>The lowest id tracked for the stream in this run (its first trade, or the mark it was restored with).</summary>
    public long Floor { get; init; }
}

/// <summary>A gap handed to the backfiller: an id range of a stream (<see cref="Contracts.StreamKey"/> text), and how many fetches it has had.</summary>
public readonly record struct GapWork(string Stream, TradeIdRange Range, int Attempts);

/// <summary>
/// A gap as it was detected (before any of it was filled or split): its trade ids, the event-time range its trades can
/// have (<paramref name="From"/> = the time of the last trade before it, <paramref name="To"/> = the time of the first trade
/// after it, or of the heartbeat that revealed it) and its cause (<see cref="Contracts.TradeGap.TradeIdGap"/>,
/// <see cref="Contracts.TradeGap.HeartbeatGap"/>). What the gap markers on <c>trades</c> describe.
/// </summary>
public sealed record GapSpan(TradeIdRange Range, DateTimeOffset From, DateTimeOffset To, string Cause)
{
    /// <summary>What the markers' reason adds after the ids (the restart that caused or reopened the gap); null: nothing.</summary>
    public string? Context { get; init; }

    /// <summary>The marker id of the gap within its stream.</summary>
    public string Id => $"ids:{Range.First}-{Range.Last}";
}

/// <summary>Receives gap events from a <see cref="TradeGate"/> (called under the gate's lock: keep it short).</summary>
public interface IGapObserver
{
    /// <summary>A gap whose time range is known was opened and will be fetched (<see cref="GapMode.Backfill"/>): trades may be missing.</summary>
    void GapOpened(string stream, GapSpan span)
    {
    }

    /// <summary>Some of the gap's trades will not be produced (given up: after the attempts, too large, backfill off, evicted).</summary>
    void GapGivenUp(string stream, GapSpan span, string reason)
    {
    }

    /// <summary>Every trade of the gap has been admitted now (by the live stream or the backfill).</summary>
    void GapFilled(string stream, GapSpan span)
    {
    }

    /// <summary>Trades <paramref name="range"/> of <paramref name="stream"/> (a <see cref="Contracts.StreamKey"/>) were skipped; <paramref name="cause"/> is <c>trade</c>, <c>heartbeat</c> or <c>recovery</c>.</summary>
    void GapDetected(string stream, TradeIdRange range, string cause);

    /// <summary>Trades <paramref name="range"/> of <paramref name="stream"/> (a <see cref="Contracts.StreamKey"/>) will not be produced; <paramref name="reason"/> says why.</summary>
    void GapUnfilled(string stream, TradeIdRange range, int attempts, string reason);
}

/// <summary>Limits of the gate (section <c>Ingest:Gaps</c>).</summary>
public sealed class GapOptions
{
    /// <summary>Open gaps kept per product; when exceeded the oldest is given up (and reported, when backfilling).</summary>
    [Range(1, int.MaxValue)]
    public int MaxOpenGapsPerProduct { get; set; } = 1000;

    /// <summary>Streams (venue, product) tracked; trades of further streams are produced without dedup or gap detection (logged).</summary>
    [Range(1, int.MaxValue)]
    public int MaxProducts { get; set; } = 10_000;

    /// <summary>
    /// Dedup without gap detection (<see cref="GapMode.DedupOnly"/>, text ids): the trade ids remembered per stream, the
    /// most recent ones. A repeat of one of them is dropped; a numeric id at or below the highest one forgotten is dropped
    /// as stale; an id older than the horizon is otherwise produced again. Memory is O(streams × horizon).
    /// </summary>
    [Range(1, 10_000_000)]
    public int DedupHorizon { get; set; } = 50_000;
}

/// <summary>
/// Ingest's dedup and gap detector, keyed by stream (<see cref="Contracts.StreamKey"/> text of venue and product; Coinbase's
/// is the bare product). The venue's trade ids are contiguous per product (<see cref="Venues.IVenue.ContiguousTradeIds"/>;
/// Coinbase's are), so the set of ids produced so far is kept as one interval per product (<c>[floor, high]</c>) minus a
/// bounded list of holes — the gaps. Memory is O(products × open gaps), whatever the volume.
/// <list type="bullet">
/// <item>An id above <c>high + 1</c> opens a gap <c>[high + 1, id - 1]</c>; so does an Exchange heartbeat whose
/// <c>last_trade_id</c> is above <c>high</c>. Reconnects need nothing special: the first trade after one shows the jump.</item>
/// <item>An id inside a gap fills it (late frame, backfill); any other id at or below <c>high</c> is a duplicate
/// (<c>last_match</c>, Advanced Trade snapshot, reconnect or backfill overlap) and is dropped.</item>
/// <item>With <see cref="GapMode.Backfill"/>, gaps are handed out by <see cref="TakeDueGaps"/> after a grace delay (an in-flight frame may
/// still fill them); a gap still open after the allowed attempts, too large to fetch, or evicted by the cap is
/// reported through <see cref="IGapObserver.GapUnfilled"/> — never dropped silently.</item>
/// </list>
/// With <see cref="GapMode.DedupOnly"/> (ids not contiguous) and for trades with a text id, a stream keeps only the last
/// <see cref="GapOptions.DedupHorizon"/> ids it saw (a set plus their arrival order) and drops repeats: no gaps.
/// Thread-safe: the reader loop and the backfiller share one instance.
/// </summary>
public sealed class TradeGate(GapOptions options, GapMode mode, long maxGapTrades, IGapObserver observer, TimeProvider timeProvider)
{
    private const string RestartContext = "ingest restart: not received while it was down";
    private const string RecoveryContext = "ingest restart: a gap still open when it stopped";
    private readonly Lock gate = new();
    private readonly Dictionary<string, ProductState> products = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SeenIds> seen = new(StringComparer.Ordinal);
    private bool productCapReached;

    /// <summary>
    /// Told every id the gate admits on a contiguous stream (under the gate's lock), so <see cref="DurableMarks"/> can hold a
    /// stream's mark below ids admitted but not yet acknowledged by Kafka. Null: nothing is tracked (replay, tests).
    /// </summary>
    public Recovery.DeliveredMarks? Tracker { get; init; }

    /// <summary>
    /// Told every id the gate admits into a gap (under the gate's lock, before the gap's <see cref="IGapObserver.GapFilled"/>),
    /// so the filled marker can wait for their acknowledgement (<see cref="GapFillAcks"/>). Null: not tracked (replay, tests).
    /// </summary>
    public GapFillAcks? Fills { get; init; }

    /// <summary>Gaps currently open (not yet filled, fetched or given up), over all products.</summary>
    public int OpenGaps
    {
        get
        {
            lock (gate)
            {
                return products.Values.Sum(p => p.Holes.Count(h => !h.Unfilled));
            }
        }
    }

    /// <summary>What the gate does with gaps (from the source and the venue).</summary>
    public GapMode Mode => mode;

    /// <summary>True once a product was left untracked because of <see cref="GapOptions.MaxProducts"/>.</summary>
    public bool ProductCapReached => productCapReached;

    /// <summary>
    /// Decides whether a trade of <paramref name="stream"/> is new; detects a gap below it (contiguous ids). With a
    /// <paramref name="textId"/> (or in <see cref="GapMode.DedupOnly"/>) the trade is only deduplicated.
    /// </summary>
    /// <remarks><paramref name="time"/> is the trade's event time: the gate keeps it for the newest trade, so a gap knows the time range its trades can have.</remarks>
    public Admission Admit(string stream, long tradeId, string? textId = null, DateTimeOffset time = default)
    {
        lock (gate)
        {
            if (mode == GapMode.DedupOnly || textId is not null)
            {
                return AdmitSeen(stream, tradeId, textId);
            }

            var product = stream;
            if (!products.TryGetValue(product, out var state))
            {
                if (products.Count + seen.Count >= options.MaxProducts)
                {
                    productCapReached = true;
                    return Admission.New;
                }

                products.Add(product, new ProductState(tradeId) { HighTime = time });
                Tracker?.Admitted(product, tradeId);
                return Admission.New;
            }

            if (tradeId > state.High)
            {
                if (tradeId > state.High + 1)
                {
                    // The first jump after a restore from a stored mark is the downtime of the previous run.
                    OpenGap(product, state, new TradeIdRange(state.High + 1, tradeId - 1), state.Seeded is not null && !state.Admitted ? "restart" : "trade", time);
                }

                state.High = tradeId;
                state.HighTime = time;
                state.Admitted = true;
                Tracker?.Admitted(product, tradeId);
                return Admission.New;
            }

            if (tradeId < state.Floor)
            {
                return Admission.Stale;
            }

            if (!state.Fill(tradeId, out var done))
            {
                return Admission.Duplicate;
            }

            Tracker?.Admitted(product, tradeId);
            Fills?.Admitted(product, tradeId);
            if (done is { Span: { } span })
            {
                observer.GapFilled(product, span);
            }

            return Admission.FillsGap;
        }
    }

    /// <summary>
    /// Restart recovery: rebuilds a product's state from the trade ids ingest produced before (read back from the tail of
    /// `trades`, in offset order). The first id is the floor; ids are replayed as <see cref="Admit"/> would take them, and
    /// the holes still open at the end — gaps that were open when the previous run stopped — are opened again (cause
    /// <c>recovery</c>), so the backfiller fetches them. Does nothing for a product already tracked. Returns the holes opened.
    /// </summary>
    /// <remarks>
    /// In <see cref="GapMode.DedupOnly"/>, or when <paramref name="textIds"/> (parallel to the ids, null where a trade has
    /// none) holds a text id, the ids only seed the dedup memory of the stream (the last <see cref="GapOptions.DedupHorizon"/>).
    /// With <paramref name="times"/> (parallel to the ids: each trade's event time) a reopened hole knows the time range of its
    /// trades — the time of the trade just below it and of the one just above — and is marked on <c>trades</c> like any
    /// other gap; and the high-water mark keeps its trade's time, which dates the downtime gap of the first live trade.
    /// <paramref name="unresolved"/> are the gaps the previous run marked on <c>trades</c> and did not resolve (the latest
    /// marker of each in the tail is open or unfilled): a hole inside one of them is reopened under that gap's id and range,
    /// so its filled marker resolves the very gap the aggregator holds; one of them without a hole left (inside the ids the
    /// tail shows) was filled after all and is marked filled now.
    /// </remarks>
    public int Restore(
        string product, IReadOnlyList<long> idsInOffsetOrder, IReadOnlyList<string?>? textIds = null, IReadOnlyList<DateTimeOffset>? times = null,
        IReadOnlyList<Contracts.TradeGap>? unresolved = null)
    {
        ArgumentNullException.ThrowIfNull(idsInOffsetOrder);
        lock (gate)
        {
            if (idsInOffsetOrder.Count == 0 || products.ContainsKey(product) || seen.ContainsKey(product) || products.Count + seen.Count >= options.MaxProducts)
            {
                return 0;
            }

            if (mode == GapMode.DedupOnly || (textIds is not null && textIds.Any(t => t is not null)))
            {
                var memory = new SeenIds(options.DedupHorizon);
                seen.Add(product, memory);
                for (var i = 0; i < idsInOffsetOrder.Count; i++)
                {
                    memory.Add(idsInOffsetOrder[i], textIds is not null && i < textIds.Count ? textIds[i] : null);
                }

                return 0;
            }

            var replay = new ProductState(idsInOffsetOrder[0]);
            var now = timeProvider.GetUtcNow();
            for (var i = 1; i < idsInOffsetOrder.Count; i++)
            {
                var id = idsInOffsetOrder[i];
                if (id > replay.High)
                {
                    if (id > replay.High + 1)
                    {
                        replay.Holes.Add(new Hole(new TradeIdRange(replay.High + 1, id - 1), now));
                    }

                    replay.High = id;
                }
                else if (id >= replay.Floor)
                {
                    replay.Fill(id, out _);
                }
            }

            var timeOf = times is not null && times.Count == idsInOffsetOrder.Count ? NeighbourTimes(replay, idsInOffsetOrder, times) : null;
            var state = new ProductState(replay.Floor) { High = replay.High, Seeded = replay.High, HighTime = timeOf?.GetValueOrDefault(replay.High) ?? default };
            products.Add(product, state);
            var marked = mode is GapMode.Backfill or GapMode.Report ? MarkedGaps(unresolved, replay) : [];
            foreach (var hole in replay.Holes)
            {
                if (marked.Find(m => m.Span.Range.First <= hole.Range.First && hole.Range.Last <= m.Span.Range.Last) is { } owner)
                {
                    owner.Holes++;
                    OpenGap(product, state, hole.Range, "recovery", origin: owner);
                }
                else if (timeOf is not null && timeOf.TryGetValue(hole.Range.First - 1, out var before) && timeOf.TryGetValue(hole.Range.Last + 1, out var after))
                {
                    OpenGap(product, state, hole.Range, "recovery", after, before);
                }
                else
                {
                    OpenGap(product, state, hole.Range, "recovery");
                }
            }

            foreach (var filled in marked.Where(m => m.Holes == 0))
            {
                observer.GapFilled(product, filled.Span);
            }

            return replay.Holes.Count;
        }
    }

    /// <summary>The unresolved marked gaps of the previous run that lie inside the ids a replay shows (no hole counted yet).</summary>
    private static List<GapOrigin> MarkedGaps(IReadOnlyList<Contracts.TradeGap>? unresolved, ProductState replay)
    {
        var marked = new List<GapOrigin>();
        foreach (var gap in unresolved ?? [])
        {
            if (gap is not { FirstTradeId: { } first, LastTradeId: { } last } || first <= replay.Floor || last >= replay.High)
            {
                continue; // not an id range, or not wholly inside what the tail shows: whether it was filled is unknown
            }

            var span = new GapSpan(new TradeIdRange(first, last), gap.From, gap.To, gap.Cause)
            {
                Context = gap.Cause == Contracts.TradeGap.Restart ? RestartContext : RecoveryContext,
            };
            if (span.Id == gap.Id)
            {
                marked.Add(new GapOrigin(span) { Holes = 0 });
            }
        }

        return marked;
    }

    /// <summary>The event times of the trades around the replayed holes and of the high-water mark (the first record of each id).</summary>
    private static Dictionary<long, DateTimeOffset> NeighbourTimes(ProductState replay, IReadOnlyList<long> ids, IReadOnlyList<DateTimeOffset> times)
    {
        var wanted = new HashSet<long> { replay.High };
        foreach (var hole in replay.Holes)
        {
            wanted.Add(hole.Range.First - 1);
            wanted.Add(hole.Range.Last + 1);
        }

        var found = new Dictionary<long, DateTimeOffset>();
        for (var i = 0; i < ids.Count; i++)
        {
            if (wanted.Contains(ids[i]))
            {
                found.TryAdd(ids[i], times[i]);
            }
        }

        return found;
    }

    /// <summary>
    /// Restart recovery from a stored high-water mark (<see cref="Recovery.IngestStateStore"/>): every id of
    /// <paramref name="stream"/> up to <paramref name="mark"/> counts as produced, so the first live trade above it opens a
    /// gap (cause <c>restart</c>: the downtime) that the backfiller fills. Does nothing for a stream already tracked or in
    /// <see cref="GapMode.DedupOnly"/> (its ids are not contiguous: a mark proves nothing about the ids below it).
    /// Returns whether the stream was seeded.
    /// </summary>
    public bool RestoreMark(string stream, long mark, DateTimeOffset time)
    {
        lock (gate)
        {
            if (mode == GapMode.DedupOnly || products.ContainsKey(stream) || seen.ContainsKey(stream) || products.Count + seen.Count >= options.MaxProducts)
            {
                return false;
            }

            products.Add(stream, new ProductState(mark) { Seeded = mark, SeededTime = time, HighTime = time });
            return true;
        }
    }

    /// <summary>Drops what is tracked of <paramref name="stream"/> (restart recovery replaces a stale seed with a newer one).</summary>
    public void Forget(string stream)
    {
        lock (gate)
        {
            products.Remove(stream);
            seen.Remove(stream);
        }
    }

    /// <summary>
    /// The durable high-water mark of every contiguous stream, for <see cref="Recovery.IngestStateStore"/>: the highest id
    /// such that every id of the stream up to it is on `trades` (acknowledged by Kafka, <see cref="Tracker"/>) or was
    /// reported unfilled — the highest acknowledged (or restored) id, held below the lowest id admitted and not yet
    /// acknowledged and below the lowest open gap. Streams without contiguous ids report their highest acknowledged id
    /// (<c>Contiguous = false</c>: it only dates the downtime). Empty without a tracker.
    /// </summary>
    public IReadOnlyList<DurableMark> DurableMarks()
    {
        if (Tracker is not { } tracker)
        {
            return [];
        }

        var marks = new List<DurableMark>();
        lock (gate)
        {
            foreach (var (stream, state) in products)
            {
                var (high, time, pending) = tracker.Snapshot(stream);
                long? mark = high is { } h && (state.Seeded is not { } s || h >= s) ? h : state.Seeded;
                if (mark is not { } m)
                {
                    continue;
                }

                if (pending is { } p)
                {
                    m = Math.Min(m, p - 1);
                }

                if (state.Holes.Find(hole => !hole.Unfilled) is { } open)
                {
                    m = Math.Min(m, open.Range.First - 1);
                }

                marks.Add(new DurableMark(stream, m, high is null ? state.SeededTime : time, Contiguous: true) { Floor = state.Floor });
            }

            foreach (var stream in seen.Keys)
            {
                if (tracker.Snapshot(stream) is { High: { } high } acked)
                {
                    marks.Add(new DurableMark(stream, high, acked.HighTime, Contiguous: false) { Floor = high });
                }
            }
        }

        return marks;
    }

    /// <summary>
    /// An Exchange heartbeat: the product's latest trade id. Opens a gap when trades up to it were not seen;
    /// <paramref name="time"/> (when the heartbeat was received) bounds the time of its trades.
    /// </summary>
    public void Heartbeat(string product, long lastTradeId, DateTimeOffset time = default)
    {
        lock (gate)
        {
            // Without a trade seen yet there is no baseline: the heartbeat says nothing about what ingest missed.
            if (products.TryGetValue(product, out var state) && lastTradeId > state.High)
            {
                OpenGap(product, state, new TradeIdRange(state.High + 1, lastTradeId), state.Seeded is not null && !state.Admitted ? "restart" : "heartbeat", time);
                state.High = lastTradeId;
                state.Admitted = true;
            }
        }
    }

    /// <summary>Open gaps due for a fetch (detected at least <paramref name="grace"/> ago, retry time reached); marks them in flight.</summary>
    public IReadOnlyList<GapWork> TakeDueGaps(TimeSpan grace, int max)
    {
        var now = timeProvider.GetUtcNow();
        var due = new List<GapWork>();
        lock (gate)
        {
            foreach (var (product, state) in products)
            {
                foreach (var hole in state.Holes)
                {
                    if (due.Count >= max)
                    {
                        return due;
                    }

                    if (!hole.Unfilled && !hole.InFlight && hole.DetectedAt + grace <= now && hole.NextAttemptAt <= now)
                    {
                        hole.InFlight = true;
                        due.Add(new GapWork(product, hole.Range, hole.Attempts));
                    }
                }
            }
        }

        return due;
    }

    /// <summary>
    /// Ends a fetch of <paramref name="range"/>: what is still missing in it counts one more attempt and is retried after
    /// <paramref name="retryAfter"/>, or — after <paramref name="maxAttempts"/> — reported unfilled with <paramref name="reason"/>.
    /// </summary>
    public void CompleteFetch(string product, TradeIdRange range, int maxAttempts, TimeSpan retryAfter, string reason)
    {
        var now = timeProvider.GetUtcNow();
        lock (gate)
        {
            if (!products.TryGetValue(product, out var state))
            {
                return;
            }

            foreach (var hole in state.Holes)
            {
                if (hole.Range.Last < range.First || hole.Range.First > range.Last || !hole.InFlight)
                {
                    continue;
                }

                hole.InFlight = false;
                hole.Attempts++;
                hole.NextAttemptAt = now + retryAfter;
                if (hole.Attempts >= maxAttempts)
                {
                    hole.Unfilled = true;
                    observer.GapUnfilled(product, hole.Range, hole.Attempts, reason);
                    GiveUp(product, hole, $"not backfilled after {hole.Attempts} attempts: {reason}");
                }
            }
        }
    }

    /// <summary>The open gaps of a product (for tests and diagnostics).</summary>
    public IReadOnlyList<TradeIdRange> GapsOf(string product)
    {
        lock (gate)
        {
            return products.TryGetValue(product, out var state) ? state.Holes.Where(h => !h.Unfilled).Select(h => h.Range).ToList() : [];
        }
    }

    /// <summary>The highest trade id seen (or implied by a heartbeat) for a product.</summary>
    public long? HighWaterMark(string product)
    {
        lock (gate)
        {
            return products.TryGetValue(product, out var state) ? state.High : seen.TryGetValue(product, out var memory) && memory.Count > 0 ? memory.High : null;
        }
    }

    /// <summary>Trade ids remembered for dedup of a stream (<see cref="GapMode.DedupOnly"/>, text ids); at most <see cref="GapOptions.DedupHorizon"/>.</summary>
    public int RememberedIds(string stream)
    {
        lock (gate)
        {
            return seen.TryGetValue(stream, out var memory) ? memory.Count : 0;
        }
    }

    private Admission AdmitSeen(string stream, long tradeId, string? textId)
    {
        if (!seen.TryGetValue(stream, out var memory))
        {
            if (products.Count + seen.Count >= options.MaxProducts)
            {
                productCapReached = true;
                return Admission.New;
            }

            seen.Add(stream, memory = new SeenIds(options.DedupHorizon));
        }

        if (memory.Contains(tradeId, textId))
        {
            return Admission.Duplicate;
        }

        if (memory.IsBeyondHorizon(tradeId, textId))
        {
            return Admission.Stale;
        }

        memory.Add(tradeId, textId);
        return Admission.New;
    }

    /// <summary>
    /// Opens a gap; <paramref name="until"/> is the time of the trade (or heartbeat) above it, <paramref name="since"/> the
    /// time of the trade below it (default: the stream's newest trade time, <see cref="ProductState.HighTime"/>).
    /// </summary>
    private void OpenGap(string product, ProductState state, TradeIdRange range, string cause, DateTimeOffset? until = null, DateTimeOffset? since = null, GapOrigin? origin = null)
    {
        observer.GapDetected(product, range, cause);
        var now = timeProvider.GetUtcNow();
        var hole = new Hole(range, now);

        // Markers only where ingest acts on gaps live (a recording's gaps are history) and the time range is known
        // (holes recovered from a tail without trade times have ids only).
        if (origin is not null)
        {
            hole.Origin = origin; // a hole of a gap marked before (restart recovery): its holes are counted by the caller
        }
        else if (mode is GapMode.Backfill or GapMode.Report && until is { } to)
        {
            var after = to == default ? now : to;
            var before = since is { } from && from != default ? from : state.HighTime == default ? after : state.HighTime;
            hole.Origin = new GapOrigin(MarkedSpan(range, before < after ? before : after, after, cause));
        }

        state.Holes.Add(hole);
        if (mode == GapMode.Report)
        {
            hole.Unfilled = true;
            observer.GapUnfilled(product, range, 0, "backfill is off (Ingest:Backfill:Enabled=false)");
            GiveUp(product, hole, "not backfilled: backfill is off or the venue has no trade history");
        }
        else if (mode == GapMode.Backfill && range.Count > maxGapTrades)
        {
            hole.Unfilled = true;
            observer.GapUnfilled(product, range, 0, $"gap of {range.Count} trades exceeds Ingest:Backfill:MaxGapTrades ({maxGapTrades})");
            GiveUp(product, hole, $"not backfilled: {range.Count} trades exceed Ingest:Backfill:MaxGapTrades ({maxGapTrades})");
        }
        else if (hole.Origin is { } opened)
        {
            observer.GapOpened(product, opened.Span);
        }

        while (state.Holes.Count > options.MaxOpenGapsPerProduct)
        {
            // Give up the oldest gap: reported ones go silently (already reported), open ones are reported now.
            var index = state.Holes.FindIndex(h => h.Unfilled);
            var evicted = state.Holes[index < 0 ? 0 : index];
            // Its ids now count as done: a trade that still arrives in it is dropped as a duplicate.
            state.Holes.Remove(evicted);
            if (evicted.Origin is { } gone)
            {
                gone.Holes--;
            }

            if (!evicted.Unfilled && mode != GapMode.Track)
            {
                observer.GapUnfilled(product, evicted.Range, evicted.Attempts, $"more than {options.MaxOpenGapsPerProduct} open gaps for the product (Ingest:Gaps:MaxOpenGapsPerProduct)");
                GiveUp(product, evicted, $"given up: more than {options.MaxOpenGapsPerProduct} open gaps (Ingest:Gaps:MaxOpenGapsPerProduct)");
            }
        }
    }

    /// <summary>What the markers of a gap say: the cause on <c>trades</c>, and for the gaps of a restart, that a restart made them.</summary>
    private static GapSpan MarkedSpan(TradeIdRange range, DateTimeOffset from, DateTimeOffset to, string cause) => cause switch
    {
        "heartbeat" => new GapSpan(range, from, to, Contracts.TradeGap.HeartbeatGap),
        "restart" => new GapSpan(range, from, to, Contracts.TradeGap.Restart) { Context = RestartContext },
        "recovery" => new GapSpan(range, from, to, Contracts.TradeGap.TradeIdGap) { Context = RecoveryContext },
        _ => new GapSpan(range, from, to, Contracts.TradeGap.TradeIdGap),
    };

    /// <summary>Tells the observer once per gap that (part of) it will not be filled.</summary>
    private void GiveUp(string product, Hole hole, string reason)
    {
        if (hole.Origin is { GivenUp: false } origin)
        {
            origin.GivenUp = true;
            observer.GapGivenUp(product, origin.Span, reason);
        }
    }

    /// <summary>The gap a hole was cut from (holes split as trades fill them): filled when its last hole is.</summary>
    private sealed class GapOrigin(GapSpan span)
    {
        public GapSpan Span { get; } = span;

        /// <summary>Holes still open of this gap.</summary>
        public int Holes { get; set; } = 1;

        public bool GivenUp { get; set; }
    }

    private sealed class Hole(TradeIdRange range, DateTimeOffset detectedAt)
    {
        public TradeIdRange Range { get; set; } = range;

        /// <summary>The gap it belongs to, when that is marked on <c>trades</c> (null: replay, recovery).</summary>
        public GapOrigin? Origin { get; set; }

        public DateTimeOffset DetectedAt { get; } = detectedAt;

        public DateTimeOffset NextAttemptAt { get; set; } = DateTimeOffset.MinValue;

        public int Attempts { get; set; }

        public bool InFlight { get; set; }

        /// <summary>Reported as unfilled: not fetched any more, but a trade that still arrives in it is produced.</summary>
        public bool Unfilled { get; set; }
    }

    /// <summary>
    /// The last ids of one stream without contiguity: a set (numeric ids, or text ids) and the arrival order that evicts the
    /// oldest past the horizon. The highest numeric id forgotten so far bounds what can still be new.
    /// </summary>
    private sealed class SeenIds(int horizon)
    {
        private readonly HashSet<long> ids = [];
        private readonly HashSet<string> textIds = new(StringComparer.Ordinal);
        private readonly Queue<(long Id, string? Text)> order = new();
        private bool forgotten;
        private long forgottenHigh = long.MinValue;

        public int Count => order.Count;

        public long High { get; private set; } = long.MinValue;

        public bool Contains(long id, string? text) => text is null ? ids.Contains(id) : textIds.Contains(text);

        /// <summary>
        /// True when the id is older than what is still remembered: a numeric id at or below the highest forgotten one; a
        /// trade with a text id whose ordering number (Bybit <c>seq</c>, shared by the trades of one match) is below it.
        /// </summary>
        public bool IsBeyondHorizon(long id, string? text) => forgotten && (text is null ? id <= forgottenHigh : id < forgottenHigh);

        public void Add(long id, string? text)
        {
            if (text is null ? !ids.Add(id) : !textIds.Add(text))
            {
                return;
            }

            order.Enqueue((id, text));
            High = Math.Max(High, id);
            while (order.Count > horizon)
            {
                var (oldId, oldText) = order.Dequeue();
                if (oldText is null)
                {
                    ids.Remove(oldId);
                }
                else
                {
                    textIds.Remove(oldText);
                }

                forgotten = true;
                forgottenHigh = Math.Max(forgottenHigh, oldId);
            }
        }
    }

    private sealed class ProductState(long first)
    {
        public long Floor { get; set; } = first;

        /// <summary>The high-water mark the stream was restored with (stored mark or tail of `trades`); null when it started fresh.</summary>
        public long? Seeded { get; init; }

        /// <summary>The trade time of <see cref="Seeded"/> when it came from a stored mark.</summary>
        public DateTimeOffset SeededTime { get; set; }

        /// <summary>A trade above the restored mark was admitted in this run.</summary>
        public bool Admitted { get; set; }

        public long High { get; set; } = first;

        /// <summary>Event time of the trade with id <see cref="High"/> (default when unknown).</summary>
        public DateTimeOffset HighTime { get; set; }

        /// <summary>Sorted by range, disjoint, all inside <c>(Floor, High)</c>.</summary>
        public List<Hole> Holes { get; } = [];

        /// <summary>
        /// Marks <paramref name="id"/> produced if it is in a hole; false when it is not (a duplicate).
        /// <paramref name="filled"/> is the gap this completed (its last hole closed), else null.
        /// </summary>
        public bool Fill(long id, out GapOrigin? filled)
        {
            filled = null;
            var (lo, hi) = (0, Holes.Count - 1);
            while (lo <= hi)
            {
                var mid = (lo + hi) >>> 1;
                var range = Holes[mid].Range;
                if (id < range.First)
                {
                    hi = mid - 1;
                }
                else if (id > range.Last)
                {
                    lo = mid + 1;
                }
                else
                {
                    var hole = Holes[mid];
                    if (range.First == range.Last)
                    {
                        Holes.RemoveAt(mid);
                        if (hole.Origin is { } origin && --origin.Holes == 0)
                        {
                            filled = origin;
                        }
                    }
                    else if (id == range.First)
                    {
                        hole.Range = range with { First = id + 1 };
                    }
                    else if (id == range.Last)
                    {
                        hole.Range = range with { Last = id - 1 };
                    }
                    else
                    {
                        hole.Range = range with { Last = id - 1 };
                        Holes.Insert(mid + 1, new Hole(new TradeIdRange(id + 1, range.Last), hole.DetectedAt)
                        {
                            NextAttemptAt = hole.NextAttemptAt,
                            Attempts = hole.Attempts,
                            InFlight = hole.InFlight,
                            Unfilled = hole.Unfilled,
                            Origin = hole.Origin,
                        });
                        if (hole.Origin is { } origin)
                        {
                            origin.Holes++;
                        }
                    }

                    return true;
                }
            }

            return false;
        }
    }
}
