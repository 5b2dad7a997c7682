using System.Collections.Concurrent;
using System.Globalization;
using BitcoinVolume.Contracts;
using Microsoft.AspNetCore.Routing;

namespace BitcoinVolume.TestSupport;

/// <summary>
/// A local Gemini market data v2 (<c>/v2/marketdata</c>) over a fixed list of trades per product whose ids rise with
/// holes (one id range shared by the products, as Gemini's <c>tid</c>). After the client's one subscribe it sends, per
/// product, the first <c>l2_updates</c> with a book and the product's RECENT trades (as Gemini does on every
/// subscription), a perpetual's first frame (BTCUSDCPERP, with a trade: not spot, must be ignored), then live
/// <c>trade</c> frames. Per connection (indexes, N = 40): 1: recent 0..4, live 5..19, DROPS. 2: recent 10..24 (10..19
/// again; 20..24 were missed while disconnected), live 25..29, then STALLS (no heartbeat). 3: recent 20..34, live
/// 35..39, then a <c>heartbeat</c> every 200 ms. No REST: the recent trades are all that covers a disconnection.
/// </summary>
public sealed class FakeGemini : FakeVenueServer
{
    public const int TradesPerProduct = 40;

    private FakeGemini(IReadOnlyList<string> products)
    {
        Trades = [.. products.Select((p, i) => TradeStream.OfProduct(p, 0, TradesPerProduct, seed: i + 71)
            .Select(t => t with
            {
                TradeId = 2_840_141_017_900_000 + (t.TradeId * 5) + i,
                Time = DateTimeOffset.FromUnixTimeMilliseconds(t.Time.ToUnixTimeMilliseconds()), // Gemini gives ms
                Venue = Venues.Gemini,
            }).ToList())];
    }

    public IReadOnlyList<List<Trade>> Trades { get; }

    public IEnumerable<Trade> AllTrades => Trades.SelectMany(t => t);

    public Uri Url => WebSocketUrl("/v2/marketdata");

    /// <summary>The client's messages (its subscribes), in order.</summary>
    public ConcurrentQueue<string> Received { get; } = new();

    public static async Task<FakeGemini> StartAsync(params string[] products)
    {
        var fake = new FakeGemini(products);
        await fake.StartServerAsync();
        return fake;
    }

    public static string Symbol(string product) => product.Replace("-", "", StringComparison.Ordinal);

    /// <summary>A <c>trade</c> frame (<c>side</c> is the taker's).</summary>
    public static string TradeFrame(Trade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        return string.Create(CultureInfo.InvariantCulture,
            $$"""{"type":"trade","symbol":"{{Symbol(trade.Product)}}","event_id":{{trade.TradeId + 7}},"timestamp":{{trade.Time.ToUnixTimeMilliseconds()}},"price":"{{trade.Price}}","quantity":"{{trade.Size}}","side":"{{(trade.Side == TakerSide.Buy ? "buy" : "sell")}}","tid":{{trade.TradeId}}}""");
    }

    /// <summary>The first <c>l2_updates</c> of a subscription: a two-level book and the recent trades (fields alphabetical, as Gemini's).</summary>
    public static string FirstFrame(string symbol, IEnumerable<Trade> recent) =>
        $$$"""{"auction_events":[],"changes":[["buy","59000.00","1.5"],["sell","61000.00","2.0"]],"symbol":"{{{symbol}}}","trades":[{{{string.Join(",", recent.Select(TradeFrame))}}}],"type":"l2_updates"}""";

    protected override void MapEndpoints(IEndpointRouteBuilder endpoints) => MapWebSocket(endpoints, "/v2/marketdata", ServeAsync);

    private async Task ServeAsync(FakeVenueConnection connection)
    {
        Received.Enqueue(await connection.ReceiveTextAsync());
        var (recentFrom, liveFrom, liveTo) = connection.Number switch
        {
            1 => (0, 5, 19),
            2 => (10, 25, 29),
            3 => (20, 35, TradesPerProduct - 1),
            _ => (TradesPerProduct, TradesPerProduct, TradesPerProduct - 1),
        };

        foreach (var list in Trades)
        {
            await connection.SendTextAsync(FirstFrame(Symbol(list[0].Product), list.Skip(recentFrom).Take(liveFrom - recentFrom)));
        }

        var perpetual = new Trade("BTC-USDC", 1_893_456_010_887_340, Trades[0][0].Time, 65283.0m, 0.0006m, TakerSide.Buy);
        await connection.SendTextAsync(FirstFrame("BTCUSDCPERP", [perpetual]).Replace("\"BTCUSDC\"", "\"BTCUSDCPERP\"", StringComparison.Ordinal));
        foreach (var trade in Enumerable.Range(liveFrom, Math.Max(0, liveTo - liveFrom + 1)).SelectMany(i => Trades.Select(list => list[i])))
        {
            await connection.SendTextAsync(TradeFrame(trade));
        }

        switch (connection.Number)
        {
            case 1:
                await connection.DropAsync(TimeSpan.FromMilliseconds(200));
                return;
            case 2:
                await connection.StallAsync();
                return;
        }

        while (true)
        {
            await connection.SendTextAsync(string.Create(CultureInfo.InvariantCulture, $$"""{"type":"heartbeat","timestamp":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}}"""));
            await Task.Delay(200, connection.Closed);
        }
    }
}
