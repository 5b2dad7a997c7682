using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Ingest.Venues.Binance;

/// <summary>What tells one Binance-protocol spot venue from the other: id, endpoints, hosts.</summary>
/// <param name="Id">Venue id (= its one live source name).</param>
/// <param name="WebSocketUrl">The real combined-stream endpoint.</param>
/// <param name="RestUrl">The real REST base URL.</param>
/// <param name="StreamHosts">Websocket hosts that carry this venue's spot frames (recordings' <c>addr</c>).</param>
/// <param name="RestHosts">REST hosts whose <c>exchangeInfo</c> lists this venue's instruments.</param>
public sealed record BinanceMarket(string Id, Uri WebSocketUrl, Uri RestUrl, IReadOnlyList<string> StreamHosts, IReadOnlyList<string> RestHosts)
{
    /// <summary>Binance spot (<c>binance</c>).</summary>
    public static readonly BinanceMarket Binance = new(
        Contracts.Venues.Binance,
        new("wss://stream.binance.com:9443/stream"),
        new("https://api.binance.com"),
        ["stream.binance.com", "data-stream.binance.vision"],
        ["api.binance.com", "api1.binance.com", "api2.binance.com", "api3.binance.com", "api4.binance.com", "data-api.binance.vision"]);

    /// <summary>Binance.US spot (<c>binance-us</c>): the same protocol on its own hosts.</summary>
    public static readonly BinanceMarket BinanceUs = new(
        Contracts.Venues.BinanceUs,
        new("wss://stream.binance.us:9443/stream"),
        new("https://api.binance.us"),
        ["stream.binance.us"],
        ["api.binance.us"]);

    /// <summary>The named HttpClient of the venue's REST history.</summary>
    public string RestClientName => Id + "-rest";
}

/// <summary>
/// A Binance-protocol spot venue (Binance, Binance.US): one live source named as the venue, aggTrade parser, REST
/// aggTrades history. Trade ids are the aggregate ids <c>a</c>: Binance documents them as the aggregate trade id of a
/// symbol and <c>/api/v3/aggTrades?fromId=</c> pages them by id ("ID to get aggregate trades from INCLUSIVE"); they are
/// consecutive per symbol (our recordings and every peer that backfills by <c>fromId</c> rely on it), so
/// <see cref="ContiguousTradeIds"/> is true and gaps are backfilled (<see cref="HistoryCoverage.Full"/>). Symbols
/// (<c>BTCUSDT</c>) cannot be split by a rule: <see cref="ProductFromSymbol"/> is null and the instrument list
/// (<c>exchangeInfo</c>) or the configured products map them.
/// </summary>
public abstract class BinanceFamilyVenue(BinanceMarket market, IOptionsMonitor<BinanceOptions> options, IHttpClientFactory httpClients) : IVenue
{
    public string Id => market.Id;

    public IReadOnlyList<LiveSourceName> LiveSources { get; } = [new(market.Id)];

    public bool ContiguousTradeIds => true;

    public HistoryCoverage History => HistoryCoverage.Full;

    /// <summary>The endpoints in effect (settings, else the real ones).</summary>
    public Uri WebSocketUrl => options.Get(market.Id).Url ?? market.WebSocketUrl;

    public Uri RestUrl => options.Get(market.Id).RestUrl ?? market.RestUrl;

    /// <summary><c>BTC-USDT</c> → <c>BTCUSDT</c>.</summary>
    public string SymbolOf(string product)
    {
        ArgumentNullException.ThrowIfNull(product);
        return product.Replace("-", "", StringComparison.Ordinal);
    }

    /// <summary>Never: <c>BTCUSDT</c> has no separator (the instrument list or a configured product maps it).</summary>
    public string? ProductFromSymbol(string symbol) => null;

