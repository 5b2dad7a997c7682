using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Ingest.Venues.Bitstamp;

/// <summary>
/// Bitstamp spot: websocket v2 <c>wss://ws.bitstamp.net</c> (live source <c>bitstamp</c>), channels
/// <c>live_trades_&lt;pair&gt;</c>. Trade ids rise but are NOT contiguous per pair (one id sequence over all pairs: in the
/// recording ETH-USD goes 216000477, 484, 485, 500…), so a jump is not a gap: <see cref="ContiguousTradeIds"/> is false
/// (dedup only). REST <c>transactions?time=minute|hour|day</c> serves only recent trades with no cursor:
/// <see cref="HistoryCoverage.Recent"/>. Symbols (<c>btcusd</c>) have no separator: only configured products and the
/// <c>trading-pairs-info</c> list map them, never a guess.
/// </summary>
public sealed class BitstampVenue(IOptions<BitstampOptions> options, IHttpClientFactory httpClients) : IVenue
{
    public const string VenueId = Contracts.Venues.Bitstamp;
    public const string LiveSource = VenueId;

    /// <summary>The named HttpClient of the REST history.</summary>
    public const string RestClientName = "bitstamp-rest";

    public string Id => VenueId;

    public IReadOnlyList<LiveSourceName> LiveSources { get; } = [new(LiveSource)];

    public bool ContiguousTradeIds => false;

    public HistoryCoverage History => HistoryCoverage.Recent;

    /// <summary>The url symbol: <c>BTC-USD</c> → <c>btcusd</c>.</summary>
    public string SymbolOf(string product)
    {
        ArgumentNullException.ThrowIfNull(product);
        return product.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
    }

    /// <summary>None: <c>btcusd</c> has no separator (a split could be wrong).</summary>
    public string? ProductFromSymbol(string symbol) => null;

    /// <summary>
    /// <c>/api/v2/trading-pairs-info/</c>: <c>[{"name":"BTC/USD","url_symbol":"btcusd",…},…]</c>; the symbol is
    /// <c>url_symbol</c>, the product comes from <c>name</c> (it has the separator).
    /// </summary>
    public IReadOnlyList<Instrument> ParseInstruments(Uri url, string body)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(body);
        if (!url.AbsolutePath.TrimEnd('/').EndsWith("/trading-pairs-info", StringComparison.Ordinal))
        {
            return [];
        }

        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("Bitstamp trading-pairs-info: not an array");
            }

            var instruments = new List<Instrument>();
            foreach (var pair in json.RootElement.EnumerateArray())
            {
                if (pair.ValueKind == JsonValueKind.Object
                    && pair.TryGetProperty("url_symbol", out var symbol) && symbol.GetString() is { Length: > 0 } urlSymbol
                    && pair.TryGetProperty("name", out var name) && name.GetString() is { } text
                    && text.Split('/') is [{ Length: > 0 } baseAsset, { Length: > 0 } quote]
                    && Products.Of(baseAsset, quote) is var product && Products.IsCanonical(product))
                {
                    instruments.Add(new Instrument(urlSymbol, product));
                }
            }

            return instruments;
        }
        catch (JsonException e)
        {
            throw new FormatException($"Bitstamp trading-pairs-info body is not JSON: {e.Message}", e);
        }
    }

    public bool ServesEndpoint(Uri address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.Host.Equals("ws.bitstamp.net", StringComparison.OrdinalIgnoreCase);
    }

    public IFrameParser CreateParser(FrameParserOptions options, TimeProvider timeProvider, SymbolMap symbols) =>
        new BitstampFrameParser(options, timeProvider, symbols);

    public ILiveFeed CreateLiveFeed(string source) => source == LiveSource
        ? new BitstampLiveFeed(options.Value, SymbolOf)
        : throw new ArgumentException($"Bitstamp has no live source '{source}' ({LiveSource}).", nameof(source));

    public ITradeHistory CreateHistory(FrameParserOptions parserOptions, TimeProvider timeProvider, SymbolMap symbols) =>
        new BitstampRestClient(httpClients.CreateClient(RestClientName), new BitstampFrameParser(parserOptions, timeProvider, symbols), SymbolOf, options.Value.HistoryWindow);
}

public static class BitstampVenueExtensions
{
    /// <summary>Registers Bitstamp: options (section <c>Ingest:Venues:bitstamp</c>, validated at start), its REST client and the <see cref="IVenue"/>.</summary>
    public static IServiceCollection AddBitstampVenue(this IServiceCollection services)
    {
        services.AddOptions<BitstampOptions>().BindConfiguration(BitstampOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BitstampOptions>, BitstampOptionsValidator>());
        services.AddVenueRestClient<BitstampOptions>(BitstampVenue.RestClientName, o => o.RestUrl);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IVenue, BitstampVenue>());
        return services;
    }
}
