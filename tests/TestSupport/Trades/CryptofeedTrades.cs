using System.Globalization;
using System.Text.Json;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.TestSupport;

/// <summary>
/// The trades in a cryptofeed recording (format 2, <c>tests/data/cryptofeed/</c>), read for test oracles independently
/// of the product's parsers: plain <see cref="JsonDocument"/>, each venue's documented fields and taker-side rule written
/// out once more here, instruments from the recording's own REST lists. Spot markets only, as the venue ids define them
/// (OKX futures/swaps and Gemini perpetuals are other markets and are left out). Distinct by (venue, product, id).
/// </summary>
public static class CryptofeedTrades
{
    /// <summary>The distinct spot trades of every venue in the file, in the order the file has them.</summary>
    public static List<Trade> Read(string path)
    {
        var records = File.ReadLines(path).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        var exchange = records[0].GetProperty("exchange").GetString()!;
        var http = records.Where(r => Kind(r) == "http")
            .GroupBy(r => r.GetProperty("url").GetString()!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().GetProperty("data").GetString()!, StringComparer.Ordinal);
        var trades = new List<Trade>();
        var seen = new HashSet<(string, string, long)>();
        var krakenIds = new Dictionary<string, long>(StringComparer.Ordinal);
        var instruments = exchange switch
        {
            "BINANCE" => BinanceSymbols(http["https://api.binance.com/api/v3/exchangeInfo"]),
            "BINANCE_US" => BinanceSymbols(http["https://api.binance.us/api/v3/exchangeInfo"]),
            "BITSTAMP" => BitstampSymbols(http["https://www.bitstamp.net/api/v2/trading-pairs-info/"]),
            "OKX" => OkxSpot(http["https://www.okx.com/api/v5/public/instruments?instType=SPOT"]),
            "GEMINI" => GeminiSpot(http),
            _ => [],
        };

        foreach (var record in records.Where(r => Kind(r) == "recv"))
        {
            using var frame = JsonDocument.Parse(record.GetProperty("data").GetString()!);
            var data = frame.RootElement;
            var found = exchange switch
            {
                "BINANCE" => Binance(data, instruments, Venues.Binance),
                "BINANCE_US" => Binance(data, instruments, Venues.BinanceUs),
                "BITSTAMP" => Bitstamp(data, instruments),
                "KRAKEN" => KrakenV1(data, krakenIds),
                "OKX" => Okx(data, instruments),
                "GEMINI" => Gemini(data, instruments),
                _ => throw new NotSupportedException($"no oracle for {exchange}"),
            };
            trades.AddRange(found.Where(t => seen.Add((t.Venue, t.Product, t.TradeId))));
        }

        return trades;
    }

    private static string Kind(JsonElement record) => record.GetProperty("t").GetString()!;

