using System.Globalization;
using System.Text.Json;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.TestSupport;

/// <summary>
/// How a trade looks on Bybit v5 (public websocket and REST), for <see cref="FakeBybit"/>, in the shapes of
/// tests/data/bybit/BYBIT.handmade.jsonl (Bybit's documentation examples): <c>publicTrade.&lt;symbol&gt;</c> frames
/// (<c>{"topic","ts","type":"snapshot","data":[{"i","T","p","v","S","s","BT","RPI","seq"}]}</c> on spot,
/// <c>{"topic","type","ts","data":[{"T","s","S","v","p","L","i","BT","RPI","seq"}]}</c> on linear; <c>S</c> is the taker
/// side), the subscribe reply (<c>success</c> true, or false with <c>error:handler not found</c>), the pong
/// (<c>{"success":true,"ret_msg":"pong",…,"op":"ping"}</c>), and the REST <c>recent-trade</c> and
/// <c>instruments-info</c> bodies. A trade's <see cref="Trade.TextId"/> (linear UUID) is its <c>i</c> and its
/// <see cref="Trade.TradeId"/> the <c>seq</c>; without a text id (spot) <see cref="Trade.TradeId"/> is <c>i</c>.
/// </summary>
public static class BybitFrames
{
    /// <summary>Bybit's symbol of a canonical product: <c>BTC-USDT</c> → <c>BTCUSDT</c>.</summary>
    public static string Symbol(string product) => product.Replace("-", "", StringComparison.Ordinal);

    /// <summary>The trade topic of a product.</summary>
    public static string Topic(string product) => "publicTrade." + Symbol(product);

    /// <summary>The <c>seq</c> the fake writes for a spot trade (any rising number: spot ids are the identity).</summary>
    public static long SpotSeq(Trade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        return 7_961_000_000 + (trade.TradeId % 1_000_000_000);
    }

    /// <summary>
    /// One <c>publicTrade</c> frame of one product's trades (Bybit sends a product's trades of one match in one frame);
    /// <paramref name="blockTrade"/> says which are block trades (<c>BT</c> true: still trades of the market).
    /// </summary>
    public static string TradeFrame(bool linear, IReadOnlyList<Trade> trades, Func<Trade, bool>? blockTrade = null)
    {
        ArgumentNullException.ThrowIfNull(trades);
        if (trades.Count == 0 || trades.Any(t => t.Product != trades[0].Product))
        {
            throw new ArgumentException("a frame carries one product's trades, at least one", nameof(trades));
        }

        var ts = trades.Max(t => t.Time.ToUnixTimeMilliseconds()) + 3;
        var data = string.Join(",", trades.Select(t => Element(linear, t, blockTrade?.Invoke(t) ?? false)));
        var topic = Topic(trades[0].Product);
        return linear
            ? string.Create(CultureInfo.InvariantCulture, $$"""{"topic":"{{topic}}","type":"snapshot","ts":{{ts}},"data":[{{data}}]}""")
            : string.Create(CultureInfo.InvariantCulture, $$"""{"topic":"{{topic}}","ts":{{ts}},"type":"snapshot","data":[{{data}}]}""");
    }

    /// <summary>The reply to a subscribe request: its <c>req_id</c> echoed, success or Bybit's refusal.</summary>
    public static string SubscribeReply(bool linear, string? reqId, bool success, string connId) => success
        ? $$"""{"success":true,"ret_msg":"{{(linear ? "" : "subscribe")}}","conn_id":"{{connId}}","req_id":"{{reqId}}","op":"subscribe"}"""
        : $$"""{"success":false,"ret_msg":"error:handler not found","conn_id":"{{connId}}","req_id":"{{reqId}}","op":"subscribe"}""";

    /// <summary>The reply to <c>{"op":"ping"}</c>.</summary>
    public static string Pong(bool linear, string connId) => linear
        ? $$"""{"success":true,"ret_msg":"pong","conn_id":"{{connId}}","req_id":"","op":"ping"}"""
        : $$"""{"success":true,"ret_msg":"pong","conn_id":"{{connId}}","op":"ping"}""";

    /// <summary>A client message: its <c>op</c>, <c>req_id</c> and first <c>args</c> element (null where absent).</summary>
    public static (string? Op, string? ReqId, string? Arg) Request(string message)
    {
        using var json = JsonDocument.Parse(message);
        var root = json.RootElement;
        string? Text(string name) => root.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        var arg = root.TryGetProperty("args", out var args) && args.ValueKind == JsonValueKind.Array && args.GetArrayLength() > 0 ? args[0].GetString() : null;
        return (Text("op"), Text("req_id"), arg);
    }

