using BitcoinVolume.Ingest.Parsing;

namespace BitcoinVolume.Ingest.Venues;

/// <summary>
/// One venue adapter: everything ingest needs to know about a market-data venue, and all it needs to be given to the
/// pipeline. The pipeline (gate, dedup, backfill, producer, recorder, replay, worker) sees only this and the small
/// interfaces it creates; a venue lives in its own folder under <c>Venues/</c> and is registered in
/// <see cref="VenueServiceExtensions.AddIngestVenues"/> (docs/INGEST.md, "Adding a venue").
/// </summary>
public interface IVenue
{
    /// <summary>Venue id, lower case (<c>coinbase</c>; a derivative market is its own venue, e.g. <c>bybit-linear</c>).</summary>
    string Id { get; }

    /// <summary>The live sources (<c>Ingest:Source</c> values) this venue serves; names are unique over all venues.</summary>
    IReadOnlyList<LiveSourceName> LiveSources { get; }

    /// <summary>
    /// True when trade ids are contiguous per product, so that a jump means missed trades (what the
    /// <see cref="Gaps.TradeGate"/> assumes). False for a venue whose ids rise with holes (Bitstamp, Bybit): its trades are
    /// only deduplicated (<see cref="Gaps.GapMode.DedupOnly"/>, bounded by <c>Ingest:Gaps:DedupHorizon</c>), a jump is no gap.
    /// </summary>
    bool ContiguousTradeIds { get; }

    /// <summary>How far back REST can repair a gap; <see cref="HistoryCoverage.None"/> is the explicit "no history" declaration.</summary>
    HistoryCoverage History { get; }

    /// <summary>Spot or derivative (from the contract's <see cref="Contracts.Venues"/> list).</summary>
    Contracts.MarketType Market => Contracts.Venues.Find(Id)?.Market ?? Contracts.MarketType.Spot;

    /// <summary>
    /// The venue's symbol of a canonical product, as its subscribe messages and REST calls use it (Binance
    /// <c>BTC-USDT</c> → <c>BTCUSDT</c>, Kraken v2 <c>BTC/USD</c>, Bitstamp <c>btcusd</c>). Always defined: it only joins.
    /// </summary>
    string SymbolOf(string product);

    /// <summary>
    /// The canonical product of a venue symbol when a rule gives it without any chance of a wrong split (a separator in
    /// the symbol: Kraken <c>XBT/USD</c> → <c>BTC-USD</c>, OKX <c>BTC-USDT</c>), else null. Symbols like <c>BTCUSDT</c>
    /// need the instrument list (<see cref="ParseInstruments"/>) or a configured product.
    /// </summary>
    string? ProductFromSymbol(string symbol);

    /// <summary>
    /// The instruments in a REST instrument-list response of this venue (Binance <c>exchangeInfo</c>, Kraken
    /// <c>AssetPairs</c>, …): what a cryptofeed recording's <c>http</c> records hold, or a live fetch. Empty when the URL is
    /// not an instrument list of this venue; a malformed body throws <see cref="FormatException"/>.
    /// </summary>
    IReadOnlyList<Instrument> ParseInstruments(Uri url, string body);

    /// <summary>True when a websocket address carries this venue's frames (a cryptofeed recording's <c>connect</c> <c>addr</c>).</summary>
    bool ServesEndpoint(Uri address);

    /// <summary>The parser of this venue's frames (live and recorded), reading symbols through <paramref name="symbols"/>.</summary>
    IFrameParser CreateParser(FrameParserOptions options, TimeProvider timeProvider, SymbolMap symbols);

    /// <summary>The websocket feed of one of <see cref="LiveSources"/> (by its <see cref="LiveSourceName.Name"/>).</summary>
    ILiveFeed CreateLiveFeed(string source);

    /// <summary>The REST trade history; only called when <see cref="History"/> is not <see cref="HistoryCoverage.None"/>.</summary>
    ITradeHistory CreateHistory(FrameParserOptions parserOptions, TimeProvider timeProvider, SymbolMap symbols);
}

/// <summary>A live source of a venue, as <c>Ingest:Source</c> names it.</summary>
/// <param name="Name">The canonical name, e.g. <c>coinbase-exchange</c>.</param>
/// <param name="Aliases">Other names accepted for it (e.g. <c>live</c>, the default source).</param>
public sealed record LiveSourceName(string Name, params IReadOnlyList<string> Aliases);