    private static decimal Dec(string text) => decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static DateTimeOffset Ms(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static Dictionary<string, string> BinanceSymbols(string body) =>
        JsonDocument.Parse(body).RootElement.GetProperty("symbols").EnumerateArray().ToDictionary(
            s => s.GetProperty("symbol").GetString()!, s => $"{s.GetProperty("baseAsset").GetString()}-{s.GetProperty("quoteAsset").GetString()}", StringComparer.Ordinal);

    private static Dictionary<string, string> BitstampSymbols(string body) =>
        JsonDocument.Parse(body).RootElement.EnumerateArray().ToDictionary(
            s => s.GetProperty("url_symbol").GetString()!, s => s.GetProperty("name").GetString()!.Replace('/', '-'), StringComparer.Ordinal);

    private static Dictionary<string, string> OkxSpot(string body) =>
        JsonDocument.Parse(body).RootElement.GetProperty("data").EnumerateArray().ToDictionary(
            s => s.GetProperty("instId").GetString()!, s => $"{s.GetProperty("baseCcy").GetString()}-{s.GetProperty("quoteCcy").GetString()}", StringComparer.Ordinal);

    private static Dictionary<string, string> GeminiSpot(Dictionary<string, string> http) =>
        http.Where(kv => kv.Key.Contains("/v1/symbols/details/", StringComparison.Ordinal))
            .Select(kv => JsonDocument.Parse(kv.Value).RootElement)
            .Where(d => d.GetProperty("product_type").GetString() == "spot")
            .ToDictionary(d => d.GetProperty("symbol").GetString()!, d => $"{d.GetProperty("base_currency").GetString()}-{d.GetProperty("quote_currency").GetString()}", StringComparer.Ordinal);

    /// <summary>Binance aggTrade: taker buy ⇔ <c>m</c> (buyer is maker) is false; one trade per aggTrade, id <c>a</c>.</summary>
    private static IEnumerable<Trade> Binance(JsonElement frame, Dictionary<string, string> symbols, string venue)
    {
        if (!frame.TryGetProperty("data", out var d) || d.ValueKind != JsonValueKind.Object || !d.TryGetProperty("e", out var e) || e.GetString() != "aggTrade")
        {
            yield break;
        }

        yield return new Trade(symbols[d.GetProperty("s").GetString()!], d.GetProperty("a").GetInt64(), Ms(d.GetProperty("T").GetInt64()),
            Dec(d.GetProperty("p").GetString()!), Dec(d.GetProperty("q").GetString()!), d.GetProperty("m").GetBoolean() ? TakerSide.Sell : TakerSide.Buy)
        { Venue = venue };
    }

    /// <summary>Bitstamp live_trades: <c>type</c> 0 = taker buy, 1 = taker sell; time from <c>microtimestamp</c>.</summary>
    private static IEnumerable<Trade> Bitstamp(JsonElement frame, Dictionary<string, string> symbols)
    {
        if (frame.ValueKind != JsonValueKind.Object || !frame.TryGetProperty("event", out var e) || e.GetString() != "trade")
        {
            yield break;
        }

        var d = frame.GetProperty("data");
        var symbol = frame.GetProperty("channel").GetString()!["live_trades_".Length..];
        var micros = long.Parse(d.GetProperty("microtimestamp").GetString()!, CultureInfo.InvariantCulture);
        yield return new Trade(symbols[symbol], d.GetProperty("id").GetInt64(), DateTimeOffset.UnixEpoch.AddTicks(micros * 10),
            Dec(d.GetProperty("price_str").GetString()!), Dec(d.GetProperty("amount_str").GetString()!), d.GetProperty("type").GetInt32() == 0 ? TakerSide.Buy : TakerSide.Sell)
        { Venue = Venues.Bitstamp };
    }

    /// <summary>
    /// Kraken websocket v1 trade arrays <c>[channel, [[price, volume, time, side, type, misc]…], "trade", pair]</c>: side
    /// <c>b</c>/<c>s</c> is the taker's; v1 has no trade ids, so ids here are 1, 2, … per pair in file order.
    /// </summary>
    private static IEnumerable<Trade> KrakenV1(JsonElement frame, Dictionary<string, long> ids)
    {
        if (frame.ValueKind != JsonValueKind.Array || frame.GetArrayLength() < 4 || frame[frame.GetArrayLength() - 2].GetString() != "trade")
        {
            yield break;
        }

        var pair = frame[frame.GetArrayLength() - 1].GetString()!.Split('/');
        var product = Products.Of(pair[0], pair[1]);
        foreach (var t in frame[1].EnumerateArray())
        {
            var seconds = Dec(t[2].GetString()!);
            ids[product] = ids.GetValueOrDefault(product) + 1;
            yield return new Trade(product, ids[product], DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond)),
                Dec(t[0].GetString()!), Dec(t[1].GetString()!), t[3].GetString() == "b" ? TakerSide.Buy : TakerSide.Sell)
            { Venue = Venues.Kraken };
        }
    }

    /// <summary>OKX v5 trades: <c>side</c> is the taker's; spot instruments only.</summary>
    private static IEnumerable<Trade> Okx(JsonElement frame, Dictionary<string, string> spot)
    {
        if (frame.ValueKind != JsonValueKind.Object || !frame.TryGetProperty("arg", out var arg) || arg.GetProperty("channel").GetString() != "trades" || !frame.TryGetProperty("data", out var data))
        {
            yield break;
        }

        foreach (var d in data.EnumerateArray())
        {
            if (spot.TryGetValue(d.GetProperty("instId").GetString()!, out var product))
            {
                yield return new Trade(product, long.Parse(d.GetProperty("tradeId").GetString()!, CultureInfo.InvariantCulture), Ms(long.Parse(d.GetProperty("ts").GetString()!, CultureInfo.InvariantCulture)),
                    Dec(d.GetProperty("px").GetString()!), Dec(d.GetProperty("sz").GetString()!), d.GetProperty("side").GetString() == "buy" ? TakerSide.Buy : TakerSide.Sell)
                { Venue = Venues.Okx };
            }
        }
    }

    /// <summary>Gemini v2 market data: <c>trade</c> events and the recent <c>trades</c> of the first <c>l2_updates</c>; <c>side</c> is the taker's; spot only.</summary>
    private static IEnumerable<Trade> Gemini(JsonElement frame, Dictionary<string, string> spot)
    {
        var events = frame.ValueKind != JsonValueKind.Object ? []
            : frame.TryGetProperty("type", out var type) && type.GetString() == "trade" ? [frame]
            : frame.TryGetProperty("trades", out var recent) ? recent.EnumerateArray().ToArray() : [];
        foreach (var d in events)
        {
            if (spot.TryGetValue(d.GetProperty("symbol").GetString()!, out var product))
            {
                yield return new Trade(product, d.GetProperty("tid").GetInt64(), Ms(d.GetProperty("timestamp").GetInt64()),
                    Dec(d.GetProperty("price").GetString()!), Dec(d.GetProperty("quantity").GetString()!), d.GetProperty("side").GetString() == "buy" ? TakerSide.Buy : TakerSide.Sell)
                { Venue = Venues.Gemini };
            }
        }
    }
}
