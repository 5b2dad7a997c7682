using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Venues;

namespace BitcoinVolume.Ingest.Tests;

/// <summary>
/// A test-only venue for the replay of cryptofeed recordings until the real adapters land: serves the websocket host
/// it is given, reads Binance-style <c>exchangeInfo</c> instrument lists (<c>symbols[].symbol/baseAsset/quoteAsset</c>),
/// and parses Binance <c>aggTrade</c> combined-stream frames (taker BUY when <c>m</c> is false) through its symbol map;
/// every other frame is ignored.
/// </summary>
public sealed class CryptofeedTestVenue(string id, string host) : IVenue
{
    public string Id => id;

    public IReadOnlyList<LiveSourceName> LiveSources => [];

    public bool ContiguousTradeIds => true;

    public HistoryCoverage History => HistoryCoverage.None;

    /// <summary>The instrument lists it was offered (URL paths), to prove every venue sees every http record.</summary>
    public List<string> OfferedUrls { get; } = [];

    public string SymbolOf(string product) => product.Replace("-", "", StringComparison.Ordinal);

    public string? ProductFromSymbol(string symbol) => null;

    public IReadOnlyList<Instrument> ParseInstruments(Uri url, string body)
    {
        ArgumentNullException.ThrowIfNull(url);
        OfferedUrls.Add(url.AbsolutePath);
        if (!url.Host.EndsWith(host.Replace("stream.", "api.", StringComparison.Ordinal), StringComparison.Ordinal) || !url.AbsolutePath.EndsWith("/exchangeInfo", StringComparison.Ordinal))
        {
            return [];
        }

        try
        {
            using var json = JsonDocument.Parse(body);
            return [.. json.RootElement.GetProperty("symbols").EnumerateArray().Select(s => new Instrument(
                s.GetProperty("symbol").GetString()!,
                Products.Of(s.GetProperty("baseAsset").GetString()!, s.GetProperty("quoteAsset").GetString()!)))];
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"not an exchangeInfo body: {e.Message}", e);
        }
    }

    public bool ServesEndpoint(Uri address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.Host == host;
    }

    public IFrameParser CreateParser(FrameParserOptions options, TimeProvider timeProvider, SymbolMap symbols) => new AggTradeParser(id, symbols);

    public ILiveFeed CreateLiveFeed(string source) => throw new NotSupportedException();

    public ITradeHistory CreateHistory(FrameParserOptions parserOptions, TimeProvider timeProvider, SymbolMap symbols) => throw new NotSupportedException();

    private sealed class AggTradeParser(string venue, SymbolMap symbols) : IFrameParser
    {
        public FrameResult Parse(ReadOnlySpan<byte> frame, List<Trade> trades)
        {
            JsonElement data;
            try
            {
                using var json = JsonDocument.Parse(frame.ToArray());
                if (json.RootElement.ValueKind != JsonValueKind.Object || !json.RootElement.TryGetProperty("data", out var inner) || inner.ValueKind != JsonValueKind.Object)
                {
                    return FrameResult.Invalid(DeadLetterReasons.UnknownType, "not a combined-stream frame");
                }

                if (!inner.TryGetProperty("e", out var e) || e.GetString() != "aggTrade")
                {
                    return FrameResult.Ignored("other"); // depth, kline; bookTicker has no "e"
                }

                data = inner.Clone();
            }
            catch (JsonException e)
            {
                return FrameResult.Invalid(DeadLetterReasons.MalformedJson, e.Message);
            }

            if (!symbols.TryGet(data.GetProperty("s").GetString()!, out var instrument))
            {
                return FrameResult.Invalid("unknown_symbol", data.GetProperty("s").GetString()!);
            }

            trades.Add(new Trade(
                instrument.Product,
                data.GetProperty("a").GetInt64(),
                DateTimeOffset.FromUnixTimeMilliseconds(data.GetProperty("T").GetInt64()),
                decimal.Parse(data.GetProperty("p").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                decimal.Parse(data.GetProperty("q").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                data.GetProperty("m").GetBoolean() ? TakerSide.Sell : TakerSide.Buy)
            { Venue = venue });
            return new FrameResult(FrameKind.Trades, 1, "aggTrade");
        }
    }
}
