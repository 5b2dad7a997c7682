namespace BitcoinVolume.Contracts;

/// <summary>
/// The FULL value of one base window (<see cref="WindowSpec"/>, 1 minute by default) for one (venue, product) and one taker side, as it crosses
/// <see cref="Topics.Volumes1m"/> (key = <see cref="Key"/>). A newer value replaces an older one; consumers keep the
/// value with the highest <see cref="Version"/>.
/// </summary>
/// <param name="Product">Product id.</param>
/// <param name="Side">Taker side.</param>
/// <param name="WindowStart">Inclusive start (UTC, a start of the base window: <see cref="WindowSpec.IsStart(DateTimeOffset)"/>).</param>
/// <param name="Trades">Number of trades.</param>
/// <param name="BaseVolume">Σ size.</param>
/// <param name="QuoteVolume">Σ price × size.</param>
/// <param name="Open">Price of the trade with the lowest trade id.</param>
/// <param name="High">Highest price.</param>
/// <param name="Low">Lowest price.</param>
/// <param name="Close">Price of the trade with the highest trade id.</param>
/// <param name="FirstTradeId">Lowest trade id.</param>
/// <param name="LastTradeId">Highest trade id.</param>
/// <param name="Version">Grows with every change of the window's value (<see cref="VersionOf"/>); deterministic from the input.</param>
/// <param name="Final">True once the window is past its grace period (a late trade may still correct it).</param>
public sealed record WindowVolume(
    string Product,
    TakerSide Side,
    DateTimeOffset WindowStart,
    long Trades,
    decimal BaseVolume,
    decimal QuoteVolume,
    decimal Open,
    decimal High,
    decimal Low,
    decimal Close,
    long FirstTradeId,
    long LastTradeId,
    long Version,
    bool Final)
{
    /// <summary>The venue id (<see cref="Venues"/>); a value written before venues existed has none and is Coinbase's.</summary>
    public string Venue
    {
        get => field;

        // null (an old record without the field, as the generated deserializer passes it) is Coinbase.
        init => field = value ?? Venues.Coinbase;
    }

    = Venues.Coinbase;

    /// <summary>
    /// Why the window may lack trades (the reasons of the unresolved gap markers, <see cref="TradeGap"/>, whose time range
    /// touches it), or null when nothing is known to be missing. A value written before completeness existed has none.
    /// </summary>
    public string? IncompleteReason { get; init; }

    /// <summary>
    /// True unless a gap marker says trades of this window may be missing (<see cref="IncompleteReason"/> then says why).
    /// Derived from <see cref="IncompleteReason"/>: on the wire as <c>complete</c>, ignored when read (so an old value without
    /// either field is complete).
    /// </summary>
    public bool Complete => IncompleteReason is null;

    /// <summary>
    /// The window's trades split by notional (price × size in the product's quote currency) into size classes
    /// (<see cref="SizeClassVolume"/>, issue 17), ascending, covering [0, ∞) and adding up to <see cref="Trades"/> and
    /// <see cref="BaseVolume"/> exactly; or null: no classes (the quote currency has none configured, or the value was written
    /// before size classes existed, or the window was created before they were). Additive and optional on the wire
    /// (<c>sizeClasses</c>, left out when null): an old value without it reads as "no classes". The boundaries are the
    /// classes' own <see cref="SizeClassVolume.Min"/>/<see cref="SizeClassVolume.Max"/>, so a settings change never relabels
    /// a stored value.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<SizeClassVolume>? SizeClasses { get; init; }

    /// <summary>Volume-weighted average price, quote / base (derived: not on the wire, every reader computes it exactly).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public decimal Vwap => BaseVolume == 0 ? 0 : QuoteVolume / BaseVolume;

    /// <summary>The Kafka key: <c>venue|product|side|window start (ISO-8601 UTC)</c> (Coinbase's without <c>venue|</c>, see <see cref="StreamKey"/>).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Key => KeyOf(Venue, Product, Side, WindowStart);

    /// <summary>
    /// The version of a window's value: 2 × (trades + marks) + (final ? 1 : 0), where marks counts the gap markers
    /// (<see cref="TradeGap"/>) applied to the window while it existed. It grows with every change (trades and marks are only
    /// ever added; final only ever goes from false to true) and depends on the input alone, so a state rebuilt from the
    /// input emits the same versions. Without marks it is the version of old values (2 × trades + final): never smaller.
    /// </summary>
    public static long VersionOf(long trades, bool final, long marks = 0) => ((trades + marks) * 2) + (final ? 1 : 0);

    /// <summary>The marks of a value (<see cref="VersionOf"/> solved for them): 0 for a value written without any.</summary>
    public static long MarksOf(WindowVolume value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Math.Max(0, ((value.Version - (value.Final ? 1 : 0)) / 2) - value.Trades);
    }

    /// <summary>Value equality over every field, the size classes compared element by element (a list compares by reference otherwise).</summary>
    public bool Equals(WindowVolume? other) =>
        other is not null
        && string.Equals(Product, other.Product, StringComparison.Ordinal)
        && Side == other.Side
        && WindowStart.Equals(other.WindowStart)
        && WindowStart.Offset == other.WindowStart.Offset
        && Trades == other.Trades
        && BaseVolume == other.BaseVolume
        && QuoteVolume == other.QuoteVolume
        && Open == other.Open
        && High == other.High
        && Low == other.Low
        && Close == other.Close
        && FirstTradeId == other.FirstTradeId
        && LastTradeId == other.LastTradeId
        && Version == other.Version
        && Final == other.Final
        && string.Equals(Venue, other.Venue, StringComparison.Ordinal)
        && string.Equals(IncompleteReason, other.IncompleteReason, StringComparison.Ordinal)
        && (ReferenceEquals(SizeClasses, other.SizeClasses) || (SizeClasses is not null && other.SizeClasses is not null && SizeClasses.SequenceEqual(other.SizeClasses)));

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(HashCode.Combine(Product, Side, WindowStart, Trades, BaseVolume, QuoteVolume, Open, High), HashCode.Combine(Low, Close, FirstTradeId, LastTradeId, Version, Final, Venue, IncompleteReason), SizeClasses?.Count ?? -1);

    /// <summary>Builds the Kafka key for a Coinbase window (<see cref="KeyOf(string, string, TakerSide, DateTimeOffset)"/>).</summary>
    public static string KeyOf(string product, TakerSide side, DateTimeOffset windowStart) =>
        KeyOf(Venues.Coinbase, product, side, windowStart);

    /// <summary>Builds the Kafka key for a window: <see cref="StreamKey.Of"/>(venue, product)|side|start.</summary>
    public static string KeyOf(string venue, string product, TakerSide side, DateTimeOffset windowStart) =>
        $"{StreamKey.Of(venue, product)}|{(side == TakerSide.Buy ? "buy" : "sell")}|{windowStart.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}";
}
