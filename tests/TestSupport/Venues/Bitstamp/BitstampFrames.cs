using System.Globalization;
using System.Text.Json;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.TestSupport;

/// <summary>
/// How a trade looks on Bitstamp websocket v2 and REST, for <see cref="FakeBitstamp"/>: <c>trade</c> events of
/// <c>live_trades_&lt;pair&gt;</c> (<c>type</c> 0 = taker buy, 1 = taker sell; the taker's order id is the later one),
/// <c>bts:subscription_succeeded</c>, <c>bts:error</c>, the <c>bts:heartbeat</c> answer, <c>bts:request_reconnect</c>,
/// and the REST <c>transactions</c> answer.
/// </summary>
public static class BitstampFrames
{
    public static string Symbol(string product) => product.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();

    public static string Trade(Trade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        var micros = (trade.Time - DateTimeOffset.UnixEpoch).Ticks / 10;
        var (buyOrder, sellOrder) = trade.Side == TakerSide.Buy ? (2 * trade.TradeId + 1, 2 * trade.TradeId) : (2 * trade.TradeId, 2 * trade.TradeId + 1);
        return string.Create(CultureInfo.InvariantCulture,
            $$"""{"data":{"id":{{trade.TradeId}},"timestamp":"{{micros / 1_000_000}}","amount":{{trade.Size}},"amount_str":"{{trade.Size}}","price":{{trade.Price}},"price_str":"{{trade.Price}}","type":{{(trade.Side == TakerSide.Buy ? 0 : 1)}},"microtimestamp":"{{micros}}","buy_order_id":{{buyOrder}},"sell_order_id":{{sellOrder}}},"channel":"live_trades_{{Symbol(trade.Product)}}","event":"trade"}""");
    }

    public static string Subscribed(string channel) => $$$"""{"event":"bts:subscription_succeeded","channel":"{{{channel}}}","data":{}}""";

    public static string Refused(string channel) => $$$"""{"event":"bts:error","channel":"{{{channel}}}","data":{"code":null,"message":"Incorrect channel name."}}""";

    public const string HeartbeatAnswer = """{"event":"bts:heartbeat","channel":"","data":{"status":"success"}}""";

    public const string RequestReconnect = """{"event":"bts:request_reconnect","channel":"","data":""}""";

    /// <summary>The channel of a client's <c>bts:subscribe</c>, or null for another message (e.g. its heartbeat).</summary>
    public static string? SubscribedChannel(string message)
    {
        using var json = JsonDocument.Parse(message);
        return json.RootElement.GetProperty("event").GetString() == "bts:subscribe"
            ? json.RootElement.GetProperty("data").GetProperty("channel").GetString()
            : null;
    }

    /// <summary>The REST <c>transactions</c> answer: newest first, whole-second <c>date</c>, strings everywhere.</summary>
    public static string RestAnswer(IEnumerable<Trade> trades) => "[" + string.Join(",", trades.OrderByDescending(t => t.TradeId).Select(t => string.Create(CultureInfo.InvariantCulture,
        $$"""{"date":"{{t.Time.ToUnixTimeSeconds()}}","tid":"{{t.TradeId}}","amount":"{{t.Size}}","price":"{{t.Price}}","type":"{{(t.Side == TakerSide.Buy ? 0 : 1)}}"}"""))) + "]";
}
