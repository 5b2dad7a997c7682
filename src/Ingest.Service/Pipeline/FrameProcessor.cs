using System.Text;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Gaps;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Producing;
using BitcoinVolume.Ingest.Sources;
using BitcoinVolume.Ingest.Venues;

namespace BitcoinVolume.Ingest.Pipeline;

/// <summary>
/// One frame through ingest, whatever the venue: parse (the venue's <see cref="IFrameParser"/>: taker side) → heartbeats and trades through the <see cref="TradeGate"/> (dedup and
/// gap detection, keyed by stream: <see cref="StreamKey"/> of venue and product; a trade with a <see cref="Trade.TextId"/> is
/// deduplicated by it) → new trades produced, key = <see cref="Trade.Key"/> → bad frames dead-lettered with their reason (logged once per
/// reason, every one counted); frames of a named but unknown type ignored and counted (logged once per type, not dead-lettered). Used by the service's worker and by the command-line replay. Not thread-safe: one
/// reader loop owns it (the gate it shares with the backfiller is).
/// </summary>
public sealed class FrameProcessor(
    IFrameParser parser,
    TradeGate gate,
    ITradeOutput output,
    GapReporter reporter,
    IngestMetrics metrics,
    IngestStatus status,
    ILogger logger,
    TimeProvider timeProvider,
    IReadOnlySet<string>? products,
    string venue = Contracts.Venues.Coinbase)
{
    private const int MaxRawBytesInDeadLetter = 64 * 1024;
    private static readonly Comparison<Trade> ByProductThenId = static (a, b) =>
        string.CompareOrdinal(a.Product, b.Product) is var c and not 0 ? c : a.TradeId.CompareTo(b.TradeId);

    /// <summary>At most this many distinct unknown frame types are remembered (each logged once); further ones are only counted.</summary>
    public const int MaxLoggedUnknownTypes = 100;

    private readonly List<Trade> trades = new(128);
    private readonly HashSet<string> loggedReasons = new(StringComparer.Ordinal);
    private readonly HashSet<string> loggedUnknownTypes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> lastTradeTimes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TradeGap> sessionGaps = new(StringComparer.Ordinal);
    private bool productCapLogged;

    /// <summary>How many warnings the parser gave about the products (told before the first frame, e.g. aliases); each logged once, at construction.</summary>
    public int ProductWarnings { get; } = WarnOnce(logger, venue, products is null ? [] : parser.UseProducts(products));

    /// <summary>The venue whose heartbeats this processor gates (trades carry their own).</summary>
    public string Venue => venue;

    public long Frames { get; private set; }

    public long Trades { get; private set; }

    public long Duplicates { get; private set; }

    public long Ignored { get; private set; }

    public long Heartbeats { get; private set; }

    public long Invalid { get; private set; }

    /// <summary>Frames of a named but unknown type (also in <see cref="Ignored"/>): counted, each distinct type logged once.</summary>
    public long Unknown { get; private set; }

    public long FilteredOut { get; private set; }

    public async ValueTask ProcessAsync(RawFrame frame, CancellationToken cancellationToken)
    {
        if (frame.SessionEnded is { } cause)
        {
            SessionEnded(frame, cause);
            await reporter.FlushAsync(output, cancellationToken).ConfigureAwait(false);
            return;
        }

        trades.Clear();
        var result = parser.Parse(frame.Data.Span, trades);
        Frames++;
        status.CountFrame();
        metrics.Frame(KindName(result.Kind), result.Label);
        switch (result.Kind)
        {
            case FrameKind.Ignored:
                Ignored++;
                if (result.UnknownType is { } unknown)
                {
                    Unknown++;
                    status.CountUnknownFrame();
                    LogUnknownOnce(frame.Origin, unknown);
                }

                break;
            case FrameKind.Heartbeat:
                Heartbeats++;
                // A last trade id ≤ 0 (reported always 0 on some Coinbase products) is liveness only: it never opens a gap.
                if (result is { Product: { } product, LastTradeId: { } last and > 0 } && Wanted(product))
                {
                    gate.Heartbeat(StreamKey.Of(venue, product), last, frame.ReceivedAt == default ? timeProvider.GetUtcNow() : frame.ReceivedAt);
                }

                break;
        }

        if (trades.Count > 1)
        {
            // Some feeds list a frame's trades newest first (Coinbase Advanced Trade): gate them in id order, so a frame never looks like a gap.
            trades.Sort(ByProductThenId);
        }

        var produced = 0;
        foreach (var trade in trades)
        {
            if (!Wanted(trade.Product))
            {
                FilteredOut++;
                continue;
            }

            var key = trade.Key; // made once per trade (a new string on venues other than Coinbase)
            var admission = gate.Admit(key, trade.TradeId, trade.TextId, trade.Time);
            if (admission == Admission.New && sessionGaps.Count > 0)
            {
                ResolveSessionGap(key, trade.Time);
            }

            if (admission is Admission.New or Admission.FillsGap)
            {
                ref var last = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(lastTradeTimes, key, out var known);
                if (!known || trade.Time > last)
                {
                    last = trade.Time;
                }

                await output.PublishAsync(trade, cancellationToken).ConfigureAwait(false);
                status.TradeAt(trade.Time);
                status.ProductTraded(trade.Product);
                produced++;
            }
            else
            {
                Duplicates++;
                status.CountDuplicate();
                metrics.Duplicate(admission == Admission.Stale ? "stale" : "duplicate");
            }
        }

        if (!productCapLogged && gate.ProductCapReached)
        {
            productCapLogged = true;
            logger.ProductCapReached();
        }

        Trades += produced;
        status.CountTrades(produced);
        metrics.Trades(produced);
        if (result.Kind == FrameKind.Invalid)
        {
            Invalid++;
            if (result.Reason == DeadLetterReasons.SubscriptionRejected)
            {
                var refused = result.Product ?? RefusedProduct(result.Detail);
                status.SubscriptionRefused(refused, result.Detail ?? result.Reason, timeProvider.GetUtcNow());
                logger.SubscriptionRefused(frame.Origin, refused ?? IngestStatus.UnnamedProduct, result.Detail ?? result.Reason, status.RefusalsOf(refused ?? IngestStatus.UnnamedProduct));
            }

            await DeadLetterAsync(frame, result, cancellationToken).ConfigureAwait(false);
        }

        await reporter.FlushAsync(output, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A live connection ended. On a venue whose trades cannot be backfilled (<see cref="GapMode.DedupOnly"/>: ids not
    /// contiguous) every product's trades from its last trade on may be lost for good: a <see cref="TradeGap.Disconnect"/>
    /// marker is opened, and made unfilled (up to the first new trade) once trades flow again. After a skipped sequence
    /// number (<see cref="TradeGap.SequenceGap"/>) on a venue with contiguous ids, the lost frame may have held trades of
    /// any product: a marker is opened per product and filled at its first new trade (from there the trade-id checks
    /// cover the loss: a missing id is its own gap). Other session ends on contiguous venues need none (the next trade
    /// shows a jump).
    /// </summary>
    private void SessionEnded(RawFrame frame, string cause)
    {
        var dedupOnly = gate.Mode == GapMode.DedupOnly;
        if (products is null || (!dedupOnly && cause != TradeGap.SequenceGap) || gate.Mode == GapMode.Track)
        {
            return;
        }

        var at = frame.ReceivedAt == default ? timeProvider.GetUtcNow() : frame.ReceivedAt;
        foreach (var product in products.Order(StringComparer.Ordinal))
        {
            var stream = StreamKey.Of(venue, product);
            if (sessionGaps.ContainsKey(stream))
            {
                continue; // still open from an earlier end: it already covers from the last trade on
            }

            var from = lastTradeTimes.TryGetValue(stream, out var last) ? last : at;
            var marker = dedupOnly
                ? new TradeGap(venue, product, $"disconnect:{frame.Origin}", GapState.Open, from, at, TradeGap.Disconnect,
                    $"disconnected ({cause}) on {frame.Origin}: {venue} trades missed while disconnected cannot be detected or backfilled")
                : new TradeGap(venue, product, $"sequence_gap:{frame.Origin}", GapState.Open, from, at, TradeGap.SequenceGap,
                    $"frames lost on {frame.Origin} (skipped sequence number): trades may be missing until the next trade shows the ids");
            sessionGaps[stream] = marker;
            reporter.Mark(marker);
        }
    }

    /// <summary>
    /// Restart recovery on a venue that cannot backfill: <paramref name="downtime"/> is the open <see cref="TradeGap.Restart"/>
    /// marker of a stream (from its stored mark's trade time); it is produced now and made unfilled by the stream's first
    /// new trade after the mark (a disconnect before then is covered by it).
    /// </summary>
    public void Resumed(TradeGap downtime)
    {
        ArgumentNullException.ThrowIfNull(downtime);
        sessionGaps[downtime.Key] = downtime;
        reporter.Mark(downtime);
    }

    /// <summary>
    /// The first new trade of a stream after a session-end marker: a disconnect becomes unfilled, a sequence gap filled. A
    /// restart's downtime becomes unfilled at the first new trade after the stored mark's time (a trade of before the
    /// restart — a snapshot the dedup memory no longer knows — does not end it).
    /// </summary>
    private void ResolveSessionGap(string stream, DateTimeOffset time)
    {
        if (!sessionGaps.TryGetValue(stream, out var open) || (open.Cause == TradeGap.Restart && time <= open.From))
        {
            return;
        }

        sessionGaps.Remove(stream);
        var to = time > open.From ? time : open.From;
        reporter.Mark(open.Cause switch
        {
            TradeGap.Disconnect => open with { State = GapState.Unfilled, To = to, Reason = open.Reason.Replace("disconnected (", "trades may be missing: disconnected (", StringComparison.Ordinal) },
            TradeGap.Restart => open with { State = GapState.Unfilled, To = to, Reason = $"trades may be missing: {open.Reason}" },
            _ => open with { State = GapState.Filled, To = to },
        });
    }

    private static int WarnOnce(ILogger logger, string venue, IReadOnlyList<string> warnings)
    {
        foreach (var warning in warnings)
        {
            logger.ProductsWarning(venue, warning);
        }

        return warnings.Count;
    }

    private void LogUnknownOnce(string origin, string type)
    {
        if (loggedUnknownTypes.Count > MaxLoggedUnknownTypes || loggedUnknownTypes.Contains(type))
        {
            return;
        }

        if (loggedUnknownTypes.Count == MaxLoggedUnknownTypes)
        {
            loggedUnknownTypes.Add(string.Empty); // the sentinel: the cap is logged once
            logger.UnknownFrameTypesCapReached(MaxLoggedUnknownTypes);
            return;
        }

        loggedUnknownTypes.Add(type);
        logger.UnknownFrameType(origin, venue, type);
    }

    private bool Wanted(string product) => products is null || products.Contains(product);

    /// <summary>
    /// The configured product a refusal's detail names (parsers name it there: "… refused the subscription of BTC-USD
    /// (BTCUSD) …"); the longest one that stands as a word, so <c>BTC-USDC</c> is never read as <c>BTC-USD</c>. Null when
    /// none does (or every product is wanted).
    /// </summary>
    private string? RefusedProduct(string? detail)
    {
        if (detail is null || products is null)
        {
            return null;
        }

        string? best = null;
        foreach (var product in products)
        {
            for (var at = detail.IndexOf(product, StringComparison.OrdinalIgnoreCase); at >= 0; at = detail.IndexOf(product, at + 1, StringComparison.OrdinalIgnoreCase))
            {
                var end = at + product.Length;
                var standsAlone = (at == 0 || !char.IsAsciiLetterOrDigit(detail[at - 1])) && (end == detail.Length || !char.IsAsciiLetterOrDigit(detail[end]));
                if (standsAlone && (best is null || product.Length > best.Length))
                {
                    best = product;
                }
            }
        }

        return best;
    }

    private static string KindName(FrameKind kind) => kind switch
    {
        FrameKind.Trades => "trades",
        FrameKind.Heartbeat => "heartbeat",
        FrameKind.Ignored => "ignored",
        _ => "invalid",
    };

    private async ValueTask DeadLetterAsync(RawFrame frame, FrameResult result, CancellationToken cancellationToken)
    {
        var reason = result.Reason ?? DeadLetterReasons.MalformedJson;
        metrics.DeadLettered(reason);
        status.CountDeadLetter();
        if (loggedReasons.Add(reason))
        {
            logger.DeadLettering(frame.Origin, reason, result.Detail);
        }

        var raw = frame.Data.Length <= MaxRawBytesInDeadLetter
            ? Encoding.UTF8.GetString(frame.Data.Span)
            : Encoding.UTF8.GetString(frame.Data.Span[..MaxRawBytesInDeadLetter]) + "…(truncated)";
        var receivedAt = frame.ReceivedAt == default ? timeProvider.GetUtcNow() : frame.ReceivedAt;
        await output.DeadLetterAsync(new DeadLetter(reason, result.Detail ?? reason, frame.Origin, raw, receivedAt), cancellationToken).ConfigureAwait(false);
    }
}
