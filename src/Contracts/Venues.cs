namespace BitcoinVolume.Contracts;

/// <summary>What kind of market a venue id stands for. Spot and derivative markets are different venue ids and are never summed by accident.</summary>
public enum MarketType
{
    /// <summary>Spot: the base asset itself changes hands.</summary>
    Spot,

    /// <summary>Linear (quote-margined) perpetual futures; sizes are normalized to base units by the adapter.</summary>
    LinearPerpetual,
}

/// <summary>One venue as the contract names it.</summary>
/// <param name="Id">Venue id, lower case, fixed (API, settings and tests use it).</param>
/// <param name="Market">Spot or derivative.</param>
/// <param name="Name">Display name.</param>
/// <param name="ContiguousTradeIds">
/// True when the venue's trade ids are contiguous per product (a jump means missed trades, and dedup memory is a few id
/// ranges); false when they rise with holes or are not numbers (dedup keeps each id for a bounded horizon).
/// </param>
/// <param name="DefaultProducts">
/// What <c>dotnet run --project src/AppHost</c> reads live when nothing is set (canonical ids); empty = the venue is
/// known (its recordings replay) but not read live unless <c>Ingest:Venues:&lt;id&gt;:Enabled</c> is set.
/// </param>
public sealed record VenueInfo(string Id, MarketType Market, string Name, bool ContiguousTradeIds, IReadOnlyList<string> DefaultProducts)
{
    public bool IsSpot => Market == MarketType.Spot;

    /// <summary>True when the venue is read live by default.</summary>
    public bool EnabledByDefault => DefaultProducts.Count > 0;
}

/// <summary>
/// The venue ids of the contract: a trade, a window value, a stored row and an API call name their venue by one of
/// these. Coinbase's Exchange and Advanced Trade feeds are one venue (<see cref="Coinbase"/>). A further derivative
/// market (e.g. <c>okx-swap</c>, <c>binance-usdm</c>) is a new id with <see cref="MarketType"/> other than spot.
/// </summary>
public static class Venues
{
    public const string Coinbase = "coinbase";
    public const string Binance = "binance";
    public const string Kraken = "kraken";
    public const string Bitstamp = "bitstamp";
    public const string Bybit = "bybit";
    public const string BybitLinear = "bybit-linear";
    public const string Okx = "okx";
    public const string BinanceUs = "binance-us";
    public const string Gemini = "gemini";

    /// <summary>Every venue id, in display order.</summary>
    public static IReadOnlyList<VenueInfo> All { get; } =
    [
        new(Coinbase, MarketType.Spot, "Coinbase", true, ["BTC-USD"]),
        new(Binance, MarketType.Spot, "Binance", true, ["BTC-USDT"]),
        new(Kraken, MarketType.Spot, "Kraken", true, ["BTC-USD"]),
        new(Bitstamp, MarketType.Spot, "Bitstamp", false, ["BTC-USD"]),
        new(Bybit, MarketType.Spot, "Bybit", false, ["BTC-USDT"]),
        new(BybitLinear, MarketType.LinearPerpetual, "Bybit USDT perpetuals", false, ["BTC-USDT"]),
        new(Okx, MarketType.Spot, "OKX", true, ["BTC-USDT"]),
        new(BinanceUs, MarketType.Spot, "Binance.US", true, []),
        new(Gemini, MarketType.Spot, "Gemini", false, []),
    ];

    private static readonly Dictionary<string, VenueInfo> ById = All.ToDictionary(v => v.Id, StringComparer.Ordinal);

    /// <summary>The venue with this id, or null.</summary>
    public static VenueInfo? Find(string? id) => id is not null && ById.TryGetValue(id, out var venue) ? venue : null;

    /// <summary>True for a known venue id (exact, lower case).</summary>
    public static bool IsKnown(string? id) => id is not null && ById.ContainsKey(id);
}

/// <summary>
/// A (venue, product) stream: the unit of identity, dedup, partitioning and state. Its text form is the Kafka key of a
/// trade: <c>venue|product</c>, except for <see cref="Venues.Coinbase"/>, whose key stays the bare product id (records and
/// state written before venues existed keep their partition and their meaning).
/// </summary>
public static class StreamKey
{
    /// <summary>The separator between venue and product; never part of a venue id or a canonical product id.</summary>
    public const char Separator = '|';

    /// <summary>The key of (venue, product).</summary>
    public static string Of(string venue, string product) =>
        venue == Venues.Coinbase ? product : string.Concat(venue, "|", product);

    /// <summary>Splits a key made by <see cref="Of"/>.</summary>
    public static (string Venue, string Product) Parse(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var bar = key.IndexOf(Separator, StringComparison.Ordinal);
        return bar < 0 ? (Venues.Coinbase, key) : (key[..bar], key[(bar + 1)..]);
    }
}

/// <summary>Canonical product ids: <c>BASE-QUOTE</c>, upper case letters and digits, on every venue.</summary>
public static class Products
{
    /// <summary>True for a canonical id such as <c>BTC-USD</c> (one dash, both parts non-empty upper-case letters or digits).</summary>
    public static bool IsCanonical(string? product)
    {
        if (string.IsNullOrEmpty(product))
        {
            return false;
        }

        var dash = product.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 || dash == product.Length - 1 || product.IndexOf('-', dash + 1) >= 0)
        {
            return false;
        }

        foreach (var c in product)
        {
            if (c != '-' && !char.IsAsciiLetterUpper(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The base asset of a canonical id (<c>BTC</c> of <c>BTC-USD</c>).</summary>
    public static string BaseOf(string product) => product[..product.IndexOf('-', StringComparison.Ordinal)];

    /// <summary>The quote currency of a canonical id (<c>USD</c> of <c>BTC-USD</c>).</summary>
    public static string QuoteOf(string product) => product[(product.IndexOf('-', StringComparison.Ordinal) + 1)..];

    /// <summary>
    /// Canonical asset code of a venue's asset code: upper case, and the legacy aliases mapped (<c>XBT</c> → <c>BTC</c>,
    /// <c>XDG</c> → <c>DOGE</c>).
    /// </summary>
    public static string CanonicalAsset(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        var upper = code.ToUpperInvariant();
        return upper switch
        {
            "XBT" => "BTC",
            "XDG" => "DOGE",
            _ => upper,
        };
    }

    /// <summary>The canonical id of (base, quote) as a venue names them.</summary>
    public static string Of(string baseAsset, string quote) => CanonicalAsset(baseAsset) + "-" + CanonicalAsset(quote);
}
