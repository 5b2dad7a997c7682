using System.Globalization;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;

namespace BitcoinVolume.Ingest.Venues.Bybit;

/// <summary>
/// Bybit's trade history: <c>GET /v5/market/recent-trade?category=&amp;symbol=&amp;limit=</c>
/// (https://bybit-exchange.github.io/docs/v5/market/recent-trade). It serves ONLY the latest trades (spot at most 60,
/// linear at most 1000; no cursor, no time or id range), newest first: a page is the latest trades whose id is below
/// <c>before</c> (the trade id, or <c>seq</c> where the id is text), and <see cref="TradesPage.Next"/> is always null.
/// A gap older than the latest page cannot be repaired (<see cref="HistoryCoverage.Recent"/>). Retries, timeouts and
/// the circuit breaker come from ServiceDefaults' resilience handler.
/// </summary>
public sealed class BybitRestClient(HttpClient http, BybitCategory category, string venue, FrameParserOptions options, TimeProvider clock, SymbolMap symbols)
    : ITradeHistory
{
    /// <summary>The largest page of the market (spot 60, linear 1000).</summary>
    public int MaxPageSize => MaxPageSizeOf(category);

    public static int MaxPageSizeOf(BybitCategory category) => category == BybitCategory.Spot ? 60 : 1000;

    /// <summary>The <c>category</c> query value.</summary>
    public static string CategoryName(BybitCategory category) => category == BybitCategory.Spot ? "spot" : "linear";

    public async Task<TradesPage> GetTradesAsync(string product, long before, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        limit = Math.Min(limit, MaxPageSize);
        var symbol = symbols.TryGetByProduct(product, out var instrument) ? instrument.Symbol : product.Replace("-", "", StringComparison.Ordinal);
        var uri = string.Create(CultureInfo.InvariantCulture,
            $"v5/market/recent-trade?category={CategoryName(category)}&symbol={Uri.EscapeDataString(symbol)}&limit={MaxPageSize}");
        using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {uri} answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var trades = new List<Trade>(limit);
        var invalid = ParseRecentTrades(body, trades);
        if (invalid is { Reason: DeadLetterReasons.VenueError })
        {
            throw new HttpRequestException($"GET {uri}: {invalid.Value.Detail}");
        }

        // The newest trades below the gap's upper end, newest first, at most the limit.
        var page = trades.Where(t => t.TradeId < before).OrderByDescending(t => t.TradeId).Take(limit).ToList();
        return new TradesPage(page, null, invalid is { } bad ? $"{bad.Reason}: {bad.Detail}" : null);
    }

    /// <summary>
    /// Parses a <c>recent-trade</c> body (<c>{"retCode":0,"result":{"list":[{"execId","symbol","price","size","side","time","isBlockTrade","seq"}]}}</c>),
    /// appending its good trades; returns the first problem (reason <c>venue_error</c> for a non-zero <c>retCode</c>).
    /// </summary>
    public FrameResult? ParseRecentTrades(ReadOnlySpan<byte> body, List<Trade> trades)
    {
        ArgumentNullException.ThrowIfNull(trades);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException e)
        {
            return FrameResult.Invalid(DeadLetterReasons.MalformedJson, e.Message);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("retCode", out var code) || code.ValueKind != JsonValueKind.Number)
            {
                return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "recent-trade body has no retCode");
            }

            if (code.GetRawText() != "0")
            {
                var message = root.TryGetProperty("retMsg", out var msg) && msg.ValueKind == JsonValueKind.String ? msg.GetString() : null;
                return FrameResult.Invalid(DeadLetterReasons.VenueError, $"retCode {code.GetRawText()}: {message}");
            }

            if (!root.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.Object
                || !result.TryGetProperty("list", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "recent-trade body has no result.list");
            }

            FrameResult? firstError = null;
            var index = 0;
            foreach (var row in list.EnumerateArray())
            {
                var raw = ReadRow(row);
                if (BybitTrades.TryBuild(raw, category, venue, symbols, options, clock, out var trade, out var invalid))
                {
                    trades.Add(trade);
                }
                else
                {
                    firstError ??= invalid with { Detail = $"trade #{index}: {invalid.Detail}" };
                }

                index++;
            }

            return firstError;
        }
    }

    private static BybitRawTrade ReadRow(JsonElement row)
    {
        var raw = default(BybitRawTrade);
        if (row.ValueKind != JsonValueKind.Object)
        {
            return raw;
        }

        raw.Symbol = Text(row, "symbol");
        raw.Side = Text(row, "side");
        raw.Size = Text(row, "size");
        raw.Price = Text(row, "price");
        raw.Id = Text(row, "execId");
        if (row.TryGetProperty("time", out var time))
        {
            raw.HasTime = true;
            raw.TimeInvalid = !(time.ValueKind == JsonValueKind.String
                ? long.TryParse(time.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out raw.TimeMs)
                : time.ValueKind == JsonValueKind.Number && time.TryGetInt64(out raw.TimeMs));
        }

        if (row.TryGetProperty("seq", out var seq))
        {
            raw.HasSeq = true;
            raw.SeqInvalid = !(seq.ValueKind == JsonValueKind.String
                ? long.TryParse(seq.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out raw.Seq)
                : seq.ValueKind == JsonValueKind.Number && seq.TryGetInt64(out raw.Seq));
        }

        return raw;
    }

    private static string? Text(JsonElement row, string name) =>
        row.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>
    /// The instruments of an <c>instruments-info</c> body of this category
    /// (https://bybit-exchange.github.io/docs/v5/market/instrument): <c>symbol</c>, <c>baseCoin</c>, <c>quoteCoin</c>; on
    /// linear only <c>contractType</c> <c>LinearPerpetual</c> (dated futures are other instruments). Bodies of the other
    /// category give none; a malformed body throws <see cref="FormatException"/>.
    /// </summary>
    public static IReadOnlyList<Instrument> ParseInstruments(BybitCategory category, string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (!root.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.Object
                || !result.TryGetProperty("list", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("instruments-info body has no result.list");
            }

            if (Text(result, "category") is { } named && named != CategoryName(category))
            {
                return [];
            }

            var instruments = new List<Instrument>();
            foreach (var item in list.EnumerateArray())
            {
                if (Text(item, "symbol") is not { Length: > 0 } symbol || Text(item, "baseCoin") is not { Length: > 0 } baseCoin
                    || Text(item, "quoteCoin") is not { Length: > 0 } quoteCoin)
                {
                    throw new FormatException("an instruments-info element lacks symbol, baseCoin or quoteCoin");
                }

                if (category == BybitCategory.Linear && Text(item, "contractType") != "LinearPerpetual")
                {
                    continue;
                }

                var product = Products.Of(baseCoin, quoteCoin);
                if (Products.IsCanonical(product))
                {
                    instruments.Add(new Instrument(symbol, product));
                }
            }

            return instruments;
        }
        catch (JsonException e)
        {
            throw new FormatException($"instruments-info body is not JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            throw new FormatException($"instruments-info body has an unexpected shape: {e.Message}", e);
        }
    }
}
