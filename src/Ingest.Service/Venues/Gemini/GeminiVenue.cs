using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Ingest.Venues.Gemini;

/// <summary>
/// Gemini spot (<c>gemini</c>): market data v2 <c>wss://api.gemini.com/v2/marketdata</c>, channel <c>l2</c> (live source
/// <c>gemini</c>; not read live by default — the contract gives it no default products). Trade ids (<c>tid</c>) rise but
/// are NOT contiguous per symbol (BTCUSD in the recording: 2840141017903864, …872, …874; the spot symbols' ids share one
/// range, ETHUSD's …901477 among them), so a jump is not a gap: <see cref="ContiguousTradeIds"/> false (dedup only). No REST history is used
/// (<see cref="HistoryCoverage.None"/>): with ids that cannot reveal a gap nothing would ask for it; what covers a short
/// disconnection is that every (re)subscription's first <c>l2_updates</c> carries the symbol's most recent trades.
/// Symbols (<c>BTCUSD</c>) have no separator: only configured products and the <c>/v1/symbols/details/&lt;symbol&gt;</c>
/// answers (base, quote, <c>product_type</c>) map them, never a guess; perpetuals (<c>product_type</c> <c>swap</c>,
/// <c>…PERP</c>) are not spot and are never mapped (their frames are ignored, <c>other_market</c>).
/// </summary>
public sealed class GeminiVenue(IOptions<GeminiOptions> options) : IVenue
{
    public const string VenueId = Contracts.Venues.Gemini;
    public const string LiveSource = VenueId;

    /// <summary>The path of a symbol's details (then the symbol, lower case).</summary>
    public const string DetailsPath = "/v1/symbols/details/";

    public string Id => VenueId;

    public IReadOnlyList<LiveSourceName> LiveSources { get; } = [new(LiveSource)];

    public bool ContiguousTradeIds => false;

    public HistoryCoverage History => HistoryCoverage.None;

    /// <summary>Gemini's symbol joins base and quote: <c>BTC-USD</c> → <c>BTCUSD</c> (frames carry it upper case).</summary>
    public string SymbolOf(string product)
    {
        ArgumentNullException.ThrowIfNull(product);
        return product.Replace("-", "", StringComparison.Ordinal).ToUpperInvariant();
    }

    /// <summary>None: <c>BTCUSD</c> has no separator (a split by suffix could be wrong: <c>BTCGUSD</c>, <c>ETHRLUSD</c>).</summary>
    public string? ProductFromSymbol(string symbol) => null;

    /// <summary>
    /// <c>GET /v1/symbols/details/&lt;symbol&gt;</c> (one object per symbol: <c>symbol</c>, <c>base_currency</c>,
    /// <c>quote_currency</c>, <c>product_type</c>): the spot instrument it describes; a perpetual (<c>swap</c>) or any other
    /// product type gives none, and so does the bare <c>/v1/symbols</c> list (names only). A malformed body throws
    /// <see cref="FormatException"/>.
    /// </summary>
    public IReadOnlyList<Instrument> ParseInstruments(Uri url, string body)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(body);
        if (!url.IsAbsoluteUri || !url.Host.EndsWith("gemini.com", StringComparison.OrdinalIgnoreCase)
            || !url.AbsolutePath.StartsWith(DetailsPath, StringComparison.Ordinal))
        {
            return [];
        }

        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"Gemini {url.AbsolutePath}: not a JSON object");
            }

            string? Text(string name) => root.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            if (Text("product_type") != "spot" || Text("symbol") is not { Length: > 0 } symbol || GeminiFrameParser.IsPerpetual(symbol)
                || Text("base_currency") is not { Length: > 0 } baseAsset || Text("quote_currency") is not { Length: > 0 } quote)
            {
                return [];
            }

            var product = Products.Of(baseAsset, quote);
            return Products.IsCanonical(product) ? [new Instrument(symbol, product)] : [];
        }
        catch (JsonException e)
        {
            throw new FormatException($"Gemini {url.AbsolutePath}: the body is not JSON: {e.Message}", e);
        }
    }

    /// <summary>Gemini's market data websockets (<c>api.gemini.com</c>, the sandbox too) under <c>/v2/marketdata</c>.</summary>
    public bool ServesEndpoint(Uri address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.IsAbsoluteUri && address.Host.EndsWith("gemini.com", StringComparison.OrdinalIgnoreCase)
            && address.AbsolutePath.StartsWith("/v2/marketdata", StringComparison.Ordinal);
    }

    public IFrameParser CreateParser(FrameParserOptions options, TimeProvider timeProvider, SymbolMap symbols) =>
        new GeminiFrameParser(options, timeProvider, symbols);

    public ILiveFeed CreateLiveFeed(string source) => source == LiveSource
        ? new GeminiLiveFeed(LiveSource, options.Value.Url, SymbolOf)
        : throw new ArgumentException($"Gemini has no live source '{source}' ({LiveSource}).", nameof(source));

    /// <summary>Never called (<see cref="History"/> is <see cref="HistoryCoverage.None"/>).</summary>
    public ITradeHistory CreateHistory(FrameParserOptions parserOptions, TimeProvider timeProvider, SymbolMap symbols) =>
        throw new NotSupportedException("Gemini has no REST trade history in this adapter (HistoryCoverage.None).");
}

public static class GeminiVenueExtensions
{
    /// <summary>Registers Gemini spot: options <c>Ingest:Venues:gemini</c> (validated at start) and the venue.</summary>
    public static IServiceCollection AddGeminiVenue(this IServiceCollection services)
    {
        services.AddOptions<GeminiOptions>().BindConfiguration(GeminiOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GeminiOptions>, GeminiOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IVenue, GeminiVenue>());
        return services;
    }
}
