namespace BitcoinVolume.Ingest.Parsing;

/// <summary>What a frame was, once parsed.</summary>
public enum FrameKind
{
    /// <summary>A trade frame: its trades were appended to the output list.</summary>
    Trades,

    /// <summary>A frame of a channel that carries no trades (ticker, level2, subscriptions, heartbeats…): counted, skipped.</summary>
    Ignored,

    /// <summary>
    /// A liveness frame (Exchange <c>heartbeat</c>, Advanced Trade <c>heartbeats</c>): no trades; for the Exchange feed
    /// <see cref="FrameResult.Product"/> and <see cref="FrameResult.LastTradeId"/> tell the product's latest trade id.
    /// </summary>
    Heartbeat,

    /// <summary>A frame that cannot be (fully) turned into trades: counted, logged and dead-lettered with <see cref="FrameResult.Reason"/>.</summary>
    Invalid,
}

/// <summary>
/// The outcome of parsing one raw websocket frame. A multi-trade frame with one bad trade is <see cref="FrameKind.Invalid"/>
/// AND still yields its good trades (so nothing good is lost, and the bad part is dead-lettered).
/// </summary>
/// <param name="Kind">What the frame was.</param>
/// <param name="Trades">How many trades were appended.</param>
/// <param name="Label">For ignored frames the channel/type (e.g. <c>l2update</c>); for trade frames the feed.</param>
/// <param name="Reason">For invalid frames a machine-readable reason (see <see cref="DeadLetterReasons"/>).</param>
/// <param name="Detail">For invalid frames a human-readable detail.</param>
public readonly record struct FrameResult(FrameKind Kind, int Trades, string Label, string? Reason = null, string? Detail = null)
{
    /// <summary>The label of every frame of a named but unknown type (one constant label: the raw type is never a metric tag).</summary>
    public const string UnknownLabel = "unknown";

    /// <summary>For a frame of a named but unknown type/channel/event: that name (truncated), for the log; else null.</summary>
    public string? UnknownType { get; init; }

    /// <summary>For an Exchange heartbeat: the product it is about.</summary>
    public string? Product { get; init; }

    /// <summary>For an Exchange heartbeat: the id of the product's latest trade (a gap shows even when no trade follows).</summary>
    public long? LastTradeId { get; init; }

    public static FrameResult Ignored(string label) => new(FrameKind.Ignored, 0, label);

    /// <summary>
    /// A frame whose type, channel or event is NAMED but unknown to the parser: news (venues add message types at any
    /// time and clients must ignore them, Coinbase documents it), not a frame that cannot be read. Kind
    /// <see cref="FrameKind.Ignored"/>, label <see cref="UnknownLabel"/>; the processor counts it and logs each distinct
    /// <paramref name="type"/> once. A frame with no type at all, or not JSON, stays <see cref="Invalid"/>.
    /// </summary>
    /// <param name="what">What is unknown, e.g. <c>type</c>, <c>channel</c>, <c>event</c>.</param>
    /// <param name="type">The unknown name as the frame gives it (truncated here to 64 characters).</param>
    public static FrameResult Unknown(string what, string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var name = type.Length <= 64 ? type : type[..64] + "…";
        return new FrameResult(FrameKind.Ignored, 0, UnknownLabel, Detail: $"unknown {what} '{name}'") { UnknownType = $"{what} '{name}'" };
    }

    public static FrameResult Heartbeat(string label, string? product, long? lastTradeId) =>
        new(FrameKind.Heartbeat, 0, label) { Product = product, LastTradeId = lastTradeId };

    public static FrameResult Invalid(string reason, string detail, int trades = 0) => new(FrameKind.Invalid, trades, reason, reason, detail);
}

/// <summary>Reasons a frame is dead-lettered. They are metric tag values and the key of the dead-letter record.</summary>
public static class DeadLetterReasons
{
    public const string MalformedJson = "malformed_json";
    public const string OversizedFrame = "oversized_frame";
    /// <summary>A frame that names no type/channel/event at all, so cannot be read (a NAMED unknown type is ignored: <see cref="FrameResult.Unknown"/>).</summary>
    public const string UnknownType = "unknown_type";
    public const string CoinbaseError = "coinbase_error";
    public const string MissingField = "missing_field";
    public const string InvalidNumber = "invalid_number";
    public const string NonPositiveSize = "non_positive_size";
    public const string NonPositivePrice = "non_positive_price";
    public const string InvalidSide = "invalid_side";
    public const string InvalidTime = "invalid_time";
    public const string AbsurdTime = "absurd_time";

    /// <summary>A venue symbol that neither the instrument lists nor an unambiguous rule map to a canonical product (never guessed).</summary>
    public const string UnknownSymbol = "unknown_symbol";

    /// <summary>The venue refused a subscription (the detail names the refused symbol or product).</summary>
    public const string SubscriptionRejected = "subscription_rejected";

    /// <summary>An error reply of the venue that is not about a subscription (e.g. a malformed request, a REST error code).</summary>
    public const string VenueError = "venue_error";

    /// <summary>Not a frame: a range of trade ids that was missed and could not be fetched from REST.</summary>
    public const string UnfilledGap = "unfilled_gap";
}
