using System.Collections.Concurrent;
using System.Globalization;
using BitcoinVolume.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace BitcoinVolume.TestSupport;

/// <summary>Which Coinbase websocket protocol a connection speaks.</summary>
public enum FakeProtocol
{
    Exchange,
    AdvancedTrade,
}

/// <summary>What a <see cref="FakeCoinbase"/> plays (its connection scripts).</summary>
public enum FakeCoinbaseScenario
{
    /// <summary>Drops, skipped id ranges, stalls, several trades a frame, repeats, malformed and unknown-type frames (see the scripts).</summary>
    Default,

    /// <summary>
    /// Advanced Trade: connection 1 LOSES the frame of trades 40..44 (its <c>sequence_num</c> is skipped, nothing else
    /// shows it: only heartbeats follow); a new connection's snapshot (35..44) holds them, then trades to the end.
    /// </summary>
    LostFrame,

    /// <summary>Both protocols: one frame of about 9 MiB (every trade of every product and padding), then heartbeats.</summary>
    LargeFrame,

    /// <summary>
    /// Both protocols, every connection: the subscription is answered with Coinbase's refusal
    /// (<c>{"type":"error","message":"Failed to subscribe","reason":"X is not a valid product"}</c>, X =
    /// <see cref="FakeCoinbase.RefusedProduct"/>); the Exchange socket then goes silent (the whole subscription failed),
    /// Advanced Trade keeps sending heartbeats (market_trades refused, heartbeats flowing: a socket that looks alive).
    /// </summary>
    Refused,
}

/// <summary>
/// A local Coinbase (a <see cref="FakeVenueServer"/>) that speaks both websocket protocols — Exchange at <c>/exchange</c>
/// (<c>matches</c> + <c>heartbeat</c>), Advanced Trade at <c>/advanced</c> (<c>market_trades</c> + <c>heartbeats</c>) —
/// and the REST trades endpoint <c>GET /products/{id}/trades</c> with Coinbase's cursor pagination. It owns a fixed
/// list of trades per product and plays a scripted sequence of connections over it that misbehaves the way the real
/// feed does: it drops a connection mid-stream, skips ranges of trade ids (REST serves them), stalls without
/// heartbeats, sends frames carrying several trades, repeats trades (last_match, snapshots, reconnect overlap), and
/// sends malformed frames and frames of types it has just invented (to be ignored). Advanced Trade numbers every frame of
/// a connection (<c>sequence_num</c> from 0), and serves a product <c>X-USDC</c> as <c>X-USD</c> like Coinbase: it
/// sends its own products whatever is subscribed, and REST answers <c>X-USDC</c> with <c>X-USD</c>'s trades. For the
/// ingest tests; <see cref="StreamingCoinbase"/> is the one for long runs.
/// </summary>
public sealed class FakeCoinbase : FakeVenueServer
{
    /// <summary>Trades per product.</summary>
    public const int TradesPerProduct = 120;

    /// <summary>The product the <see cref="FakeCoinbaseScenario.Refused"/> scenario refuses.</summary>
    public const string RefusedProduct = "BTC-XXX";

    /// <summary>The size of the <see cref="FakeCoinbaseScenario.LargeFrame"/> frame.</summary>
    public const int LargeFrameBytes = 9 * 1024 * 1024;

    private int failingRestRequests;
    private int failedRestRequests;

    private FakeCoinbase(IReadOnlyList<string> products, FakeCoinbaseScenario scenario)
    {
        Scenario = scenario;
        Products = products;
        Trades = products.Select((p, i) => TradeStream.OfProduct(p, 100_000 * (i + 3), TradesPerProduct, seed: i + 11)).ToList();
    }

    public IReadOnlyList<string> Products { get; }

    public FakeCoinbaseScenario Scenario { get; }

    /// <summary>The exchange's trades (taker side, as ingest must produce them), per product in id order.</summary>
    public IReadOnlyList<List<Trade>> Trades { get; }

    public IEnumerable<Trade> AllTrades => Trades.SelectMany(t => t);

    public Uri ExchangeUrl => WebSocketUrl("/exchange");

    public Uri AdvancedTradeUrl => WebSocketUrl("/advanced");

    /// <summary>Subscribe messages received, in order.</summary>
    public ConcurrentQueue<string> Subscriptions { get; } = new();

