using System.Globalization;
using System.Text.Json;
using BitcoinVolume.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace BitcoinVolume.TestSupport;

/// <summary>
/// A local Binance spot (or Binance.US: the same protocol): the combined-stream websocket at <c>/stream</c> answering
/// <c>SUBSCRIBE</c> requests with <c>{"result":null,"id":…}</c> — or, for the refused product, Binance's error answer
/// <c>{"error":{"code":2,"msg":…},"id":…}</c> — then aggTrade events wrapped as <c>{"stream":…,"data":…}</c> along the
/// <see cref="ScriptedVenueFake"/> plan (idle frames: bookTicker), and REST <c>GET /api/v3/aggTrades?symbol=&amp;fromId=&amp;limit=</c>
/// (ascending from fromId inclusive, limit ≤ 1000; unknown symbol: 400 code −1121). <c>LIST_SUBSCRIPTIONS</c> is answered
/// with the streams; <c>/quiet</c> is a connection whose symbols never trade: it answers subscribes and those requests only.
/// </summary>
public sealed class FakeBinance : ScriptedVenueFake
{
    private FakeBinance(string venue, IReadOnlyList<string> products, string refused)
        : base(venue, products, refused)
    {
    }

    public Uri StreamUrl => WebSocketUrl("/stream");

    /// <summary>A combined stream on which nothing trades (subscribe and LIST_SUBSCRIPTIONS answers only).</summary>
    public Uri QuietStreamUrl => WebSocketUrl("/quiet");

    public static async Task<FakeBinance> StartAsync(string venue, string refused, params string[] products)
    {
        var fake = new FakeBinance(venue, products, refused);
        await fake.StartServerAsync();
        return fake;
    }

    /// <summary>Binance's symbol of a canonical product.</summary>
    public static string Symbol(string product) => product.Replace("-", "", StringComparison.Ordinal);

    /// <summary>An aggTrade event of the combined stream; <c>m</c> (buyer is maker) is true when the taker sold.</summary>
    public static string AggTrade(Trade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        var symbol = Symbol(trade.Product);
        return "{\"stream\":\"" + symbol.ToLowerInvariant() + "@aggTrade\",\"data\":" + string.Create(CultureInfo.InvariantCulture,
            $$"""{"e":"aggTrade","E":{{trade.Time.ToUnixTimeMilliseconds() + 1}},"s":"{{symbol}}","a":{{trade.TradeId}},"p":"{{trade.Price}}","q":"{{trade.Size}}","f":{{trade.TradeId * 3}},"l":{{(trade.TradeId * 3) + 2}},"T":{{trade.Time.ToUnixTimeMilliseconds()}},"m":{{(trade.Side == TakerSide.Sell ? "true" : "false")}},"M":true}""") + "}";
    }

    /// <summary>An element of a REST aggTrades page.</summary>
    public static string RestAggTrade(Trade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        return string.Create(CultureInfo.InvariantCulture,
            $$"""{"a":{{trade.TradeId}},"p":"{{trade.Price}}","q":"{{trade.Size}}","f":{{trade.TradeId * 3}},"l":{{(trade.TradeId * 3) + 2}},"T":{{trade.Time.ToUnixTimeMilliseconds()}},"m":{{(trade.Side == TakerSide.Sell ? "true" : "false")}},"M":true}""");
    }

    protected override void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        MapWebSocket(endpoints, "/stream", ServeAsync);
        MapWebSocket(endpoints, "/quiet", ServeQuietAsync);
        endpoints.MapGet("/api/v3/aggTrades", Rest);
    }

    protected override string AnswerSubscribe(string message, out bool refused)
    {
        using var json = JsonDocument.Parse(message);
        var id = json.RootElement.GetProperty("id").GetString();
        var streams = json.RootElement.GetProperty("params").EnumerateArray().Select(s => s.GetString()!).ToList();
        refused = streams.Contains(Symbol(Refused).ToLowerInvariant() + "@aggTrade");
        return refused
            ? $$"""{"error":{"code":2,"msg":"Invalid request: unknown stream {{streams[0]}}"},"id":"{{id}}"}"""
            : $$"""{"result":null,"id":"{{id}}"}""";
    }

    protected override string? AnswerOther(string message)
    {
        using var json = JsonDocument.Parse(message);
        if (json.RootElement.GetProperty("method").GetString() != "LIST_SUBSCRIPTIONS")
        {
            return null;
        }

        var id = json.RootElement.GetProperty("id").GetString();
        var streams = string.Join(",", Products.Select(p => "\"" + Symbol(p).ToLowerInvariant() + "@aggTrade\""));
        return $$"""{"result":[{{streams}}],"id":"{{id}}"}""";
    }

    protected override string TradeFrame(Trade trade) => AggTrade(trade);

    protected override string IdleFrame() =>
        "{\"stream\":\"" + Symbol(Products[0]).ToLowerInvariant() + "@bookTicker\",\"data\":{\"u\":1,\"s\":\"" + Symbol(Products[0]) + "\",\"b\":\"1.0\",\"B\":\"1\",\"a\":\"2.0\",\"A\":\"1\"}}";

    private IResult Rest(string symbol, long? fromId, int? limit, HttpContext context)
    {
        RestRequests.Enqueue(context.Request.Path + context.Request.QueryString);
        var trades = Products.Where(p => Symbol(p) == symbol).Select(TradesOf).FirstOrDefault();
        if (trades is null)
        {
            return Results.Text("""{"code":-1121,"msg":"Invalid symbol."}""", "application/json", statusCode: 400);
        }

        if (limit is < 1 or > 1000)
        {
            return Results.Text("""{"code":-1100,"msg":"Illegal characters found in parameter 'limit'."}""", "application/json", statusCode: 400);
        }

        var page = trades.Where(t => fromId is null || t.TradeId >= fromId).OrderBy(t => t.TradeId).Take(limit ?? 500);
        return Results.Text("[" + string.Join(",", page.Select(RestAggTrade)) + "]", "application/json");
    }
}
