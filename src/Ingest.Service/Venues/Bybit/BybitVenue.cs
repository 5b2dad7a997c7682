using BitcoinVolume.Ingest.Parsing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Ingest.Venues.Bybit;

/// <summary>
/// A Bybit v5 market: spot (<see cref="BybitSpotVenue"/>, <c>bybit</c>) or USDT linear perpetuals
/// (<see cref="BybitLinearVenue"/>, <c>bybit-linear</c>), one live source each named by the venue id.
/// Trade ids are NOT contiguous (<see cref="ContiguousTradeIds"/> false): the v5 trade page calls <c>i</c> only "Trade
/// ID" and promises no sequence; spot <c>i</c> is a numeric string (the older v3 spot docs say one id counter is shared
/// by all symbols, so per symbol it has holes), linear <c>i</c> is a UUID; <c>seq</c> is a cross sequence that several
/// trades may share. So a missed trade cannot be detected from ids; duplicates are dropped by id (dedup only). REST <c>recent-trade</c> serves
/// only the latest trades (<see cref="HistoryCoverage.Recent"/>). Symbols (<c>BTCUSDT</c>) have no separator: a product
/// is known from the configured products or <c>instruments-info</c>, never split by a guess.
/// </summary>
public abstract class BybitVenue(BybitCategory category, BybitOptions options, IHttpClientFactory httpClients) : IVenue
{
    public abstract string Id { get; }

    /// <summary>The named HttpClient of the market's REST calls.</summary>
    public string RestClientName => Id + "-rest";

    public BybitCategory Category => category;

    public IReadOnlyList<LiveSourceName> LiveSources => [new(Id)];

    public bool ContiguousTradeIds => false;

    public HistoryCoverage History => HistoryCoverage.Recent;

    /// <summary>Bybit's symbol joins base and quote: <c>BTC-USDT</c> → <c>BTCUSDT</c>.</summary>
    public string SymbolOf(string product)
    {
        ArgumentNullException.ThrowIfNull(product);
        return product.Replace("-", "", StringComparison.Ordinal);
    }

    /// <summary>None: <c>BTCUSDT</c> has no separator, and a split by suffix could be wrong.</summary>
    public string? ProductFromSymbol(string symbol) => null;

    public IReadOnlyList<Instrument> ParseInstruments(Uri url, string body)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.AbsolutePath.EndsWith("/v5/market/instruments-info", StringComparison.Ordinal)
            && url.Query.Contains("category=" + BybitRestClient.CategoryName(category), StringComparison.Ordinal)
            ? BybitRestClient.ParseInstruments(category, body)
            : [];
    }

    /// <summary>The market's public stream on Bybit's hosts (<c>stream.bybit.com</c>, testnet too): <c>/v5/public/spot</c> or <c>/v5/public/linear</c>.</summary>
    public bool ServesEndpoint(Uri address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.Host.EndsWith("bybit.com", StringComparison.OrdinalIgnoreCase)
            && address.AbsolutePath.TrimEnd('/').Equals("/v5/public/" + BybitRestClient.CategoryName(category), StringComparison.Ordinal);
    }

    public IFrameParser CreateParser(FrameParserOptions options, TimeProvider timeProvider, SymbolMap symbols) =>
        new BybitFrameParser(category, Id, options, timeProvider, symbols);

    public ILiveFeed CreateLiveFeed(string source) => source == Id
        ? new BybitLiveFeed(Id, options.Url, TimeSpan.FromSeconds(options.PingSeconds), SymbolOf)
        : throw new ArgumentException($"Venue {Id} has no live source '{source}' ({Id}).", nameof(source));

    public ITradeHistory CreateHistory(FrameParserOptions parserOptions, TimeProvider timeProvider, SymbolMap symbols) =>
        new BybitRestClient(httpClients.CreateClient(RestClientName), category, Id, parserOptions, timeProvider, symbols);
}

/// <summary>Bybit spot (<c>bybit</c>): <c>wss://stream.bybit.com/v5/public/spot</c>, REST <c>category=spot</c>.</summary>
public sealed class BybitSpotVenue(IOptions<BybitSpotOptions> options, IHttpClientFactory httpClients)
    : BybitVenue(BybitCategory.Spot, options.Value, httpClients)
{
    public const string VenueId = Contracts.Venues.Bybit;

    public override string Id => VenueId;
}

/// <summary>Bybit USDT linear perpetuals (<c>bybit-linear</c>): <c>wss://stream.bybit.com/v5/public/linear</c>, REST <c>category=linear</c>; sizes are base coin.</summary>
public sealed class BybitLinearVenue(IOptions<BybitLinearOptions> options, IHttpClientFactory httpClients)
    : BybitVenue(BybitCategory.Linear, options.Value, httpClients)
{
    public const string VenueId = Contracts.Venues.BybitLinear;

    public override string Id => VenueId;
}

public static class BybitVenueExtensions
{
    /// <summary>
    /// Registers both Bybit markets: options (sections <c>Ingest:Venues:bybit</c> and <c>Ingest:Venues:bybit-linear</c>,
    /// validated at start), a named REST client each (resilience from ServiceDefaults) and the two <see cref="IVenue"/>s.
    /// </summary>
    public static IServiceCollection AddBybitVenue(this IServiceCollection services)
    {
        services.AddOptions<BybitSpotOptions>().BindConfiguration(BybitSpotOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BybitSpotOptions>, BybitSpotOptionsValidator>());
        services.AddOptions<BybitLinearOptions>().BindConfiguration(BybitLinearOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BybitLinearOptions>, BybitLinearOptionsValidator>());
        AddRestClient<BybitSpotOptions>(services, BybitSpotVenue.VenueId + "-rest");
        AddRestClient<BybitLinearOptions>(services, BybitLinearVenue.VenueId + "-rest");
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IVenue, BybitSpotVenue>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IVenue, BybitLinearVenue>());
        return services;
    }

    private static void AddRestClient<TOptions>(IServiceCollection services, string name)
        where TOptions : BybitOptions
    {
        services.AddHttpClient(name, (sp, http) =>
        {
            var url = sp.GetRequiredService<IOptions<TOptions>>().Value.RestUrl.ToString();
            http.BaseAddress = new Uri(url.EndsWith('/') ? url : url + "/");
            http.DefaultRequestHeaders.UserAgent.ParseAdd("BitcoinVolume-Ingest/1.0");
            http.MaxResponseContentBufferSize = 16 * 1024 * 1024;
        });
    }
}