    /// <summary>REST requests received (path and query).</summary>
    public ConcurrentQueue<string> RestRequests { get; } = new();

    /// <summary>
    /// How many of the next REST requests fail (HTTP 400, not a transient error: the client's resilience handler does not
    /// retry it, each failure is one backfill attempt); <see cref="int.MaxValue"/> = every one. 0 by default.
    /// </summary>
    public int FailingRestRequests
    {
        get => Volatile.Read(ref failingRestRequests);
        set => Volatile.Write(ref failingRestRequests, value);
    }

    /// <summary>REST requests answered with a failure (<see cref="FailingRestRequests"/>).</summary>
    public int FailedRestRequests => Volatile.Read(ref failedRestRequests);

    /// <summary>The malformed frames sent (raw text) with the dead-letter reason ingest must give them.</summary>
    public ConcurrentQueue<(string Reason, string Raw)> MalformedSent { get; } = new();

    /// <summary>The frames of a named type Coinbase might add any day (raw text): ingest must ignore them, not dead-letter them.</summary>
    public ConcurrentQueue<string> UnknownTypesSent { get; } = new();

    /// <summary>Advanced Trade sequence numbers skipped (frames lost) by the <see cref="FakeCoinbaseScenario.LostFrame"/> script.</summary>
    public ConcurrentQueue<long> SequenceSkipped { get; } = new();

    /// <summary>Bytes of the largest frame sent.</summary>
    public int LargestFrameSent { get; private set; }

    public static Task<FakeCoinbase> StartAsync(params string[] products) => StartAsync(FakeCoinbaseScenario.Default, products);

    public static async Task<FakeCoinbase> StartAsync(FakeCoinbaseScenario scenario, params string[] products)
    {
        var fake = new FakeCoinbase(products, scenario);
        await fake.StartServerAsync();
        return fake;
    }

