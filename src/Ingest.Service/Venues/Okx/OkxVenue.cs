using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Ingest.Venues.Okx;

/// <summary>
/// OKX spot (<c>okx</c>): live source <c>okx</c> on channel <c>trades-all</c>, parser of <c>trades</c>/<c>trades-all</c>,
/// REST <c>history-trades</c>. Trade ids: OKX's docs describe <c>tradeId</c> per instrument and, for the aggregated
/// <c>trades</c> channel, "tradeId = 123 and count = 3 aggregates the trades of tradeId = 123, 122 and 121" — ids step by
/// one per fill; the recording (69 BTC-USDT trades, 4 futures trades) has no hole. So <see cref="ContiguousTradeIds"/> is
/// true (on <c>trades-all</c>, one message per fill) and gaps are backfilled by tradeId cursor
/// (<see cref="HistoryCoverage.Full"/>, 3 months deep). OKX spot instIds are <c>BASE-QUOTE</c> already:
/// <see cref="ProductFromSymbol"/> takes a two-part instId as is. The same websocket carries every market: futures, swaps
/// and options frames are not this venue's (ignored, <c>other_market</c>); a later <c>okx-swap</c> venue is this class's
/// sibling with <see cref="OkxInstType.Swap"/>, instruments from <c>instType=SWAP</c> with ContractSize = ctVal.
/// </summary>
public sealed class OkxVenue(IOptions<OkxOptions> options, IHttpClientFactory httpClients) : IVenue
{
    public const string VenueId = Contracts.Venues.Okx;

    /// <summary>The named HttpClient of the REST history.</summary>
    public const string RestClientName = "okx-rest";

    private static readonly string[] StreamHosts = ["ws.okx.com", "wsaws.okx.com", "wsus.okx.com", "ws.okex.com"];
    private static readonly string[] RestHosts = ["www.okx.com", "okx.com", "aws.okx.com", "us.okx.com", "www.okex.com"];

    public string Id => VenueId;

    /// <summary>The market this venue reads.</summary>
    public OkxInstType InstType => OkxInstType.Spot;

    public IReadOnlyList<LiveSourceName> LiveSources { get; } = [new(VenueId)];

    public bool ContiguousTradeIds => true;

    public HistoryCoverage History => HistoryCoverage.Full;

    /// <summary>OKX spot instIds are the canonical products.</summary>
    public string SymbolOf(string product) => product;

    public string? ProductFromSymbol(string symbol) =>
        symbol is not null && OkxFrameParser.Classify(symbol) == OkxInstType.Spot && Products.IsCanonical(symbol) ? symbol : null;

    /// <summary>The SPOT entries of <c>/api/v5/public/instruments?instType=SPOT</c> (other instTypes' lists give none).</summary>
    public IReadOnlyList<Instrument> ParseInstruments(Uri url, string body)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(body);
        if (!url.IsAbsoluteUri || !RestHosts.Contains(url.Host, StringComparer.OrdinalIgnoreCase)
            || !url.AbsolutePath.EndsWith("/api/v5/public/instruments", StringComparison.Ordinal)
            || !url.Query.Contains("instType=SPOT", StringComparison.Ordinal))
        {
            return [];
        }

        return VenueJson.ReadInstrumentList(VenueId, body, "data", f =>
            f.GetValueOrDefault("instType") == "SPOT" && f.TryGetValue("instId", out var instId)
            && f.TryGetValue("baseCcy", out var baseCcy) && f.TryGetValue("quoteCcy", out var quoteCcy) && baseCcy.Length > 0 && quoteCcy.Length > 0
                ? new Instrument(instId, Products.Of(baseCcy, quoteCcy))
                : null);
    }

    /// <summary>OKX's public and business websockets (every market shares them; frames of other markets are ignored).</summary>
    public bool ServesEndpoint(Uri address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.IsAbsoluteUri && StreamHosts.Contains(address.Host, StringComparer.OrdinalIgnoreCase)
            && !address.AbsolutePath.Contains("/private", StringComparison.Ordinal);
    }

    public IFrameParser CreateParser(FrameParserOptions options, TimeProvider timeProvider, SymbolMap symbols) =>
        new OkxFrameParser(VenueId, InstType, options, timeProvider, symbols);

    public ILiveFeed CreateLiveFeed(string source) => source == VenueId
        ? new OkxLiveFeed(VenueId, options.Value.Url, options.Value.PingInterval)
        : throw new ArgumentException($"OKX has no live source '{source}' ({VenueId}).", nameof(source));

    public ITradeHistory CreateHistory(FrameParserOptions parserOptions, TimeProvider timeProvider, SymbolMap symbols) =>
        new OkxRestClient(httpClients.CreateClient(RestClientName), new OkxFrameParser(VenueId, InstType, parserOptions, timeProvider, symbols));
}

public static class OkxVenueExtensions
{
    /// <summary>Registers OKX spot: options <c>Ingest:Venues:okx</c> (validated at start), its REST client and the venue.</summary>
    public static IServiceCollection AddOkxVenue(this IServiceCollection services)
    {
        services.AddOptions<OkxOptions>().BindConfiguration(OkxOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OkxOptions>, OkxOptionsValidator>());
        services.AddVenueRestClient(OkxVenue.RestClientName, sp => sp.GetRequiredService<IOptions<OkxOptions>>().Value.RestUrl);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IVenue, OkxVenue>());
        return services;
    }
}
