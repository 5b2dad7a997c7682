using System.Diagnostics;
using BitcoinVolume.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace BitcoinVolume.TestSupport;

/// <summary>
/// A local Bitstamp (websocket v2 at <c>/</c>, frames as <see cref="BitstampFrames"/> writes them) whose market keeps trading
/// in the background at a fixed rate, independent of any client, as the real one does: a connection gets every trade
/// published after it subscribed (no snapshot, no replay), so what is published while no client is connected — a client
/// killed and restarted — is never sent (<see cref="LostTrades"/>); Bitstamp's ids are not contiguous, so the client cannot
/// tell which. Answers the client's <c>bts:heartbeat</c>. For the restart tests of a venue that cannot backfill; REST
/// <c>transactions</c> answers with no trades.
/// </summary>
public sealed class StreamingBitstamp : FakeVenueServer
{
    private readonly IReadOnlyList<Trade> trades;
    private readonly bool[] sent;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, int> starts = new();
    private readonly double rate;
    private Task pacer = Task.CompletedTask;
    private long published;

    private StreamingBitstamp(IReadOnlyList<Trade> trades, double rate)
    {
        this.trades = trades;
        this.rate = rate;
        sent = new bool[trades.Count];
        Products = [.. trades.Select(t => t.Product).Distinct().Order(StringComparer.Ordinal)];
    }

    public IReadOnlyList<string> Products { get; }

    public Uri Url => WebSocketUrl("/");

    /// <summary>Trades released to the market so far.</summary>
    public long Published => Interlocked.Read(ref published);

    public bool Finished => Published >= trades.Count;

    /// <summary>The trades published before the newest connection subscribed that no connection sent: nothing can ever deliver them.</summary>
    public IReadOnlyList<Trade> LostTrades
    {
        get
        {
            var end = starts.IsEmpty ? 0 : starts.Values.Max();
            lock (sent)
            {
                return [.. trades.Take((int)end).Where((_, i) => !sent[i])];
            }
        }
    }

    /// <summary>The first trade of <paramref name="product"/> sent on connection <paramref name="connection"/> (1-based), or null.</summary>
    public Trade? FirstSentOn(int connection, string product) =>
        starts.TryGetValue(connection, out var start) ? trades.Skip(start).Take((int)Published - start).FirstOrDefault(t => t.Product == product) : null;

    /// <summary>
    /// A market of <paramref name="trades"/> (in publication order; ids rising, not contiguous; times whole milliseconds).
    /// Nothing is published before <see cref="Open"/>.
    /// </summary>
    public static async Task<StreamingBitstamp> StartAsync(IReadOnlyList<Trade> trades, double tradesPerSecond)
    {
        var fake = new StreamingBitstamp(trades, tradesPerSecond);
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

    protected override void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        MapWebSocket(endpoints, "/", ServeAsync);
        endpoints.MapGet("/api/v2/transactions/{pair}/", () => Results.Text("[]", "application/json"));
    }

    protected override Task OnStoppingAsync() => pacer;

    private async Task ServeAsync(FakeVenueConnection connection)
    {
        // One bts:subscribe per product; heartbeats may come in between.
        var pending = Products.Count;
        while (pending > 0)
        {
            var message = await connection.ReceiveTextAsync();
            if (BitstampFrames.SubscribedChannel(message) is { } channel)
            {
                await connection.SendTextAsync(BitstampFrames.Subscribed(channel));
                pending--;
            }
            else
            {
                await connection.SendTextAsync(BitstampFrames.HeartbeatAnswer);
            }
        }

        // From now on: every trade published, and the heartbeat answers, from this one loop (one sender per socket).
        var cursor = (int)Published;
        starts[connection.Number] = cursor;
        var receive = connection.ReceiveTextAsync();
        var token = connection.Closed;
        while (!token.IsCancellationRequested)
        {
            if (receive.IsCompleted)
            {
                if (!receive.IsCompletedSuccessfully)
                {
                    return; // the client is gone
                }

                if (BitstampFrames.SubscribedChannel(await receive) is null)
                {
                    await connection.SendTextAsync(BitstampFrames.HeartbeatAnswer);
                }

                receive = connection.ReceiveTextAsync();
            }

            for (var end = (int)Published; cursor < end; cursor++)
            {
                await connection.SendTextAsync(BitstampFrames.Trade(trades[cursor]));
                lock (sent)
                {
                    sent[cursor] = true;
                }
            }

            await Task.Delay(10, token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
