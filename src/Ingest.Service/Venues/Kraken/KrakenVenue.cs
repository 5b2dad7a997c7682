using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Ingest.Venues.Kraken;

/// <summary>
/// Kraken spot: websocket v2 (<c>wss://ws.kraken.com/v2</c>, live source <c>kraken</c>); the v1 endpoint
/// (<c>wss://ws.kraken.com</c>) is served too, for recordings. Trade ids: Kraken's v2 documentation lists the trade ID
/// as a "sequential int" (v1 has none), and its trade channel's <c>trade_id</c> and the REST rows' id are sequential per
/// pair — contiguous, so a jump is a gap, backfilled from REST (<see cref="KrakenRestClient"/>: <c>since</c> is a time
/// cursor; the whole history is reachable, <see cref="HistoryCoverage.Full"/>). Symbols carry a separator
/// (<c>BTC/USD</c> v2, <c>XBT/USD</c> v1): a rule that cannot split wrongly gives the canonical product.
/// </summary>
public sealed class KrakenVenue(IOptions<KrakenOptions> options, IHttpClientFactory httpClients) : IVenue
{
    public const string VenueId = Contracts.Venues.Kraken;
    public const string LiveSource = VenueId;

    /// <summary>The named HttpClient of the REST history.</summary>
    public const string RestClientName = "kraken-rest";

    public string Id => VenueId;

    public IReadOnlyList<LiveSourceName> LiveSources { get; } = [new(LiveSource)];

    public bool ContiguousTradeIds => true;

    public HistoryCoverage History => HistoryCoverage.Full;

    /// <summary>The v2 symbol: <c>BTC-USD</c> → <c>BTC/USD</c>.</summary>
    public string SymbolOf(string product)
    {
        ArgumentNullException.ThrowIfNull(product);
        return product.Replace('-', '/');
    }

    /// <summary><c>BASE/QUOTE</c> (v2 <c>BTC/USD</c>, v1 <c>XBT/USD</c>) → canonical, legacy codes mapped (<c>XBT</c> → <c>BTC</c>); else null.</summary>
    public string? ProductFromSymbol(string symbol)
    {
        ArgumentNullException.ThrowIfNull(symbol);
        var slash = symbol.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == symbol.Length - 1 || symbol.IndexOf('/', slash + 1) >= 0)
        {
            return null;
        }

        var product = Products.Of(symbol[..slash], symbol[(slash + 1)..]);
        return Products.IsCanonical(product) ? product : null;
    }

    /// <summary>
    /// <c>/0/public/AssetPairs</c>: <c>{"error":[],"result":{"XXBTZUSD":{"altname":"XBTUSD","wsname":"XBT/USD","base":"XXBT","quote":"ZUSD",…},…}}</c>;
    /// each pair with a <c>wsname</c> is an instrument of that symbol (dark-pool <c>.d</c> pairs have none and are skipped).
    /// </summary>
    public IReadOnlyList<Instrument> ParseInstruments(Uri url, string body)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(body);
        if (!url.AbsolutePath.EndsWith("/public/AssetPairs", StringComparison.Ordinal))
        {
            return [];
        }

        try
        {
            using var json = JsonDocument.Parse(body);
            if (!json.RootElement.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("Kraken AssetPairs: no 'result' object");
            }

            var instruments = new List<Instrument>();
            foreach (var pair in result.EnumerateObject())
            {
                if (pair.Value.ValueKind == JsonValueKind.Object
                    && pair.Value.TryGetProperty("wsname", out var wsname) && wsname.GetString() is { } symbol
                    && ProductFromSymbol(symbol) is { } product)
                {
                    instruments.Add(new Instrument(symbol, product));
                }
            }

            return instruments;
        }
        catch (JsonException e)
        {
            throw new FormatException($"Kraken AssetPairs body is not JSON: {e.Message}", e);
        }
    }

    public bool ServesEndpoint(Uri address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.Host.Equals("ws.kraken.com", StringComparison.OrdinalIgnoreCase)
            || address.Host.Equals("beta-ws.kraken.com", StringComparison.OrdinalIgnoreCase);
    }

    public IFrameParser CreateParser(FrameParserOptions options, TimeProvider timeProvider, SymbolMap symbols) =>
        new KrakenFrameParser(options, timeProvider, symbols);

    public ILiveFeed CreateLiveFeed(string source) => source == LiveSource
        ? new KrakenLiveFeed(options.Value, SymbolOf)
        : throw new ArgumentException($"Kraken has no live source '{source}' ({LiveSource}).", nameof(source));

    public ITradeHistory CreateHistory(FrameParserOptions parserOptions, TimeProvider timeProvider, SymbolMap symbols) =>
        new KrakenRestClient(httpClients.CreateClient(RestClientName), new KrakenFrameParser(parserOptions, timeProvider, symbols), options.Value.MaxRequestsPerPage);
}

public static class KrakenVenueExtensions
{
    /// <summary>Registers Kraken: options (section <c>Ingest:Venues:kraken</c>, validated at start), its REST client and the <see cref="IVenue"/>.</summary>
    public static IServiceCollection AddKrakenVenue(this IServiceCollection services)
    {
        services.AddOptions<KrakenOptions>().BindConfiguration(KrakenOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KrakenOptions>, KrakenOptionsValidator>());
        services.AddVenueRestClient<KrakenOptions>(KrakenVenue.RestClientName, o => o.RestUrl);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IVenue, KrakenVenue>());
        return services;
    }
}
