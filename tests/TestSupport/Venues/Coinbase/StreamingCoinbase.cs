using System.Collections.Concurrent;
using System.Diagnostics;
using BitcoinVolume.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace BitcoinVolume.TestSupport;

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

/// <summary>
/// Frames ingest must dead-letter, with the reason it must give each; a frame whose reason is
/// <see cref="MalformedFault.Ignored"/> is one of a type Coinbase may add any day, which ingest must ignore (not dead-letter).
/// </summary>
public sealed record MalformedFault(IReadOnlyList<(string Reason, string Raw)> Frames) : WsFault
{
    /// <summary>The "reason" of a frame that must NOT be dead-lettered (a named but unknown type).</summary>
    public const string Ignored = "ignored";
}

/// <summary>
/// A local Coinbase Exchange (a <see cref="FakeVenueServer"/>: websocket <c>/exchange</c>: <c>matches</c> + <c>heartbeat</c>; REST
/// <c>GET /products/{id}/trades</c> with <c>after</c>/<c>limit</c> cursor pagination) whose market keeps trading in the
/// background at a fixed rate, independent of any client: a known, finite stream of trades is "published" over time.
/// A connection gets a <c>last_match</c> per product, then every trade published from then on, heartbeats with the
/// latest published trade id every second, and — at random — repeated trades and pairs sent out of order. Scripted
/// faults (<see cref="Inject"/>) drop, stall, skip id ranges and send malformed frames. REST serves any published trade.
/// For the chaos runs; <see cref="FakeCoinbase"/> is the scripted one of the ingest tests.
/// </summary>
public sealed class StreamingCoinbase : FakeVenueServer
{
    private readonly IReadOnlyList<Trade> trades;
    private readonly Dictionary<string, (long FirstId, int[] Positions)> byProduct;
    private readonly double rate;
    private readonly double disorder;
    private readonly ConcurrentQueue<WsFault> faults = new();
    private readonly Random random;
    private Task pacer = Task.CompletedTask;
    private long published;
    private long sequence;
    private long duplicatesSent;
    private long swapsSent;
    private long restRequests;

    private StreamingCoinbase(IReadOnlyList<Trade> trades, double rate, double disorder, int seed)
    {
        this.trades = trades;
        this.rate = rate;
        this.disorder = disorder;
        random = new Random(seed);
        byProduct = trades.Select((t, i) => (t, i)).GroupBy(x => x.t.Product)
            .ToDictionary(g => g.Key, g => (g.First().t.TradeId, g.Select(x => x.i).ToArray()), StringComparer.Ordinal);
    }

    public Uri ExchangeUrl => WebSocketUrl("/exchange");

    public IReadOnlyCollection<string> Products => byProduct.Keys;

    /// <summary>Trades released to the market so far.</summary>
    public long Published => Interlocked.Read(ref published);

    public bool Finished => Published >= trades.Count;

    public long DuplicatesSent => Interlocked.Read(ref duplicatesSent);

    public long SwapsSent => Interlocked.Read(ref swapsSent);

    public long RestRequests => Interlocked.Read(ref restRequests);

    /// <summary>Every malformed frame sent, with the reason ingest must dead-letter it with.</summary>
    public ConcurrentQueue<(string Reason, string Raw)> MalformedSent { get; } = new();

    /// <summary>Frames of a named but unknown type sent (raw text): ingest ignores them, they are not on trades.dlq.</summary>
    public ConcurrentQueue<string> UnknownTypesSent { get; } = new();

    /// <summary>A market of <paramref name="trades"/> (taker side; in publication order, e.g. <see cref="TradeStream.Market"/>).</summary>
    public static async Task<StreamingCoinbase> StartAsync(IReadOnlyList<Trade> trades, double tradesPerSecond, double disorder, int seed)
    {
        var fake = new StreamingCoinbase(trades, tradesPerSecond, disorder, seed);
        await fake.StartServerAsync();
        return fake;
    }

    /// <summary>Starts the market: trades are published at the configured rate from now on.</summary>
    public void Open() => pacer = Task.Run(async () =>
    {
        var clock = Stopwatch.StartNew();
        while (!Stopping.IsCancellationRequested && Published < trades.Count)
        {
            Interlocked.Exchange(ref published, Math.Min(trades.Count, (long)(clock.Elapsed.TotalSeconds * rate)));
            await Task.Delay(10, Stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    });

    /// <summary>Queues a fault for the current (or next) connection; the returned task completes when it was played.</summary>
    public Task Inject(WsFault fault)
    {
        faults.Enqueue(fault);
        return fault.Played.Task;
    }

    protected override void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        MapWebSocket(endpoints, "/exchange", ServeAsync);
        endpoints.MapGet("/products/{product}/trades", Rest);
    }

    protected override Task OnStoppingAsync() => pacer;

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
        var known = byProduct.TryGetValue(product, out var info);
        return CoinbaseFrames.RestAnswer(context, known, limit, max =>
        {
            // Ids below `after` (or the newest), newest first, only trades that happened already.
            var newest = LatestPublished(product, Published);
            var count = newest < 0 ? 0 : Array.BinarySearch(info.Positions, newest) + 1;
            var top = after is null ? count - 1 : (int)Math.Min(count - 1, after.Value - info.FirstId - 1);
            var page = new List<Trade>();
            for (var k = top; k >= 0 && page.Count < max; k--)
            {
                page.Add(trades[info.Positions[k]]);
            }

            return page;
        });
    }

    private async Task ServeAsync(FakeVenueConnection connection)
    {
        await connection.ReceiveTextAsync(); // the subscribe message
        await StreamAsync(connection);
    }

    private async Task StreamAsync(FakeVenueConnection connection)
    {
        var token = connection.Closed;
        await connection.SendTextAsync(CoinbaseFrames.Subscriptions(Products));
        var cursor = Published;
        foreach (var product in Products)
        {
            if (LatestPublished(product, cursor) is var last and >= 0)
            {
                await connection.SendTextAsync(CoinbaseFrames.Match(trades[last], Interlocked.Increment(ref sequence), "last_match"));
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
                        await connection.DropAsync(TimeSpan.FromMilliseconds(100));
                        return;
                    case StallFault:
                        fault.Played.TrySetResult();
                        await connection.StallAsync(); // silent until the client gives up
                        return;
                    case SkipFault skip:
                        skipUntil = cursor + skip.Trades;
                        break;
                    case MalformedFault malformed:
                        foreach (var (reason, raw) in malformed.Frames)
                        {
                            await connection.SendTextAsync(raw);
                            if (reason == MalformedFault.Ignored)
                            {
                                UnknownTypesSent.Enqueue(raw);
                            }
                            else
                            {
                                MalformedSent.Enqueue((reason, raw));
                            }
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
                        await connection.SendTextAsync(CoinbaseFrames.Heartbeat(product, trades[last].TradeId, Interlocked.Increment(ref sequence)));
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
                    await SendTradeAsync(connection, (int)cursor + 1);
                    await SendTradeAsync(connection, (int)cursor);
                    Interlocked.Increment(ref swapsSent);
                    cursor += 2;
                    continue;
                }

                await SendTradeAsync(connection, (int)cursor);
                if (dice > 1 - disorder)
                {
                    await SendTradeAsync(connection, (int)cursor); // sent twice
                    Interlocked.Increment(ref duplicatesSent);
                }

                cursor++;
            }
        }
    }

    private Task SendTradeAsync(FakeVenueConnection connection, int index) =>
        connection.SendTextAsync(CoinbaseFrames.Match(trades[index], Interlocked.Increment(ref sequence)));
}
