using System.Collections.Concurrent;
using BitcoinVolume.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace BitcoinVolume.TestSupport;

/// <summary>
/// A local Kraken (websocket v2 at <c>/v2</c> + REST <c>/0/public/Trades</c>) over a fixed list of trades per product
/// (contiguous ids, as Kraken's). It refuses the subscription of <see cref="RefusedProduct"/> on every connection and
/// plays, per connection (indexes into each product's trades, N = 60):
/// 1: acks, snapshot 0..4, updates 5..19, SKIPS 20..29 (REST serves them), 30..39, repeats 35..39, DROPS.
/// 2: snapshot 35..39 (overlap), 40..49, then STALLS (no heartbeats).
/// 3: snapshot 45..49, 50..59, then heartbeats forever. Later connections: snapshot 55..59, heartbeats.
/// </summary>
public sealed class FakeKraken : FakeVenueServer
{
    public const int TradesPerProduct = 60;

    private FakeKraken(IReadOnlyList<string> products, string refused)
    {
        Products = products;
        RefusedProduct = refused;
        Trades = [.. products.Select((p, i) => TradeStream.OfProduct(p, 5_000_000 * (i + 1), TradesPerProduct, seed: i + 31).Select(t => t with { Venue = Venues.Kraken }).ToList())];
    }

    public IReadOnlyList<string> Products { get; }

    /// <summary>The product whose subscription is refused (it has no trades).</summary>
    public string RefusedProduct { get; }

    public IReadOnlyList<List<Trade>> Trades { get; }

    public IEnumerable<Trade> AllTrades => Trades.SelectMany(t => t);

    public Uri Url => WebSocketUrl("/v2");

    public ConcurrentQueue<string> Subscriptions { get; } = new();

    public ConcurrentQueue<string> RestRequests { get; } = new();

    public static async Task<FakeKraken> StartAsync(string refused, params string[] products)
    {
        var fake = new FakeKraken(products, refused);
        await fake.StartServerAsync();
        return fake;
    }

    protected override void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        MapWebSocket(endpoints, "/v2", ServeAsync);
        endpoints.MapGet("/0/public/Trades", (string pair, long? since, int? count, HttpContext context) =>
        {
            RestRequests.Enqueue(context.Request.Path + context.Request.QueryString);
            var trades = Trades.FirstOrDefault(t => RestPair(t[0].Product) == pair);
            return trades is null
                ? Results.Text("""{"error":["EQuery:Unknown asset pair"]}""", "application/json")
                : Results.Text(KrakenFrames.RestAnswer("X" + pair, trades, since, Math.Clamp(count ?? 1000, 1, 1000)), "application/json");
        });
    }

    private static string RestPair(string product) => product.Replace("BTC", "XBT", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);

    private async Task ServeAsync(FakeVenueConnection connection)
    {
        var subscribe = await connection.ReceiveTextAsync();
        Subscriptions.Enqueue(subscribe);
        await connection.SendTextAsync("""{"channel":"status","data":[{"api_version":"v2","connection_id":1,"system":"online","version":"2.0.0"}],"type":"update"}""");
        foreach (var symbol in KrakenFrames.SubscribedSymbols(subscribe))
        {
            await connection.SendTextAsync(symbol == KrakenFrames.Symbol(RefusedProduct) ? KrakenFrames.Refused(symbol) : KrakenFrames.Subscribed(symbol));
        }

        switch (connection.Number)
        {
            case 1:
                await SendAsync(connection, "snapshot", 0, 4);
                for (var i = 5; i <= 19; i += 3)
                {
                    await SendAsync(connection, "update", i, Math.Min(19, i + 2));
                }

                await connection.SendTextAsync(KrakenFrames.Heartbeat);
                await SendAsync(connection, "update", 30, 39);
                await SendAsync(connection, "update", 35, 39); // a repeat
                await connection.DropAsync(TimeSpan.FromMilliseconds(200));
                return;
            case 2:
                await SendAsync(connection, "snapshot", 35, 39);
                await SendAsync(connection, "update", 40, 49);
                await connection.StallAsync();
                return;
            case 3:
                await SendAsync(connection, "snapshot", 45, 49);
                await SendAsync(connection, "update", 50, TradesPerProduct - 1);
                break;
            default:
                await SendAsync(connection, "snapshot", TradesPerProduct - 5, TradesPerProduct - 1);
                break;
        }

        while (!connection.Closed.IsCancellationRequested)
        {
            await Task.Delay(200, connection.Closed);
            await connection.SendTextAsync(KrakenFrames.Heartbeat);
        }
    }

    private Task SendAsync(FakeVenueConnection connection, string type, int from, int to) =>
        connection.SendTextAsync(KrakenFrames.Trades(type, Enumerable.Range(from, to - from + 1).SelectMany(i => Trades.Select(list => list[i]))));
}
