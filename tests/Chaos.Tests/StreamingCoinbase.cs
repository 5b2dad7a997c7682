using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BitcoinVolume.Chaos.Tests;

/// <summary>A trade as the fake exchange knows it; <see cref="MakerSide"/> is Coinbase's (maker) side.</summary>
public sealed record MarketTrade(string Product, long Id, DateTimeOffset Time, decimal Price, decimal Size, string MakerSide)
{
    /// <summary>What the system must count: the TAKER's side, the opposite of the maker side Coinbase sends.</summary>
    public Trade Expected => new(Product, Id, Time, Price, Size, MakerSide == "sell" ? TakerSide.Buy : TakerSide.Sell);

    private string TimeText => Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public string ToMatch(string type, long sequence) => string.Create(CultureInfo.InvariantCulture,
        $$"""{"type":"{{type}}","trade_id":{{Id}},"maker_order_id":"m{{Id}}","taker_order_id":"t{{Id}}","side":"{{MakerSide}}","size":"{{Size}}","price":"{{Price}}","product_id":"{{Product}}","sequence":{{sequence}},"time":"{{TimeText}}"}""");

    public string ToRest() => string.Create(CultureInfo.InvariantCulture,
        $$"""{"time":"{{TimeText}}","trade_id":{{Id}},"price":"{{Price}}","size":"{{Size}}","side":"{{MakerSide}}"}""");

    /// <summary>A deterministic market: <paramref name="count"/> trades over <paramref name="products"/>, in publication order.</summary>
    public static List<MarketTrade> Generate(IReadOnlyList<string> products, int count, TimeSpan span, int seed)
    {
        var random = new Random(seed);
        var next = products.Select((_, i) => 1_000_000_000L * (i + 1)).ToArray();
        var start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var trades = new List<MarketTrade>(count);
        for (var i = 0; i < count; i++)
        {
            // Popularity falls off with rank, like real markets.
            var p = Math.Min(products.Count - 1, (int)Math.Floor(products.Count * Math.Pow(random.NextDouble(), 1.6)));
            trades.Add(new MarketTrade(products[p], next[p]++, start + TimeSpan.FromTicks(span.Ticks / count * i),
                100m + (p * 1000m) + (random.Next(-50_000, 50_000) / 1000m),
                random.Next(1, 5_000_000) / 100_000_000m,
                random.Next(2) == 0 ? "buy" : "sell"));
        }

        return trades;
    }
}

/// <summary>A fault the next (or current) websocket connection plays.</summary>
public abstract record WsFault
{
    public TaskCompletionSource Played { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>The server vanishes without a close handshake.</summary>
public sealed record DropFault : WsFault;

/// <summary>The server goes silent (no trades, no heartbeats) until the client gives up on it.</summary>
public sealed record StallFault : WsFault;

/// <summary>The next <paramref name="Trades"/> trades are never sent on this connection: only REST serves them.</summary>
public sealed record SkipFault(int Trades) : WsFault;

/// <summary>Frames ingest must dead-letter, with the reason it must give each.</summary>
public sealed record MalformedFault(IReadOnlyList<(string Reason, string Raw)> Frames) : WsFault;

/// <summary>
/// A local Coinbase Exchange (websocket <c>/exchange</c>: <c>matches</c> + <c>heartbeat</c>; REST
/// <c>GET /products/{id}/trades</c> with <c>after</c>/<c>limit</c> cursor pagination) whose market keeps trading in the
/// background at a fixed rate, independent of any client: a known, finite stream of trades is "published" over time.
/// A connection gets a <c>last_match</c> per product, then every trade published from then on, heartbeats with the
/// latest published trade id every second, and — at random — repeated trades and pairs sent out of order. Scripted
/// faults (<see cref="Inject"/>) drop, stall, skip id ranges and send malformed frames. REST serves any published trade.
/// </summary>
public sealed class StreamingCoinbase : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly CancellationTokenSource stopping = new();
    private readonly IReadOnlyList<MarketTrade> trades;
    private readonly Dictionary<string, (long FirstId, int[] Positions)> byProduct;
    private readonly double rate;
    private readonly double disorder;
    private readonly ConcurrentQueue<WsFault> faults = new();
    private readonly Random random;
    private Task pacer = Task.CompletedTask;
    private long published;
    private long sequence;
    private int connections;
    private long framesSent;
    private long duplicatesSent;
    private long swapsSent;
    private long restRequests;

    private StreamingCoinbase(WebApplication app, IReadOnlyList<MarketTrade> trades, double rate, double disorder, int seed)
    {
        this.app = app;
        this.trades = trades;
        this.rate = rate;
        this.disorder = disorder;
        random = new Random(seed);
        byProduct = trades.Select((t, i) => (t, i)).GroupBy(x => x.t.Product)
            .ToDictionary(g => g.Key, g => (g.First().t.Id, g.Select(x => x.i).ToArray()), StringComparer.Ordinal);
    }

    public Uri BaseUrl { get; private set; } = null!;

    public Uri ExchangeUrl => new($"ws://{BaseUrl.Authority}/exchange");

    public IReadOnlyCollection<string> Products => byProduct.Keys;

    /// <summary>Trades released to the market so far.</summary>
    public long Published => Interlocked.Read(ref published);

    public bool Finished => Published >= trades.Count;

    public int Connections => Volatile.Read(ref connections);

    public long FramesSent => Interlocked.Read(ref framesSent);

    public long DuplicatesSent => Interlocked.Read(ref duplicatesSent);

    public long SwapsSent => Interlocked.Read(ref swapsSent);

    public long RestRequests => Interlocked.Read(ref restRequests);

    /// <summary>Every malformed frame sent, with the reason ingest must dead-letter it with.</summary>
    public ConcurrentQueue<(string Reason, string Raw)> MalformedSent { get; } = new();

    public static async Task<StreamingCoinbase> StartAsync(IReadOnlyList<MarketTrade> trades, double tradesPerSecond, double disorder, int seed)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new StreamingCoinbase(app, trades, tradesPerSecond, disorder, seed);
        app.UseWebSockets();
        app.Map("/exchange", fake.ServeAsync);
        app.MapGet("/products/{product}/trades", fake.Rest);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.BaseUrl = new Uri(address.EndsWith('/') ? address : address + "/");
        return fake;
    }