    protected override void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        MapWebSocket(endpoints, "/exchange", connection => ServeAsync(connection, FakeProtocol.Exchange));
        MapWebSocket(endpoints, "/advanced", connection => ServeAsync(connection, FakeProtocol.AdvancedTrade));
        endpoints.MapGet("/products/{product}/trades", Rest);
    }

    private IResult Rest(string product, int? limit, long? after, long? before, HttpContext context)
    {
        RestRequests.Enqueue(context.Request.Path + context.Request.QueryString);
        if (FailingRestRequests == int.MaxValue || Interlocked.Decrement(ref failingRestRequests) >= 0)
        {
            Interlocked.Increment(ref failedRestRequests);
            return Results.BadRequest(new { message = "the fake REST endpoint fails this request (FailingRestRequests)" });
        }

        Interlocked.CompareExchange(ref failingRestRequests, 0, -1);
        // Coinbase serves X-USDC as X-USD (one book): the USD product's trades (a REST page names no product).
        var trades = Trades.FirstOrDefault(t => t[0].Product == product)
            ?? (product.EndsWith("-USDC", StringComparison.Ordinal) ? Trades.FirstOrDefault(t => t[0].Product == product[..^1]) : null);
        return CoinbaseFrames.RestAnswer(context, trades is not null, limit, max => CoinbaseFrames.Select(trades!, after, before, max));
    }

    private async Task ServeAsync(FakeVenueConnection connection, FakeProtocol protocol)
    {
        for (var i = 0; i < (protocol == FakeProtocol.Exchange ? 1 : 2); i++)
        {
            Subscriptions.Enqueue(await connection.ReceiveTextAsync());
        }

        var script = protocol == FakeProtocol.Exchange ? new ExchangeScript(this) : (Script)new AdvancedTradeScript(this);
        foreach (var step in script.Connection(connection.Number))
        {
            switch (step)
            {
                case Send send:
                    LargestFrameSent = Math.Max(LargestFrameSent, send.Frame.Length);
                    await connection.SendTextAsync(send.Frame);
                    break;
                case Drop:
                    // Let the client read what was sent (an abort may discard unread bytes), then vanish without a close handshake.
                    await connection.DropAsync(TimeSpan.FromMilliseconds(200));
                    return;
                case Stall:
                    await connection.StallAsync(); // silent: no trades, no heartbeats
                    return;
                case HeartbeatForever heartbeat:
                    while (!connection.Closed.IsCancellationRequested)
                    {
                        await Task.Delay(200, connection.Closed);
                        foreach (var frame in heartbeat.Frames())
                        {
                            await connection.SendTextAsync(frame);
                        }
                    }

                    return;
            }
        }
    }

    /// <summary>What the server does next on a connection.</summary>
    private abstract record Step;

    private sealed record Send(string Frame) : Step;

    private sealed record Drop : Step;

    private sealed record Stall : Step;

    private sealed record HeartbeatForever(Func<IEnumerable<string>> Frames) : Step;

    /// <summary>
    /// The connection plan, the same for both protocols (indexes into each product's trade list; N = 120):
    /// 1: baseline at 0 (last_match / snapshot of 0..9), trades up to 39 with malformed frames among them, then SKIPS
    ///    40..59, sends 60..69 and DROPS the connection.
    /// 2: reconnect: the exchange moved on while we were away (last_match 79 / snapshot 72..81), overlap, trades up to
    ///    90, (Exchange: a heartbeat announcing 95), then STALLS without heartbeats.
    /// 3: last_match 100 / snapshot 95..104, trades to the end, heartbeats forever. Later connections: heartbeats.
    /// </summary>
    private abstract class Script(FakeCoinbase server)
    {
        private long sequence = -1;

        protected FakeCoinbase Server { get; } = server;

        public IEnumerable<Step> Connection(int number)
        {
            if (Server.Scenario == FakeCoinbaseScenario.Refused)
            {
                yield return new Send($$"""{"type":"error","message":"Failed to subscribe","reason":"{{RefusedProduct}} is not a valid product"}""");
                foreach (var step in AfterRefusal())
                {
                    yield return step;
                }

                yield break;
            }

            yield return new Send(Subscriptions());
            var steps = (Server.Scenario, number) switch
            {
                (FakeCoinbaseScenario.LargeFrame, 1) => Large(),
                (FakeCoinbaseScenario.LargeFrame, _) => Later(),
                (FakeCoinbaseScenario.LostFrame, 1) => LosesAFrame(),
                (FakeCoinbaseScenario.LostFrame, 2) => RecoversTheLostFrame(),
                (FakeCoinbaseScenario.LostFrame, _) => Later(),
                (_, 1) => First(),
                (_, 2) => Second(),
                (_, 3) => Third(),
                _ => Later(),
            };
            foreach (var step in steps)
            {
                yield return step;
            }
        }

        protected abstract string Subscriptions();

        /// <summary>What follows a refused subscription: Exchange nothing, Advanced Trade heartbeats.</summary>
        protected abstract IEnumerable<Step> AfterRefusal();

        /// <summary>The connection's next sequence number (Advanced Trade <c>sequence_num</c> counts every frame of a connection from 0).</summary>
        protected long NextSequence() => ++sequence;

        /// <summary>One frame of about <see cref="LargeFrameBytes"/> with every trade of every product, then heartbeats.</summary>
        protected abstract IEnumerable<Step> Large();

        protected virtual IEnumerable<Step> LosesAFrame() => throw new NotSupportedException("LostFrame is an Advanced Trade scenario");

        protected virtual IEnumerable<Step> RecoversTheLostFrame() => throw new NotSupportedException("LostFrame is an Advanced Trade scenario");

        protected static string Padding(int bytes) => new('p', Math.Max(0, bytes));

        protected abstract IEnumerable<Step> First();

        protected abstract IEnumerable<Step> Second();

        protected abstract IEnumerable<Step> Third();

        protected abstract IEnumerable<Step> Later();

        /// <summary>Trades at indexes <paramref name="from"/>..<paramref name="to"/> of every product, interleaved.</summary>
        protected IEnumerable<Trade> Range(int from, int to) =>
            Enumerable.Range(from, to - from + 1).SelectMany(i => Server.Trades.Select(list => list[i]));

        protected Send Malformed(string reason, string raw)
        {
            Server.MalformedSent.Enqueue((reason, raw));
            return new Send(raw);
        }

        protected Send UnknownType(string raw)
        {
            Server.UnknownTypesSent.Enqueue(raw);
            return new Send(raw);
        }

        protected static string Oversized() => "{\"type\":\"match\",\"padding\":\"" + new string('x', 70_000) + "\"}";
    }

    private sealed class ExchangeScript(FakeCoinbase server) : Script(server)
    {
        protected override IEnumerable<Step> AfterRefusal()
        {
            yield return new Stall();
        }

        protected override string Subscriptions() => CoinbaseFrames.Subscriptions(Server.Products);

        protected override IEnumerable<Step> First()
        {
            foreach (var trade in Range(0, 0))
            {
                yield return Match(trade, "last_match");
            }

            foreach (var step in Heartbeats(0))
            {
                yield return step;
            }

            foreach (var trade in Range(1, 39))
            {
                yield return Match(trade);
                if (trade.TradeId % 100 == 10 && trade.Product == Server.Products[0])
                {
                    yield return Malformed("malformed_json", "{\"type\":\"match\",\"trade_id\":" + trade.TradeId);
                    yield return Malformed("non_positive_size", CoinbaseFrames.Match(trade, 1).Replace($"\"size\":\"{trade.Size.ToString(CultureInfo.InvariantCulture)}\"", "\"size\":\"0\"", StringComparison.Ordinal));
                    yield return UnknownType("{\"type\":\"brand_new_thing\",\"product_id\":\"BTC-USD\"}");
                    yield return Malformed("unknown_type", "{\"product_id\":\"BTC-USD\",\"what\":\"no type at all\"}");
                    yield return Malformed("oversized_frame", Oversized());
                }
            }

            foreach (var trade in Range(60, 69))
            {
                yield return Match(trade);
            }

            yield return new Drop();
        }

        protected override IEnumerable<Step> Second()
        {
            foreach (var trade in Range(79, 79))
            {
                yield return Match(trade, "last_match");
            }

            foreach (var trade in Range(75, 90))
            {
                yield return Match(trade);
            }

            // The heartbeat reveals 91..95, which never come on this connection.
            foreach (var step in Heartbeats(95))
            {
                yield return step;
            }

            yield return new Stall();
        }

        protected override IEnumerable<Step> Third()
        {
            foreach (var trade in Range(100, 100))
            {
                yield return Match(trade, "last_match");
            }

            foreach (var trade in Range(101, TradesPerProduct - 1))
            {
                yield return Match(trade);
            }

            yield return new HeartbeatForever(() => HeartbeatFrames(TradesPerProduct - 1));
        }

        protected override IEnumerable<Step> Later()
        {
            foreach (var trade in Range(TradesPerProduct - 1, TradesPerProduct - 1))
            {
                yield return Match(trade, "last_match");
            }

            yield return new HeartbeatForever(() => HeartbeatFrames(TradesPerProduct - 1));
        }

        protected override IEnumerable<Step> Large()
        {
            // The Exchange feed sends one trade a frame: the large frame is a match with a large field it does not know.
            var trades = Range(0, TradesPerProduct - 1).ToList();
            var first = CoinbaseFrames.Match(trades[0], NextSequence(), "last_match");
            yield return new Send(first[..^1] + ",\"padding\":\"" + Padding(LargeFrameBytes - first.Length - 14) + "\"}");
            foreach (var trade in trades.Skip(1))
            {
                yield return Match(trade);
            }

            yield return new HeartbeatForever(() => HeartbeatFrames(TradesPerProduct - 1));
        }

        private Send Match(Trade trade, string type = "match") => new(CoinbaseFrames.Match(trade, NextSequence(), type));

        private IEnumerable<Step> Heartbeats(int index) => HeartbeatFrames(index).Select(f => new Send(f));

        private IEnumerable<string> HeartbeatFrames(int index) =>
            Server.Trades.Select(list => CoinbaseFrames.Heartbeat(list[index].Product, list[index].TradeId, NextSequence()));
    }

    private sealed class AdvancedTradeScript(FakeCoinbase server) : Script(server)
    {
        protected override string Subscriptions() => CoinbaseFrames.AdvancedSubscriptions(Server.Products, NextSequence());

        protected override IEnumerable<Step> First()
        {
            yield return Snapshot(0, 9);
            yield return Heartbeat();
            for (var i = 10; i <= 39; i += 3)
            {
                yield return Update(i, Math.Min(39, i + 2)); // several trades per frame, newest first, both products
            }

            // One frame with good trades (repeats, dropped as duplicates) and one bad trade.
            var good = CoinbaseFrames.AdvancedTrade(Server.Trades[0][38]);
            var bad = CoinbaseFrames.AdvancedTrade(Server.Trades[0][39]).Replace($"\"size\":\"{Server.Trades[0][39].Size.ToString(CultureInfo.InvariantCulture)}\"", "\"size\":\"-1\"", StringComparison.Ordinal);
            yield return Malformed("non_positive_size", Envelope("market_trades", $"[{{\"type\":\"update\",\"trades\":[{bad},{good}]}}]"));
            yield return Malformed("malformed_json", "{\"channel\":\"market_trades\",\"events\":[{\"type\":\"update\",\"trades\":[");
            yield return UnknownType(Envelope("surprise", "[]"));
            yield return Malformed("unknown_type", "{\"client_id\":\"\",\"events\":[]}");
            yield return Malformed("oversized_frame", Oversized());
            yield return Heartbeat();
            yield return Update(60, 64);
            yield return Update(65, 69);
            yield return new Drop();
        }

        protected override IEnumerable<Step> Second()
        {
            yield return Snapshot(72, 81);
            for (var i = 78; i <= 90; i += 4)
            {
                yield return Update(i, Math.Min(90, i + 3));
            }

            yield return new Stall();
        }

        protected override IEnumerable<Step> Third()
        {
            yield return Snapshot(95, 104);
            for (var i = 105; i < TradesPerProduct; i += 5)
            {
                yield return Update(i, Math.Min(TradesPerProduct - 1, i + 4));
                yield return Heartbeat();
            }

            yield return new HeartbeatForever(() => [HeartbeatFrame()]);
        }

        protected override IEnumerable<Step> Later()
        {
            yield return Snapshot(TradesPerProduct - 10, TradesPerProduct - 1);
            yield return new HeartbeatForever(() => [HeartbeatFrame()]);
        }

        protected override IEnumerable<Step> AfterRefusal()
        {
            yield return new HeartbeatForever(() => [HeartbeatFrame()]);
        }

        protected override IEnumerable<Step> Large()
        {
            // A snapshot of every trade of every product, padded (a field Coinbase might add) to about 9 MiB.
            var events = Events("snapshot", 0, TradesPerProduct - 1);
            var frame = Envelope("market_trades", events);
            yield return new Send(frame[..^1] + ",\"padding\":\"" + Padding(LargeFrameBytes - frame.Length - 14) + "\"}");
            yield return new HeartbeatForever(() => [HeartbeatFrame()]);
        }

        protected override IEnumerable<Step> LosesAFrame()
        {
            yield return Snapshot(0, 9);
            for (var i = 10; i <= 39; i += 5)
            {
                yield return Update(i, i + 4);
                yield return Heartbeat();
            }

            // The frame of 40..44 is lost: its sequence number is used, the frame never sent; only heartbeats follow.
            Server.SequenceSkipped.Enqueue(NextSequence());
            yield return new HeartbeatForever(() => [HeartbeatFrame()]);
        }

        protected override IEnumerable<Step> RecoversTheLostFrame()
        {
            yield return Snapshot(35, 44);
            for (var i = 45; i < TradesPerProduct; i += 5)
            {
                yield return Update(i, Math.Min(TradesPerProduct - 1, i + 4));
            }

            yield return new HeartbeatForever(() => [HeartbeatFrame()]);
        }

        private Send Snapshot(int from, int to) => new(Envelope("market_trades", Events("snapshot", from, to)));

        private Send Update(int from, int to) => new(Envelope("market_trades", Events("update", from, to)));

        private Send Heartbeat() => new(HeartbeatFrame());

        private long heartbeats;

        private string HeartbeatFrame() => CoinbaseFrames.AdvancedHeartbeat(++heartbeats, NextSequence());

        /// <summary>Coinbase lists a batch newest first.</summary>
        private string Events(string type, int from, int to) =>
            $"[{{\"type\":\"{type}\",\"trades\":[" + string.Join(",", Range(from, to).Reverse().Select(CoinbaseFrames.AdvancedTrade)) + "]}]";

        private string Envelope(string channel, string events) => CoinbaseFrames.AdvancedEnvelope(channel, events, NextSequence());
    }
}
