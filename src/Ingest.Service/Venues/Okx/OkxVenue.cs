using System.Text;
using System.Text.Json;
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

        try
        {
            return ReadInstruments(Encoding.UTF8.GetBytes(body));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new FormatException($"okx: the instruments body is not valid: {e.Message}", e);
        }
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

    private static List<Instrument> ReadInstruments(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new FormatException("the instruments answer is not a JSON object");
        }

        var instruments = new List<Instrument>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("data"u8))
            {
                VenueJson.SkipValue(ref reader);
                continue;
            }

            reader.Read();
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw new FormatException("the instruments 'data' is not an array");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                string? instId = null, instType = null, baseCcy = null, quoteCcy = null;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("instId"u8))
                    {
                        instId = VenueJson.ReadString(ref reader);
                    }
                    else if (reader.ValueTextEquals("instType"u8))
                    {
                        instType = VenueJson.ReadString(ref reader);
                    }
                    else if (reader.ValueTextEquals("baseCcy"u8))
                    {
                        baseCcy = VenueJson.ReadString(ref reader);
                    }
                    else if (reader.ValueTextEquals("quoteCcy"u8))
                    {
                        quoteCcy = VenueJson.ReadString(ref reader);
                    }
                    else
                    {
                        VenueJson.SkipValue(ref reader);
                    }
                }

                if (instType == "SPOT" && instId is not null && !string.IsNullOrEmpty(baseCcy) && !string.IsNullOrEmpty(quoteCcy)
                    && Products.Of(baseCcy, quoteCcy) is var product && Products.IsCanonical(product))
                {
                    instruments.Add(new Instrument(instId, product));
                }
            }
        }

        return instruments;
    }
}

public static class OkxVenueExtensions
{
    /// <summary>Registers OKX spot: options <c>Ingest:Venues:okx</c> (validated at start), its REST client and the venue.</summary>
    public static IServiceCollection AddOkxVenue(this IServiceCollection services)
    {
        services.AddOptions<OkxOptions>().BindConfiguration(OkxOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OkxOptions>, OkxOptionsValidator>());
        services.AddHttpClient(OkxVenue.RestClientName, (sp, http) =>
        {
            http.BaseAddress = VenueJson.BaseAddress(sp.GetRequiredService<IOptions<OkxOptions>>().Value.RestUrl);
            http.DefaultRequestHeaders.UserAgent.ParseAdd("BitcoinVolume-Ingest/1.0");
            http.MaxResponseContentBufferSize = 16 * 1024 * 1024;
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IVenue, OkxVenue>());
        return services;
    }
}
