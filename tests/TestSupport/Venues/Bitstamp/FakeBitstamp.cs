using System.Collections.Concurrent;
using BitcoinVolume.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace BitcoinVolume.TestSupport;

/// <summary>
/// A local Bitstamp (websocket v2 at <c>/</c> + REST <c>/api/v2/transactions/{pair}/</c>) over a fixed list of trades per
/// product whose ids rise with holes (one id sequence shared by the products, as Bitstamp's). It refuses
/// <see cref="RefusedProduct"/>'s channel with <c>bts:error</c> on every connection, answers the client's
/// <c>bts:heartbeat</c> (except while stalling), and plays per connection (indexes, N = 40):
/// 1: 0..19, a repeat of 15, DROPS. 2: 15..29 (overlap), then STALLS (heartbeats unanswered).
/// 3: 25..39, then <c>bts:request_reconnect</c>. Later: heartbeat answers only.
/// </summary>
public sealed class FakeBitstamp : FakeVenueServer
{
    public const int TradesPerProduct = 40;

    private int heartbeats;

    private FakeBitstamp(IReadOnlyList<string> products, string refused)
    {
        Products = products;
        RefusedProduct = refused;
        Trades = [.. products.Select((p, i) => TradeStream.OfProduct(p, 0, TradesPerProduct, seed: i + 51)
            .Select(t => t with { TradeId = 216_000_000 + (t.TradeId * 7) + i, Venue = Venues.Bitstamp }).ToList())];
    }

    public IReadOnlyList<string> Products { get; }

    public string RefusedProduct { get; }

    public IReadOnlyList<List<Trade>> Trades { get; }

    public IEnumerable<Trade> AllTrades => Trades.SelectMany(t => t);

    public Uri Url => WebSocketUrl("/");

    public ConcurrentQueue<string> Subscriptions { get; } = new();

    public ConcurrentQueue<string> RestRequests { get; } = new();

    /// <summary>Client heartbeats received (its application ping).</summary>
    public int Heartbeats => Volatile.Read(ref heartbeats);

    public static async Task<FakeBitstamp> StartAsync(string refused, params string[] products)
    {
        var fake = new FakeBitstamp(products, refused);
        await fake.StartServerAsync();
        return fake;
    }

    protected override void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        MapWebSocket(endpoints, "/", ServeAsync);
        endpoints.MapGet("/api/v2/transactions/{pair}/", (string pair, HttpContext context) =>
        {
            RestRequests.Enqueue(context.Request.Path + context.Request.QueryString);
            var trades = Trades.FirstOrDefault(t => BitstampFrames.Symbol(t[0].Product) == pair);
            return trades is null ? Results.NotFound() : Results.Text(BitstampFrames.RestAnswer(trades), "application/json");
        });
    }

    private async Task ServeAsync(FakeVenueConnection connection)
    {
        // One bts:subscribe per product (the fake's products and the refused one); answer each (the client's heartbeats may come in between).
        var pending = Products.Count + 1;
        while (pending > 0)
        {
            var message = await connection.ReceiveTextAsync();
            if (BitstampFrames.SubscribedChannel(message) is not { } channel)
            {
                Interlocked.Increment(ref heartbeats);
                await connection.SendTextAsync(BitstampFrames.HeartbeatAnswer);
                continue;
            }

            Subscriptions.Enqueue(message);
            await connection.SendTextAsync(channel == "live_trades_" + BitstampFrames.Symbol(RefusedProduct) ? BitstampFrames.Refused(channel) : BitstampFrames.Subscribed(channel));
            pending--;
        }

        switch (connection.Number)
        {
            case 1:
                await SendAsync(connection, 0, 19);
                await SendAsync(connection, 15, 15); // a repeat
                await connection.DropAsync(TimeSpan.FromMilliseconds(200));
                return;
            case 2:
                await SendAsync(connection, 15, 29);
                await connection.StallAsync();
                return;
            case 3:
                await SendAsync(connection, 25, TradesPerProduct - 1);
                await connection.SendTextAsync(BitstampFrames.RequestReconnect);
                break;
        }

        while (true)
        {
            var message = await connection.ReceiveTextAsync();
            if (BitstampFrames.SubscribedChannel(message) is null)
            {
                Interlocked.Increment(ref heartbeats);
                await connection.SendTextAsync(BitstampFrames.HeartbeatAnswer);
            }
        }
    }

    private async Task SendAsync(FakeVenueConnection connection, int from, int to)
    {
        foreach (var trade in Enumerable.Range(from, to - from + 1).SelectMany(i => Trades.Select(list => list[i])))
        {
            await connection.SendTextAsync(BitstampFrames.Trade(trade));
        }
    }
}
