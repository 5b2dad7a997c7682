using System.Globalization;
using System.Text.Json;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.TestSupport;

/// <summary>
/// How a trade looks on Kraken websocket v2 and REST, for <see cref="FakeKraken"/>: <c>trade</c> messages (snapshot and
/// update; <c>side</c> is the taker's), subscribe acknowledgements and refusals, heartbeats, pongs, and the
/// <c>/0/public/Trades</c> answer (rows <c>[price, volume, time, side, type, misc, trade_id]</c>, cursor <c>last</c> in ns).
/// </summary>
public static class KrakenFrames
{
    /// <summary>The v2 symbol of a canonical product (<c>BTC-USD</c> → <c>BTC/USD</c>).</summary>
    public static string Symbol(string product) => product.Replace('-', '/');

    /// <summary>A <c>trade</c> message of <paramref name="type"/> (<c>snapshot</c> or <c>update</c>) carrying the trades.</summary>
    public static string Trades(string type, IEnumerable<Trade> trades) =>
        $$"""{"channel":"trade","type":"{{type}}","data":[{{string.Join(",", trades.Select(Element))}}]}""";

    /// <summary>One element of a <c>trade</c> message's <c>data</c> (price and qty as JSON numbers, as Kraken sends them).</summary>
    public static string Element(Trade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        return string.Create(CultureInfo.InvariantCulture,
            $$"""{"symbol":"{{Symbol(trade.Product)}}","side":"{{(trade.Side == TakerSide.Buy ? "buy" : "sell")}}","price":{{trade.Price}},"qty":{{trade.Size}},"ord_type":"limit","trade_id":{{trade.TradeId}},"timestamp":"{{trade.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture)}}"}""");
    }

    /// <summary>The acknowledgement of one symbol of a subscribe.</summary>
    public static string Subscribed(string symbol) =>
        $$"""{"method":"subscribe","result":{"channel":"trade","snapshot":true,"symbol":"{{symbol}}"},"success":true,"time_in":"{{Now}}","time_out":"{{Now}}"}""";

    /// <summary>The refusal of one symbol of a subscribe.</summary>
    public static string Refused(string symbol) =>
        $$"""{"error":"Currency pair not supported {{symbol}}","method":"subscribe","success":false,"symbol":"{{symbol}}","time_in":"{{Now}}","time_out":"{{Now}}"}""";

    public const string Heartbeat = """{"channel":"heartbeat"}""";

    public static string Pong => $$"""{"method":"pong","time_in":"{{Now}}","time_out":"{{Now}}"}""";

    /// <summary>The symbols of a client's subscribe message.</summary>
    public static IReadOnlyList<string> SubscribedSymbols(string subscribe)
    {
        using var json = JsonDocument.Parse(subscribe);
        return [.. json.RootElement.GetProperty("params").GetProperty("symbol").EnumerateArray().Select(s => s.GetString()!)];
    }

    /// <summary>Nanoseconds since the epoch of a time (Kraken's REST cursor unit).</summary>
    public static long Nanoseconds(DateTimeOffset time) => (time - DateTimeOffset.UnixEpoch).Ticks * 100;

    /// <summary>
    /// The answer to <c>GET /0/public/Trades?pair=&amp;since=&amp;count=</c> for trades in id order: without <c>since</c>
    /// the latest <c>count</c>, else the first <c>count</c> after <c>since</c> (ns), oldest first; <c>last</c> = the
    /// time of the last one returned.
    /// </summary>
    public static string RestAnswer(string pairKey, IReadOnlyList<Trade> trades, long? since, int count)
    {
        ArgumentNullException.ThrowIfNull(trades);
        var page = since is { } s
            ? trades.Where(t => Nanoseconds(t.Time) > s).Take(count).ToList()
            : trades.Skip(Math.Max(0, trades.Count - count)).ToList();
        var last = page.Count > 0 ? Nanoseconds(page[^1].Time) : since ?? 0;
        var rows = string.Join(",", page.Select(t => string.Create(CultureInfo.InvariantCulture,
            $$"""["{{t.Price}}","{{t.Size}}",{{(t.Time - DateTimeOffset.UnixEpoch).Ticks / 10_000_000m}},"{{(t.Side == TakerSide.Buy ? "b" : "s")}}","l","",{{t.TradeId}}]""")));
        return string.Create(CultureInfo.InvariantCulture, $$$"""{"error":[],"result":{"{{{pairKey}}}":[{{{rows}}}],"last":"{{{last}}}"}}""");
    }

    private static string Now => DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