    /// <summary>Starts the market: trades are published at the configured rate from now on.</summary>
    public void Open() => pacer = Task.Run(async () =>
    {
        var clock = Stopwatch.StartNew();
        while (!stopping.IsCancellationRequested && Published < trades.Count)
        {
            Interlocked.Exchange(ref published, Math.Min(trades.Count, (long)(clock.Elapsed.TotalSeconds * rate)));
            await Task.Delay(10, stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    });

    /// <summary>Queues a fault for the current (or next) connection; the returned task completes when it was played.</summary>
    public Task Inject(WsFault fault)
    {
        faults.Enqueue(fault);
        return fault.Played.Task;
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await pacer;
        await app.StopAsync();
        await app.DisposeAsync();
        stopping.Dispose();
    }

    /// <summary>Index (in publication order) of the newest published trade of <paramref name="product"/>, or -1.</summary>
    private int LatestPublished(string product, long limit)
    {
        var positions = byProduct[product].Positions;
        var i = Array.BinarySearch(positions, (int)Math.Min(int.MaxValue, limit));
        i = i >= 0 ? i - 1 : ~i - 1; // the last position < limit
        return i < 0 ? -1 : positions[i];
    }

    private IResult Rest(string product, int? limit, long? after, HttpContext context)
    {
        Interlocked.Increment(ref restRequests);
        if (!byProduct.TryGetValue(product, out var info))
        {
            return Results.NotFound(new { message = "NotFound" });
        }

        if (limit is < 1 or > 1000)
        {
            return Results.BadRequest(new { message = "limit must be between 1 and 1000" });
        }

        // Ids below `after` (or the newest), newest first, only trades that happened already.
        var newest = LatestPublished(product, Published);
        var count = newest < 0 ? 0 : Array.BinarySearch(info.Positions, newest) + 1;
        var top = after is null ? count - 1 : (int)Math.Min(count - 1, after.Value - info.FirstId - 1);
        var page = new List<MarketTrade>();
        for (var k = top; k >= 0 && page.Count < (limit ?? 1000); k--)
        {
            page.Add(trades[info.Positions[k]]);
        }

        if (page.Count > 0)
        {
            context.Response.Headers["CB-BEFORE"] = page[0].Id.ToString(CultureInfo.InvariantCulture);
            context.Response.Headers["CB-AFTER"] = page[^1].Id.ToString(CultureInfo.InvariantCulture);
        }

        return Results.Text("[" + string.Join(",", page.Select(t => t.ToRest())) + "]", "application/json");
    }

    private async Task ServeAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token, context.RequestAborted);
        var token = closed.Token;
        Interlocked.Increment(ref connections);
        try
        {
            await WebSocketText.ReceiveTextAsync(socket, token); // the subscribe message
            var clientGone = WebSocketText.DrainAsync(socket, closed);
            try
            {
                await StreamAsync(context, socket, token);
            }
            finally
            {
                await closed.CancelAsync();
                await clientGone.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
        }
    }

    private async Task StreamAsync(HttpContext context, WebSocket socket, CancellationToken token)
    {
        await SendAsync(socket, "{\"type\":\"subscriptions\",\"channels\":[{\"name\":\"matches\",\"product_ids\":[" + string.Join(",", Products.Select(p => $"\"{p}\"")) + "]}]}", token);
        var cursor = Published;
        foreach (var product in Products)
        {
            if (LatestPublished(product, cursor) is var last and >= 0)
            {
                await SendAsync(socket, trades[last].ToMatch("last_match", Interlocked.Increment(ref sequence)), token);
            }
        }

        var skipUntil = 0L;
        var nextHeartbeat = Stopwatch.GetTimestamp();
        while (!token.IsCancellationRequested)
        {
            if (faults.TryDequeue(out var fault))
            {
                switch (fault)
                {
                    case DropFault:
                        fault.Played.TrySetResult();
                        await Task.Delay(100, token);
                        context.Abort();
                        return;
                    case StallFault:
                        fault.Played.TrySetResult();
                        await Task.Delay(Timeout.Infinite, token); // silent until the client gives up
                        return;
                    case SkipFault skip:
                        skipUntil = cursor + skip.Trades;
                        break;
                    case MalformedFault malformed:
                        foreach (var (reason, raw) in malformed.Frames)
                        {
                            await SendAsync(socket, raw, token);
                            MalformedSent.Enqueue((reason, raw));
                        }

                        break;
                }

                fault.Played.TrySetResult();
            }

            var end = Published;
            if (Stopwatch.GetElapsedTime(nextHeartbeat) >= TimeSpan.Zero)
            {
                nextHeartbeat = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
                foreach (var product in Products)
                {
                    // A heartbeat's last_trade_id is never ahead of what this connection has sent (or skipped) —
                    // except during a skip, where it reveals the skipped range like the real feed would.
                    if (LatestPublished(product, cursor) is var last and >= 0)
                    {
                        await SendAsync(socket, string.Create(CultureInfo.InvariantCulture,
                            $$"""{"type":"heartbeat","sequence":{{Interlocked.Increment(ref sequence)}},"last_trade_id":{{trades[last].Id}},"product_id":"{{product}}","time":"{{DateTime.UtcNow:yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'}}"}"""), token);
                    }
                }
            }

            if (cursor >= end)
            {
                await Task.Delay(5, token);
                continue;
            }

            var stop = Math.Min(end, cursor + 200);
            while (cursor < stop)
            {
                if (cursor < skipUntil)
                {
                    cursor++;
                    continue;
                }

                double dice;
                lock (random)
                {
                    dice = random.NextDouble();
                }

                // No disorder among the very first trades: the first trade ingest sees of a product is its floor.
                if (cursor < 1000)
                {
                    dice = 0.5;
                }

                if (dice < disorder && cursor + 1 < stop && cursor + 1 >= skipUntil)
                {
                    // Out of order: the next trade first, then this one.
                    await SendTradeAsync(socket, (int)cursor + 1, token);
                    await SendTradeAsync(socket, (int)cursor, token);
                    Interlocked.Increment(ref swapsSent);
                    cursor += 2;
                    continue;
                }

                await SendTradeAsync(socket, (int)cursor, token);
                if (dice > 1 - disorder)
                {
                    await SendTradeAsync(socket, (int)cursor, token); // sent twice
                    Interlocked.Increment(ref duplicatesSent);
                }

                cursor++;
            }
        }
    }

    private Task SendTradeAsync(WebSocket socket, int index, CancellationToken token) =>
        SendAsync(socket, trades[index].ToMatch("match", Interlocked.Increment(ref sequence)), token);

    private async Task SendAsync(WebSocket socket, string frame, CancellationToken token)
    {
        await socket.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, true, token);
        Interlocked.Increment(ref framesSent);
    }
}
