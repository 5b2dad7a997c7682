using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using BitcoinVolume.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BitcoinVolume.Ingest.Tests.Fakes;

/// <summary>Which Coinbase websocket protocol a connection speaks.</summary>
public enum FakeProtocol
{
    Exchange,
    AdvancedTrade,
}

/// <summary>
/// A local Coinbase (Kestrel on a loopback port) that speaks both websocket protocols — Exchange at <c>/exchange</c>
/// (<c>matches</c> + <c>heartbeat</c>), Advanced Trade at <c>/advanced</c> (<c>market_trades</c> + <c>heartbeats</c>) —
/// and the REST trades endpoint <c>GET /products/{id}/trades</c> with Coinbase's cursor pagination. It owns a fixed
/// list of trades per product and plays a scripted sequence of connections over it that misbehaves the way the real
/// feed does: it drops a connection mid-stream, skips ranges of trade ids (REST serves them), stalls without
/// heartbeats, sends frames carrying several trades, repeats trades (last_match, snapshots, reconnect overlap), and
/// sends malformed frames.
/// </summary>
public sealed class FakeCoinbase : IAsyncDisposable
{
    /// <summary>Trades per product.</summary>
    public const int TradesPerProduct = 120;

    private readonly WebApplication app;
    private readonly CancellationTokenSource stopping = new();
    private int connections;
    private long sequence;

    private FakeCoinbase(WebApplication app, IReadOnlyList<string> products)
    {
        this.app = app;
        Products = products;
        Trades = products.Select((p, i) => ServerTrade.Generate(p, 100_000 * (i + 3), TradesPerProduct, seed: i + 11)).ToList();
    }

    public IReadOnlyList<string> Products { get; }

    /// <summary>The exchange's trades, per product in id order.</summary>
    public IReadOnlyList<List<ServerTrade>> Trades { get; }

    public IEnumerable<ServerTrade> AllTrades => Trades.SelectMany(t => t);

    public Uri BaseUrl { get; private set; } = null!;

    public Uri ExchangeUrl => new($"ws://{BaseUrl.Authority}/exchange");

    public Uri AdvancedTradeUrl => new($"ws://{BaseUrl.Authority}/advanced");

    public int Connections => Volatile.Read(ref connections);

    /// <summary>Subscribe messages received, in order.</summary>
    public ConcurrentQueue<string> Subscriptions { get; } = new();

    /// <summary>REST requests received (path and query).</summary>
    public ConcurrentQueue<string> RestRequests { get; } = new();

    /// <summary>The malformed frames sent (raw text) with the dead-letter reason ingest must give them.</summary>
    public ConcurrentQueue<(string Reason, string Raw)> MalformedSent { get; } = new();

