using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using BitcoinVolume.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace BitcoinVolume.TestSupport;

/// <summary>
/// A local Bybit v5 market, spot (<c>bybit</c>) or USDT linear perpetuals (<c>bybit-linear</c>): the public websocket at
/// <c>/v5/public/spot</c> or <c>/v5/public/linear</c>, REST <c>GET /v5/market/instruments-info?category=</c> and
/// <c>GET /v5/market/recent-trade?category=&amp;symbol=&amp;limit=</c> (the latest trades only, newest first; spot
/// limit ≤ 60, linear ≤ 1000), frames as <see cref="BybitFrames"/> writes them. Each subscribe request
/// (<c>{"op":"subscribe","req_id":…,"args":["publicTrade.X"]}</c>) gets one reply echoing its <c>req_id</c>: success
/// for a product of the fake, <c>success:false</c> for any other symbol (<see cref="RefusedProduct"/>'s, on every
/// connection); <c>{"op":"ping"}</c> gets the pong (except while stalling).
/// <para>
/// Trades per product (N = <see cref="TradesPerProduct"/>): spot ids are numeric and rise with holes (one counter over the
/// products, as Bybit's spot ids); linear ids are UUIDs (<see cref="Trade.TextId"/>) and <see cref="Trade.TradeId"/> is
/// <c>seq</c>, which each pair of trades of one match shares. Trades are sent a few per frame (every 7th is a block
/// trade, <c>BT</c> true). The plan per connection, by index:
/// 1: 0..19, then trade 10 again (a duplicate), then DROPS: 20..24 (<see cref="LostTrades"/>) are never sent.
/// 2: 19 again (a repeat across the reconnect), 25..29, then STALLS (silent; pings unanswered).
/// 3: 30..N−1, then pongs only. Later connections: pongs only.
/// </para>
/// <para>A QUIET market (<see cref="StartQuietAsync"/>) sends no trade on any connection: only replies and pongs.</para>
/// </summary>
public sealed class FakeBybit : FakeVenueServer
{
    public const int TradesPerProduct = 40;

    /// <summary>The indexes never sent (lost while the first connection drops).</summary>
    public const int FirstLost = 20, LastLost = 24;

    private int pings;
    private int pongs;
    private int unanswered;
    private int refusals;
    private long stallEndedTicks;

    private FakeBybit(string venue, IReadOnlyList<string> products, string refused, bool quiet)
    {
        Quiet = quiet;
        if (venue is not (Venues.Bybit or Venues.BybitLinear))
        {
            throw new ArgumentException($"'{venue}' is not a Bybit market", nameof(venue));
        }

        Venue = venue;
        Linear = venue == Venues.BybitLinear;
        Products = products;
        RefusedProduct = refused;
        Trades = [.. products.Select(MakeTrades)];
    }

    /// <summary><c>bybit</c> or <c>bybit-linear</c>.</summary>
    public string Venue { get; }

    public bool Linear { get; }

    /// <summary>No trades at all: every connection gets only its replies and pongs.</summary>
    public bool Quiet { get; }

    /// <summary>The products the market has (and trades).</summary>
    public IReadOnlyList<string> Products { get; }

    /// <summary>A product the market does not have: its subscription is refused.</summary>
    public string RefusedProduct { get; }

    /// <summary>The market's trades per product (taker side, venue set: as ingest must produce them).</summary>
    public IReadOnlyList<List<Trade>> Trades { get; }

    /// <summary>The trades the fake sends over its websocket (all but <see cref="LostTrades"/>), each once.</summary>
    public IEnumerable<Trade> SentTrades => Quiet ? [] : Trades.SelectMany(list => list.Where((_, i) => i is < FirstLost or > LastLost));

    /// <summary>The trades lost in the drop: never sent on any connection (REST still has them).</summary>
    public IEnumerable<Trade> LostTrades => Trades.SelectMany(list => list.Where((_, i) => i is >= FirstLost and <= LastLost));

