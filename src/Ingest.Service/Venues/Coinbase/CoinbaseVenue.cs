using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Sources;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Ingest.Venues.Coinbase;

/// <summary>
/// Coinbase: the Exchange feed (<c>coinbase-exchange</c>, also the default source <c>live</c>) and the Advanced Trade
/// feed (<c>coinbase-advanced</c>), one parser for both (the maker side flipped to the taker's), trade ids contiguous per
/// product, and full REST history by trade-id cursor.
/// </summary>
public sealed class CoinbaseVenue(IOptions<CoinbaseOptions> options, IHttpClientFactory httpClients) : IVenue
{
    public const string VenueId = Contracts.Venues.Coinbase;
    public const string ExchangeSource = "coinbase-exchange";
    public const string AdvancedTradeSource = "coinbase-advanced";

    /// <summary>The named HttpClient of the REST history (it gets ServiceDefaults' standard resilience handler).</summary>
    public const string RestClientName = "coinbase-rest";

    public string Id => VenueId;

    public IReadOnlyList<LiveSourceName> LiveSources { get; } = [new(ExchangeSource, SourceSpec.DefaultLive), new(AdvancedTradeSource)];

    public bool ContiguousTradeIds => true;

    public HistoryCoverage History => HistoryCoverage.Full;

    /// <summary>Coinbase's product ids are canonical already (<c>BTC-USD</c>).</summary>
    public string SymbolOf(string product) => product;

    public string? ProductFromSymbol(string symbol) => Contracts.Products.IsCanonical(symbol) ? symbol : null;

    /// <summary>Coinbase's instrument list is not needed: its ids are canonical (none is read).</summary>
    public IReadOnlyList<Instrument> ParseInstruments(Uri url, string body) => [];

    public bool ServesEndpoint(Uri address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.Host.EndsWith("coinbase.com", StringComparison.OrdinalIgnoreCase);
    }

    public IFrameParser CreateParser(FrameParserOptions options, TimeProvider timeProvider, SymbolMap symbols) => new CoinbaseFrameParser(options, timeProvider);

    public ILiveFeed CreateLiveFeed(string source) => source switch
    {
        ExchangeSource => new CoinbaseLiveFeed(CoinbaseFeed.Exchange, options.Value.ExchangeUrl),
        AdvancedTradeSource => new CoinbaseLiveFeed(CoinbaseFeed.AdvancedTrade, options.Value.AdvancedTradeUrl),
        _ => throw new ArgumentException($"Coinbase has no live source '{source}' ({ExchangeSource}, {AdvancedTradeSource}).", nameof(source)),
    };

    public ITradeHistory CreateHistory(FrameParserOptions parserOptions, TimeProvider timeProvider, SymbolMap symbols) =>
        new CoinbaseRestClient(httpClients.CreateClient(RestClientName), new CoinbaseFrameParser(parserOptions, timeProvider));
}

public static class CoinbaseVenueExtensions
{
    /// <summary>Registers the Coinbase venue: its options (section <c>Ingest:Live</c>, validated at start), its REST client and the <see cref="IVenue"/>.</summary>
    public static IServiceCollection AddCoinbaseVenue(this IServiceCollection services)
    {
        services.AddOptions<CoinbaseOptions>().BindConfiguration(CoinbaseOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CoinbaseOptions>, CoinbaseOptionsValidator>());

        // REST backfill: the standard resilience handler (retries, timeouts, circuit breaker) comes from ServiceDefaults.
        services.AddHttpClient(CoinbaseVenue.RestClientName, (sp, http) =>
        {
            var url = sp.GetRequiredService<IOptions<CoinbaseOptions>>().Value.RestUrl.ToString();
            http.BaseAddress = new Uri(url.EndsWith('/') ? url : url + "/");
            http.DefaultRequestHeaders.UserAgent.ParseAdd("BitcoinVolume-Ingest/1.0");
            http.MaxResponseContentBufferSize = 16 * 1024 * 1024;
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IVenue, CoinbaseVenue>());
        return services;
    }
}