    /// <summary>The symbols of an <c>exchangeInfo</c> answer of this venue's REST hosts: <c>symbol</c>, <c>baseAsset</c>, <c>quoteAsset</c>.</summary>
    public IReadOnlyList<Instrument> ParseInstruments(Uri url, string body)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(body);
        if (!url.IsAbsoluteUri || !market.RestHosts.Contains(url.Host, StringComparer.OrdinalIgnoreCase)
            || !url.AbsolutePath.EndsWith("/api/v3/exchangeInfo", StringComparison.Ordinal))
        {
            return [];
        }

        return VenueJson.ReadInstrumentList(market.Id, body, "symbols", f =>
            f.TryGetValue("symbol", out var symbol) && f.TryGetValue("baseAsset", out var baseAsset) && f.TryGetValue("quoteAsset", out var quoteAsset)
                ? new Instrument(symbol, Products.Of(baseAsset, quoteAsset))
                : null);
    }

    public bool ServesEndpoint(Uri address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.IsAbsoluteUri && market.StreamHosts.Contains(address.Host, StringComparer.OrdinalIgnoreCase);
    }

    public IFrameParser CreateParser(FrameParserOptions options, TimeProvider timeProvider, SymbolMap symbols) =>
        new BinanceFrameParser(market.Id, options, timeProvider, symbols);

    public ILiveFeed CreateLiveFeed(string source) => source == market.Id
        ? new BinanceLiveFeed(market.Id, WebSocketUrl, options.Get(market.Id).MaxConnectionAge, options.Get(market.Id).PingInterval, SymbolOf)
        : throw new ArgumentException($"{market.Id} has no live source '{source}' ({market.Id}).", nameof(source));

    public ITradeHistory CreateHistory(FrameParserOptions parserOptions, TimeProvider timeProvider, SymbolMap symbols) =>
        new BinanceRestClient(httpClients.CreateClient(market.RestClientName), new BinanceFrameParser(market.Id, parserOptions, timeProvider, symbols), SymbolOf);
}

/// <summary>Binance spot: <c>binance</c>, <c>wss://stream.binance.com:9443</c>, <c>https://api.binance.com</c>.</summary>
public sealed class BinanceVenue(IOptionsMonitor<BinanceOptions> options, IHttpClientFactory httpClients)
    : BinanceFamilyVenue(BinanceMarket.Binance, options, httpClients);

/// <summary>Binance.US spot: <c>binance-us</c>, <c>wss://stream.binance.us:9443</c>, <c>https://api.binance.us</c> (same protocol as Binance).</summary>
public sealed class BinanceUsVenue(IOptionsMonitor<BinanceOptions> options, IHttpClientFactory httpClients)
    : BinanceFamilyVenue(BinanceMarket.BinanceUs, options, httpClients);

public static class BinanceVenueExtensions
{
    /// <summary>Registers Binance spot (options <c>Ingest:Venues:binance</c>, validated at start, its REST client, the venue).</summary>
    public static IServiceCollection AddBinanceVenue(this IServiceCollection services) =>
        services.AddBinanceFamily<BinanceVenue>(BinanceMarket.Binance);

    /// <summary>Registers Binance.US spot (options <c>Ingest:Venues:binance-us</c>, its REST client, the venue).</summary>
    public static IServiceCollection AddBinanceUsVenue(this IServiceCollection services) =>
        services.AddBinanceFamily<BinanceUsVenue>(BinanceMarket.BinanceUs);

    private static IServiceCollection AddBinanceFamily<TVenue>(this IServiceCollection services, BinanceMarket market)
        where TVenue : BinanceFamilyVenue
    {
        services.AddOptions<BinanceOptions>(market.Id).BindConfiguration(BinanceOptions.SectionOf(market.Id)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BinanceOptions>, BinanceOptionsValidator>());
        services.AddVenueRestClient(market.RestClientName, sp => sp.GetRequiredService<IOptionsMonitor<BinanceOptions>>().Get(market.Id).RestUrl ?? market.RestUrl);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IVenue, TVenue>());
        return services;
    }
}