    /// <summary>The public websocket of the market.</summary>
    public Uri Url => WebSocketUrl("/v5/public/" + BybitFrames.Category(Linear));

    /// <summary>The client's messages other than pings (its subscribe requests), in order.</summary>
    public ConcurrentQueue<string> Subscribes { get; } = new();

    /// <summary>REST requests received (path and query).</summary>
    public ConcurrentQueue<string> RestRequests { get; } = new();

    /// <summary>Pings received, pongs sent, and pings left unanswered while stalling.</summary>
    public (int Pings, int Pongs, int Unanswered) PingCounts => (Volatile.Read(ref pings), Volatile.Read(ref pongs), Volatile.Read(ref unanswered));

    /// <summary>Refusals sent (one per connection).</summary>
    public int RefusalsSent => Volatile.Read(ref refusals);

    /// <summary>How long the stalled connection stayed silent before the client ended it (null until it did).</summary>
    public TimeSpan? StallEndedAfter => Interlocked.Read(ref stallEndedTicks) is var t and not 0 ? TimeSpan.FromTicks(t) : null;

    public static async Task<FakeBybit> StartAsync(string venue, string refused, params string[] products)
    {
        var fake = new FakeBybit(venue, products, refused, quiet: false);
        await fake.StartServerAsync();
        return fake;
    }

    /// <summary>A market where nothing trades: the connections carry only the subscribe replies and the pongs.</summary>
    public static async Task<FakeBybit> StartQuietAsync(string venue, string refused, params string[] products)
    {
        var fake = new FakeBybit(venue, products, refused, quiet: true);
        await fake.StartServerAsync();
        return fake;
    }

