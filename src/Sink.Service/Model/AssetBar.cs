using System.Text.Json.Serialization;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Sink.Model;

/// <summary>
/// One bar of <c>/api/volumes?asset=…</c>: the taker <paramref name="Side"/>'s volume of base asset <paramref name="Asset"/>
/// over every selected venue, market and quote currency. <paramref name="Trades"/> and <paramref name="BaseVolume"/> are
/// summed; <paramref name="QuoteVolume"/> and <paramref name="Vwap"/> are given (with <paramref name="Quote"/>) only when every
/// share has the same quote currency, otherwise left out: amounts in different currencies are never added.
/// <paramref name="Net"/> and <paramref name="Imbalance"/> compare the bar's summed buy and sell base volumes.
/// </summary>
public sealed record AssetBar(
    DateTime Start,
    DateTime End,
    string Asset,
    TakerSide Side,
    long Trades,
    decimal BaseVolume,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Quote,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? QuoteVolume,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? Vwap,
    decimal Net,
    decimal Imbalance,
    IReadOnlyList<string> Venues,
    IReadOnlyList<VenueShare> ByVenue)
{
    /// <summary>The CSV header: one line per (bar, side) total; <c>venues</c> joined by spaces; quote columns empty when mixed.</summary>
    /// <remarks><c>sizeClassesByQuote</c>: per quote currency <c>QUOTE=</c> and its classes as in <see cref="VolumeBar.CsvHeader"/>, currencies joined by spaces.</remarks>
    public const string CsvHeader = "start,end,asset,side,trades,baseVolume,quote,quoteVolume,vwap,net,imbalance,venues,complete,incompleteReason,sizeClassesByQuote";

    /// <summary>False when trades of one of its venues' bars may be missing (<see cref="IncompleteReason"/> says why).</summary>
    public bool Complete => IncompleteReason is null;

    /// <summary>The reasons of the incomplete parts, each prefixed with its venue; null when complete.</summary>
    public string? IncompleteReason { get; init; }

    /// <summary>
    /// The bar's size classes when every (venue, product) share has the same quote currency (as <see cref="QuoteVolume"/>),
    /// else left out; null too when a share has no classes. Notional classes of different currencies are never added:
    /// <see cref="SizeClassesByQuote"/> has them per currency.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<SizeClassBar>? SizeClasses { get; init; }

    /// <summary>The size classes per quote currency (ordinal), each summed over that currency's shares; currencies without classes are left out.</summary>
    public IReadOnlyList<QuoteSizeClasses> SizeClassesByQuote { get; init; } = [];
}

/// <summary>One (venue, product) share of an <see cref="AssetBar"/>: its quote volume is in its own quote currency.</summary>
public sealed record VenueShare(
    string Venue, string Market, string Product, string Quote, long Trades, decimal BaseVolume, decimal QuoteVolume, decimal Vwap);

/// <summary>One venue of <c>GET /api/venues</c>.</summary>
/// <param name="Id">Venue id.</param>
/// <param name="Market"><c>spot</c>, <c>linear-perpetual</c>, or <c>unknown</c> (an id the sink does not know: never counted as spot).</param>
/// <param name="Name">Display name (the id for an unknown venue).</param>
/// <param name="Products">Products with stored volumes on the venue.</param>
/// <param name="Status">What the sink knows of the venue.</param>
public sealed record VenueSummary(string Id, string Market, string Name, IReadOnlyList<string> Products, VenueStatus Status);

/// <summary>The sink's view of a venue: the start of its latest stored window (null when it has none).</summary>
public sealed record VenueStatus(DateTime? LastWindowAt);