    /// <summary>The REST <c>recent-trade</c> body: the given trades newest first.</summary>
    public static string RecentTrades(bool linear, IEnumerable<Trade> newestFirst)
    {
        ArgumentNullException.ThrowIfNull(newestFirst);
        var rows = string.Join(",", newestFirst.Select(t => string.Create(CultureInfo.InvariantCulture,
            $$"""{"execId":"{{Id(t)}}","symbol":"{{Symbol(t.Product)}}","price":"{{t.Price}}","size":"{{t.Size}}","side":"{{Side(t)}}","time":"{{t.Time.ToUnixTimeMilliseconds()}}","isBlockTrade":false,"isRPITrade":false,"seq":"{{Seq(t)}}"}""")));
        return $$"""{"retCode":0,"retMsg":"OK","result":{"category":"{{Category(linear)}}","list":[{{rows}}]},"retExtInfo":{},"time":1672053054358}""";
    }

    /// <summary>
    /// The REST <c>instruments-info</c> body of the market: the products, and on linear also a dated future of the first
    /// one's base coin (<c>LinearFutures</c>, not a perpetual).
    /// </summary>
    public static string Instruments(bool linear, IEnumerable<string> products)
    {
        ArgumentNullException.ThrowIfNull(products);
        var list = new List<string>();
        foreach (var product in products)
        {
            var (baseCoin, quoteCoin) = Coins(product);
            list.Add(linear
                ? $$"""{"symbol":"{{Symbol(product)}}","contractType":"LinearPerpetual","status":"Trading","baseCoin":"{{baseCoin}}","quoteCoin":"{{quoteCoin}}","settleCoin":"{{quoteCoin}}","priceScale":"2"}"""
                : $$"""{"symbol":"{{Symbol(product)}}","baseCoin":"{{baseCoin}}","quoteCoin":"{{quoteCoin}}","innovation":"0","status":"Trading","marginTrading":"both"}""");
            if (linear && list.Count == 1)
            {
                list.Add($$"""{"symbol":"{{baseCoin}}-27DEC24","contractType":"LinearFutures","status":"Trading","baseCoin":"{{baseCoin}}","quoteCoin":"{{quoteCoin}}","settleCoin":"{{quoteCoin}}","priceScale":"2"}""");
            }
        }

        return $$"""{"retCode":0,"retMsg":"OK","result":{"category":"{{Category(linear)}}","list":[{{string.Join(",", list)}}],"nextPageCursor":""},"retExtInfo":{},"time":1672712468011}""";
    }

    /// <summary>Bybit's error body (<c>retCode</c> non-zero, HTTP 200 as Bybit answers it).</summary>
    public static string Error(int code, string message) => $$"""{"retCode":{{code}},"retMsg":"{{message}}","result":{},"retExtInfo":{},"time":1672053054358}""";

    public static string Category(bool linear) => linear ? "linear" : "spot";

    private static string Element(bool linear, Trade t, bool block)
    {
        var bt = block ? "true" : "false";
        return linear
            ? string.Create(CultureInfo.InvariantCulture,
                $$"""{"T":{{t.Time.ToUnixTimeMilliseconds()}},"s":"{{Symbol(t.Product)}}","S":"{{Side(t)}}","v":"{{t.Size}}","p":"{{t.Price}}","L":"{{(t.Side == TakerSide.Buy ? "PlusTick" : "MinusTick")}}","i":"{{Id(t)}}","BT":{{bt}},"RPI":false,"seq":{{Seq(t)}}}""")
            : string.Create(CultureInfo.InvariantCulture,
                $$"""{"i":"{{Id(t)}}","T":{{t.Time.ToUnixTimeMilliseconds()}},"p":"{{t.Price}}","v":"{{t.Size}}","S":"{{Side(t)}}","s":"{{Symbol(t.Product)}}","BT":{{bt}},"RPI":false,"seq":{{Seq(t)}}}""");
    }

    private static string Id(Trade t) => t.TextId ?? t.TradeId.ToString(CultureInfo.InvariantCulture);

    private static long Seq(Trade t) => t.TextId is null ? SpotSeq(t) : t.TradeId;

    private static string Side(Trade t) => t.Side == TakerSide.Buy ? "Buy" : "Sell";

    private static (string Base, string Quote) Coins(string product)
    {
        var dash = product.IndexOf('-', StringComparison.Ordinal);
        return (product[..dash], product[(dash + 1)..]);
    }
}