    protected override void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        MapWebSocket(endpoints, "/v5/public/" + BybitFrames.Category(Linear), ServeAsync);
        endpoints.MapGet("/v5/market/instruments-info", (string? category, HttpContext context) =>
        {
            RestRequests.Enqueue(context.Request.Path + context.Request.QueryString);
            return Json(category != BybitFrames.Category(Linear)
                ? BybitFrames.Error(10001, "params error: category is invalid")
                : BybitFrames.Instruments(Linear, Products));
        });
        endpoints.MapGet("/v5/market/recent-trade", (string? category, string? symbol, int? limit, HttpContext context) =>
        {
            RestRequests.Enqueue(context.Request.Path + context.Request.QueryString);
            var max = Linear ? 1000 : 60;
            var trades = Trades.FirstOrDefault(t => BybitFrames.Symbol(t[0].Product) == symbol);
            if (category != BybitFrames.Category(Linear) || limit is < 1 || limit > max)
            {
                return Json(BybitFrames.Error(10001, "params error"));
            }

            return trades is null
                ? Json(BybitFrames.Error(10001, "params error: Symbol Invalid"))
                : Json(BybitFrames.RecentTrades(Linear, trades.AsEnumerable().Reverse().Take(limit ?? (Linear ? 500 : 60))));
        });
    }

    private static IResult Json(string body) => Results.Text(body, "application/json");

    private List<Trade> MakeTrades(string product, int index)
    {
        var uuids = new Random(index + 71);
        var trades = TradeStream.OfProduct(product, 0, TradesPerProduct, seed: index + 61).Select((t, k) => t with
        {
            Venue = Venue,
            Time = DateTimeOffset.FromUnixTimeMilliseconds(t.Time.ToUnixTimeMilliseconds()),
            TradeId = Linear ? 1_783_284_617 + ((k / 2) * 7) + index : 2_290_000_000_061_666_327 + (k * 5) + index,
            TextId = Linear ? NewUuid(uuids) : null,
        }).ToList();
        if (Linear)
        {
            // The two trades of a match share its seq and its time.
            for (var k = 1; k < trades.Count; k += 2)
            {
                trades[k] = trades[k] with { Time = trades[k - 1].Time };
            }
        }

        return trades;
    }

    private static string NewUuid(Random random)
    {
        var bytes = new byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes).ToString("D", CultureInfo.InvariantCulture);
    }

    private async Task ServeAsync(FakeVenueConnection connection)
    {
        var session = new Session(this, connection);

        // One subscribe request per product (the fake's and the refused one); pings may come in between.
        for (var pending = Products.Count + 1; pending > 0;)
        {
            var message = await connection.ReceiveTextAsync();
            var (op, reqId, topic) = BybitFrames.Request(message);
            if (op == "ping")
            {
                await session.PongAsync();
                continue;
            }

            Subscribes.Enqueue(message);
            var known = op == "subscribe" && Products.Any(p => BybitFrames.Topic(p) == topic);
            if (!known)
            {
                Interlocked.Increment(ref refusals);
            }

            await session.SendAsync(BybitFrames.SubscribeReply(Linear, reqId, known, session.ConnId));
            pending--;
        }

        var answering = session.AnswerPingsAsync();
        try
        {
            switch (Quiet ? 0 : connection.Number)
            {
                case 1:
                    await session.SendTradesAsync(0, 19);
                    await session.SendTradesAsync(10, 10); // a duplicate
                    await connection.DropAsync(TimeSpan.FromMilliseconds(200));
                    return;
                case 2:
                    await session.SendTradesAsync(19, 19); // a repeat across the reconnect
                    await session.SendTradesAsync(LastLost + 1, 29);
                    session.Silent = true;
                    var silent = Stopwatch.StartNew();
                    try
                    {
                        await connection.StallAsync();
                    }
                    finally
                    {
                        Interlocked.Exchange(ref stallEndedTicks, silent.Elapsed.Ticks);
                    }

                    return;
                case 3:
                    await session.SendTradesAsync(30, TradesPerProduct - 1);
                    break;
            }

            await Task.Delay(Timeout.Infinite, connection.Closed);
        }
        finally
        {
            await answering.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>One connection's sending side: one sender at a time (the plan and the pong answers share the socket).</summary>
    private sealed class Session(FakeBybit fake, FakeVenueConnection connection)
    {
        private readonly SemaphoreSlim sending = new(1, 1);

        public string ConnId { get; } = $"fake{connection.Number:D4}-aa4d-45b0-a858-7b8be29ab52b";

        /// <summary>Stalling: pings are read and counted, not answered.</summary>
        public volatile bool Silent;

        public async Task SendAsync(string frame)
        {
            await sending.WaitAsync(connection.Closed);
            try
            {
                await connection.SendTextAsync(frame);
            }
            finally
            {
                sending.Release();
            }
        }

        public async Task PongAsync()
        {
            Interlocked.Increment(ref fake.pings);
            if (Silent)
            {
                Interlocked.Increment(ref fake.unanswered);
                return;
            }

            await SendAsync(BybitFrames.Pong(fake.Linear, ConnId));
            Interlocked.Increment(ref fake.pongs);
        }

        /// <summary>Reads the client's later messages: pings are answered (unless <see cref="Silent"/>), anything else recorded.</summary>
        public async Task AnswerPingsAsync()
        {
            await Task.Yield();
            try
            {
                while (true)
                {
                    var message = await connection.ReceiveTextAsync();
                    if (BybitFrames.Request(message).Op == "ping")
                    {
                        await PongAsync();
                    }
                    else
                    {
                        fake.Subscribes.Enqueue(message);
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
            {
                // The connection ended.
            }
        }

        /// <summary>Trades at indexes <paramref name="from"/>..<paramref name="to"/> of every product: up to 3 of a product per frame, products interleaved.</summary>
        public async Task SendTradesAsync(int from, int to)
        {
            for (var start = from; start <= to; start += 3)
            {
                var end = Math.Min(start + 2, to);
                foreach (var list in fake.Trades)
                {
                    await SendAsync(BybitFrames.TradeFrame(fake.Linear, list.GetRange(start, end - start + 1), t => list.IndexOf(t) % 7 == 3));
                }
            }
        }
    }
}
