using System.Globalization;
using System.Text.Json;
using BitcoinVolume.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace BitcoinVolume.TestSupport;

/// <summary>
/// A local OKX v5: the business websocket at <c>/ws/v5/business</c> answering each <c>subscribe</c> with the
/// <c>subscribe</c> event — or, for the refused product, OKX's <c>error</c> event (code 60018, "…instId:X doesn't
/// exist…") — and text <c>ping</c> with <c>pong</c>; <c>trades-all</c> pushes along the <see cref="ScriptedVenueFake"/>
/// plan (idle frames: <c>pong</c>); REST <c>GET /api/v5/market/history-trades?instId=&amp;type=1&amp;after=&amp;limit=</c>
/// (ids below <c>after</c>, newest first, limit ≤ 100).
/// </summary>
public sealed class FakeOkx : ScriptedVenueFake
{
    private FakeOkx(IReadOnlyList<string> products, string refused)
        : base(Venues.Okx, products, refused)
    {
    }

    public Uri BusinessUrl => WebSocketUrl("/ws/v5/business");

    /// <summary>A business socket on which nothing trades (subscribe and ping answers only).</summary>
    public Uri QuietUrl => WebSocketUrl("/quiet");

    /// <summary>Pings received.</summary>
    public int Pings => pings;

    private int pings;

    public static async Task<FakeOkx> StartAsync(string refused, params string[] products)
    {
        var fake = new FakeOkx(products, refused);
        await fake.StartServerAsync();
        return fake;
    }

    /// <summary>One <c>trades-all</c> push of a trade (<c>side</c> is the taker's).</summary>
    public static string TradesAll(Trade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        return string.Create(CultureInfo.InvariantCulture,
            $$"""{"arg":{"channel":"trades-all","instId":"{{trade.Product}}"},"data":[{"instId":"{{trade.Product}}","tradeId":"{{trade.TradeId}}","px":"{{trade.Price}}","sz":"{{trade.Size}}","side":"{{Side(trade)}}","source":"0","ts":"{{trade.Time.ToUnixTimeMilliseconds()}}"}]}""");
    }

    /// <summary>An element of a REST history-trades page.</summary>
    public static string RestTrade(Trade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        return string.Create(CultureInfo.InvariantCulture,
            $$"""{"instId":"{{trade.Product}}","side":"{{Side(trade)}}","sz":"{{trade.Size}}","px":"{{trade.Price}}","source":"0","tradeId":"{{trade.TradeId}}","ts":"{{trade.Time.ToUnixTimeMilliseconds()}}"}""");
    }

    protected override void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        MapWebSocket(endpoints, "/ws/v5/business", ServeAsync);
        MapWebSocket(endpoints, "/quiet", ServeQuietAsync);
        endpoints.MapGet("/api/v5/market/history-trades", Rest);
    }

    protected override string? AnswerOther(string message)
    {
        if (message != "ping")
        {
            return null;
        }

        Interlocked.Increment(ref pings);
        return "pong";
    }

    protected override string AnswerSubscribe(string message, out bool refused)
    {
        using var json = JsonDocument.Parse(message);
        var id = json.RootElement.GetProperty("id").GetString();
        var arg = json.RootElement.GetProperty("args")[0];
        var instId = arg.GetProperty("instId").GetString();
        refused = instId == Refused;
        return refused
            ? $$"""{"id":"{{id}}","event":"error","code":"60018","msg":"Wrong URL or channel:{{arg.GetProperty("channel").GetString()}},instId:{{instId}} doesn't exist. Please use the correct URL, channel and parameters referring to API document.","connId":"5c3b8b9c"}"""
            : $$"""{"id":"{{id}}","event":"subscribe","arg":{"channel":"{{arg.GetProperty("channel").GetString()}}","instId":"{{instId}}"},"connId":"5c3b8b9c"}""";
    }

    protected override string TradeFrame(Trade trade) => TradesAll(trade);

    protected override string IdleFrame() => "pong";

    private static string Side(Trade trade) => trade.Side == TakerSide.Buy ? "buy" : "sell";

    private IResult Rest(string instId, string? type, long? after, int? limit, HttpContext context)
    {
        RestRequests.Enqueue(context.Request.Path + context.Request.QueryString);
        var trades = TradesOf(instId);
        if (trades is null)
        {
            return Results.Text("""{"code":"51001","msg":"Instrument ID does not exist","data":[]}""", "application/json");
        }

        if (limit is < 1 or > 100 || type is not (null or "1"))
        {
            return Results.Text("""{"code":"51000","msg":"Parameter limit error","data":[]}""", "application/json", statusCode: 400);
        }

        var page = trades.Where(t => after is null || t.TradeId < after).OrderByDescending(t => t.TradeId).Take(limit ?? 100);
        return Results.Text("{\"code\":\"0\",\"msg\":\"\",\"data\":[" + string.Join(",", page.Select(RestTrade)) + "]}", "application/json");
    }
}
