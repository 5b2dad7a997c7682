namespace BitcoinVolume.Contracts;

/// <summary>
/// The FULL volume-at-price value (footprint) of one base window (<see cref="WindowSpec"/>, 1 minute by default) for one
/// (venue, product), both taker sides, as it crosses <see cref="Topics.Footprint1m"/> (key = <see cref="Key"/>). It holds
/// exactly the trades the window's <see cref="WindowVolume"/> values count (deduplicated; a too-late trade is in neither).
/// A newer value replaces an older one; consumers keep the value with the highest <see cref="Version"/>.
/// </summary>
/// <param name="Venue">Venue id (<see cref="Venues"/>).</param>
/// <param name="Product">Product id.</param>
/// <param name="WindowStart">Inclusive start (UTC, a start of the base window).</param>
/// <param name="Tick">The price step of the levels (the stream's tick, fixed at its first counted trade; see docs/ARCHITECTURE.md).</param>
/// <param name="Trades">Trades of both sides (Σ of the levels' trade counts).</param>
/// <param name="Levels">Non-empty price levels, ascending by <see cref="FootprintLevel.Price"/>.</param>
/// <param name="Version">2 × trades + (final ? 1 : 0) (<see cref="VersionOf"/>): grows with every change, deterministic from the input.</param>
/// <param name="Final">True once the window is past its grace period (a late trade may still correct it).</param>
public sealed record FootprintWindow(
    string Venue,
    string Product,
    DateTimeOffset WindowStart,
    decimal Tick,
    long Trades,
    IReadOnlyList<FootprintLevel> Levels,
    long Version,
    bool Final)
{
    /// <summary>The Kafka key: <c>venue|product|window start (ISO-8601 UTC)</c> (Coinbase's without <c>venue|</c>, see <see cref="StreamKey"/>).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Key => KeyOf(Venue, Product, WindowStart);

    /// <summary>The version of a footprint value: 2 × trades + (final ? 1 : 0).</summary>
    public static long VersionOf(long trades, bool final) => (trades * 2) + (final ? 1 : 0);

    /// <summary>Builds the Kafka key of a footprint window: <see cref="StreamKey.Of"/>(venue, product)|start.</summary>
    public static string KeyOf(string venue, string product, DateTimeOffset windowStart) =>
        $"{StreamKey.Of(venue, product)}|{windowStart.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}";

    /// <summary>The level (lower bound) of <paramref name="price"/> at <paramref name="tick"/>: floor(price / tick) × tick, without trailing zeros.</summary>
    public static decimal LevelOf(decimal price, decimal tick) => Normalize(decimal.Floor(price / tick) * tick);

    /// <summary>The same value without trailing zeros in its scale (90000.0 → 90000), so equal levels print alike.</summary>
    public static decimal Normalize(decimal value) => value / 1.000000000000000000000000000000000m;
}

/// <summary>One price level of a <see cref="FootprintWindow"/>: trades with floor(price / tick) × tick = <see cref="Price"/>, per taker side.</summary>
/// <param name="Price">The level's lower bound (a multiple of the tick); trades in [price, price + tick).</param>
/// <param name="BuyBase">Σ size of buyer-initiated trades (lifting the ask).</param>
/// <param name="SellBase">Σ size of seller-initiated trades (hitting the bid).</param>
/// <param name="BuyTrades">Buyer-initiated trades.</param>
/// <param name="SellTrades">Seller-initiated trades.</param>
public sealed record FootprintLevel(decimal Price, decimal BuyBase, decimal SellBase, long BuyTrades, long SellTrades);