    public static async Task<FakeCoinbase> StartAsync(params string[] products)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeCoinbase(app, products);
        app.UseWebSockets();
        app.Map("/exchange", context => fake.ServeAsync(context, FakeProtocol.Exchange));
        app.Map("/advanced", context => fake.ServeAsync(context, FakeProtocol.AdvancedTrade));
        app.MapGet("/products/{product}/trades", fake.Rest);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.BaseUrl = new Uri(address.EndsWith('/') ? address : address + "/");
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await app.StopAsync();
        await app.DisposeAsync();
        stopping.Dispose();
    }

    private IResult Rest(string product, int? limit, long? after, long? before, HttpContext context)
    {
        RestRequests.Enqueue(context.Request.Path + context.Request.QueryString);
        var trades = Trades.FirstOrDefault(t => t[0].Product == product);
        if (trades is null)
        {
            return Results.NotFound(new { message = "NotFound" });
        }

        if (limit is < 1 or > 1000)
        {
            return Results.BadRequest(new { message = "limit must be between 1 and 1000" });
        }

        var (body, newest, oldest) = ServerTrade.Page(trades, after, before, limit ?? 1000);
        if (newest is not null)
        {
            context.Response.Headers["CB-BEFORE"] = newest.Value.ToString(CultureInfo.InvariantCulture);
            context.Response.Headers["CB-AFTER"] = oldest!.Value.ToString(CultureInfo.InvariantCulture);
        }

        return Results.Text(body, "application/json");
    }

    private async Task ServeAsync(HttpContext context, FakeProtocol protocol)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token, context.RequestAborted);
        var token = closed.Token;
        var connection = Interlocked.Increment(ref connections);
        for (var i = 0; i < (protocol == FakeProtocol.Exchange ? 1 : 2); i++)
        {
            Subscriptions.Enqueue(await WebSocketText.ReceiveTextAsync(socket, token));
        }

        // From here on, notice the client going away (close or abort) while we send or wait.
        var clientGone = WebSocketText.DrainAsync(socket, closed);
        var script = protocol == FakeProtocol.Exchange ? new ExchangeScript(this) : (Script)new AdvancedTradeScript(this);
        try
        {
            foreach (var step in script.Connection(connection))
            {
                switch (step)
                {
                    case Send send:
                        await socket.SendAsync(Encoding.UTF8.GetBytes(send.Frame), WebSocketMessageType.Text, true, token);
                        break;
                    case Drop:
                        // Let the client read what was sent (an abort may discard unread bytes), then vanish without a close handshake.
                        await Task.Delay(200, token);
                        context.Abort();
                        return;
                    case Stall:
                        await Task.Delay(Timeout.Infinite, token); // silent: no trades, no heartbeats
                        return;
                    case HeartbeatForever heartbeat:
                        while (!token.IsCancellationRequested)
                        {
                            await Task.Delay(200, token);
                            foreach (var frame in heartbeat.Frames())
                            {
                                await socket.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, true, token);
                            }
                        }

                        return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
        }
        finally
        {
            await clientGone.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private long NextSequence() => Interlocked.Increment(ref sequence);

    private static string Now => DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

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
        protected FakeCoinbase Server { get; } = server;

        public IEnumerable<Step> Connection(int number)
        {
            yield return new Send(Subscriptions());
            var steps = number switch
            {
                1 => First(),
                2 => Second(),
                3 => Third(),
                _ => Later(),
            };
            foreach (var step in steps)
            {
                yield return step;
            }
        }

        protected abstract string Subscriptions();

        protected abstract IEnumerable<Step> First();

        protected abstract IEnumerable<Step> Second();

        protected abstract IEnumerable<Step> Third();

        protected abstract IEnumerable<Step> Later();

        /// <summary>Trades at indexes <paramref name="from"/>..<paramref name="to"/> of every product, interleaved.</summary>
        protected IEnumerable<ServerTrade> Range(int from, int to) =>
            Enumerable.Range(from, to - from + 1).SelectMany(i => Server.Trades.Select(list => list[i]));

        protected Send Malformed(string reason, string raw)
        {
            Server.MalformedSent.Enqueue((reason, raw));
            return new Send(raw);
        }

        protected static string Oversized() => "{\"type\":\"match\",\"padding\":\"" + new string('x', 70_000) + "\"}";
    }

    private sealed class ExchangeScript(FakeCoinbase server) : Script(server)
    {
        protected override string Subscriptions() =>
            "{\"type\":\"subscriptions\",\"channels\":[{\"name\":\"matches\",\"product_ids\":[" + string.Join(",", Server.Products.Select(p => $"\"{p}\"")) + "]}]}";

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
                if (trade.Id % 100 == 10 && trade.Product == Server.Products[0])
                {
                    yield return Malformed("malformed_json", "{\"type\":\"match\",\"trade_id\":" + trade.Id);
                    yield return Malformed("non_positive_size", trade.ToExchange("match", 1).Replace($"\"size\":\"{trade.Size.ToString(CultureInfo.InvariantCulture)}\"", "\"size\":\"0\"", StringComparison.Ordinal));
                    yield return Malformed("unknown_type", "{\"type\":\"brand_new_thing\",\"product_id\":\"BTC-USD\"}");
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

        private Send Match(ServerTrade trade, string type = "match") => new(trade.ToExchange(type, Server.NextSequence()));

        private IEnumerable<Step> Heartbeats(int index) => HeartbeatFrames(index).Select(f => new Send(f));

        private IEnumerable<string> HeartbeatFrames(int index) => Server.Trades.Select(list => string.Create(CultureInfo.InvariantCulture,
            $$"""{"type":"heartbeat","sequence":{{Server.NextSequence()}},"last_trade_id":{{list[index].Id}},"product_id":"{{list[index].Product}}","time":"{{Now}}"}"""));
    }

    private sealed class AdvancedTradeScript(FakeCoinbase server) : Script(server)
    {
        protected override string Subscriptions() => Envelope("subscriptions",
            "[{\"subscriptions\":{\"market_trades\":[" + string.Join(",", Server.Products.Select(p => $"\"{p}\"")) + "]}}]");

        protected override IEnumerable<Step> First()
        {
            yield return Snapshot(0, 9);
            yield return Heartbeat();
            for (var i = 10; i <= 39; i += 3)
            {
                yield return Update(i, Math.Min(39, i + 2)); // several trades per frame, newest first, both products
            }

            // One frame with good trades (repeats, dropped as duplicates) and one bad trade.
            var good = Server.Trades[0][38].ToAdvanced();
            var bad = Server.Trades[0][39].ToAdvanced().Replace($"\"size\":\"{Server.Trades[0][39].Size.ToString(CultureInfo.InvariantCulture)}\"", "\"size\":\"-1\"", StringComparison.Ordinal);
            yield return Malformed("non_positive_size", Envelope("market_trades", $"[{{\"type\":\"update\",\"trades\":[{bad},{good}]}}]"));
            yield return Malformed("malformed_json", "{\"channel\":\"market_trades\",\"events\":[{\"type\":\"update\",\"trades\":[");
            yield return Malformed("unknown_type", Envelope("surprise", "[]"));
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

            yield return new HeartbeatForever(() => [Envelope("heartbeats", $"[{{\"current_time\":\"{Now}\",\"heartbeat_counter\":{Server.NextSequence()}}}]")]);
        }

        protected override IEnumerable<Step> Later()
        {
            yield return Snapshot(TradesPerProduct - 10, TradesPerProduct - 1);
            yield return new HeartbeatForever(() => [Envelope("heartbeats", $"[{{\"current_time\":\"{Now}\",\"heartbeat_counter\":{Server.NextSequence()}}}]")]);
        }

        private Send Snapshot(int from, int to) => new(Envelope("market_trades", Events("snapshot", from, to)));

        private Send Update(int from, int to) => new(Envelope("market_trades", Events("update", from, to)));

        private Send Heartbeat() => new(Envelope("heartbeats", $"[{{\"current_time\":\"{Now}\",\"heartbeat_counter\":{Server.NextSequence()}}}]"));

        /// <summary>Coinbase lists a batch newest first.</summary>
        private string Events(string type, int from, int to) =>
            $"[{{\"type\":\"{type}\",\"trades\":[" + string.Join(",", Range(from, to).Reverse().Select(t => t.ToAdvanced())) + "]}]";

        private string Envelope(string channel, string events) => string.Create(CultureInfo.InvariantCulture,
            $$"""{"channel":"{{channel}}","client_id":"","timestamp":"{{Now}}","sequence_num":{{Server.NextSequence()}},"events":{{events}}}""");
    }
}
