using System.Collections.Concurrent;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.TestSupport;

/// <summary>
/// The connection plan shared by the fakes of venues whose trade ids are contiguous and whose websocket subscribes per
/// product (Binance, OKX): a fixed list of trades per product (times in whole milliseconds, as these venues send them),
/// one product the venue REFUSES (its subscribe request gets the venue's error answer on every connection), and the
/// faults, by index into each product's list (N = <see cref="TradesPerProduct"/>):
/// 1: trades 0..19 (trade 10 twice), SKIPS 20..29, trades 30..39, DROPS the connection;
/// 2: trades 35..49 (overlap), then STALLS (silent);
/// 3: SKIPS 50..54, trades 55..N−1, then idle frames (the venue's ignored frames) forever; later connections: idle frames.
/// The skipped ranges are what the venue's fake REST must serve.
/// </summary>
public abstract class ScriptedVenueFake : FakeVenueServer
{
    /// <summary>Trades per product.</summary>
    public const int TradesPerProduct = 60;

    protected ScriptedVenueFake(string venue, IReadOnlyList<string> products, string refused)
    {
        Venue = venue;
        Products = products;
        Refused = refused;
        Trades = products.Select((p, i) => TradeStream.OfProduct(p, 1_000_000 * (i + 5), TradesPerProduct, seed: i + 21)
            .Select(t => t with { Time = DateTimeOffset.FromUnixTimeMilliseconds(t.Time.ToUnixTimeMilliseconds()), Venue = venue })
            .ToList()).ToList();
    }

    public string Venue { get; }

    /// <summary>The products that trade (the refused one is not among them).</summary>
    public IReadOnlyList<string> Products { get; }

    /// <summary>The product whose subscription the venue refuses.</summary>
    public string Refused { get; }

    /// <summary>The venue's trades per product, in id order (taker side, as ingest must produce them).</summary>
    public IReadOnlyList<List<Trade>> Trades { get; }

    public IEnumerable<Trade> AllTrades => Trades.SelectMany(t => t);

    /// <summary>Messages the client sent (subscribes; pings where the venue has them), in order.</summary>
    public ConcurrentQueue<string> Received { get; } = new();

    /// <summary>REST requests received (path and query).</summary>
    public ConcurrentQueue<string> RestRequests { get; } = new();

    /// <summary>Refusals sent (one per connection).</summary>
    public int RefusalsSent => refusals;

    /// <summary>Client messages other than subscribes (pings) answered by <see cref="ServeQuietAsync"/>.</summary>
    public int QuietPingsAnswered => Volatile.Read(ref quietPings);

    private int refusals;
    private int quietPings;

    /// <summary>The trades of a product (null when it has none), for the REST fake.</summary>
    protected List<Trade>? TradesOf(string product) => Trades.FirstOrDefault(t => t[0].Product == product);

    /// <summary>The venue's answer to one subscribe message; <paramref name="refused"/> when it is the refused product's.</summary>
    protected abstract string AnswerSubscribe(string message, out bool refused);

    /// <summary>The answer to a client message that is not a subscribe (e.g. OKX <c>ping</c> → <c>pong</c>), else null.</summary>
    protected virtual string? AnswerOther(string message) => null;

    /// <summary>The venue's frame of one trade.</summary>
    protected abstract string TradeFrame(Trade trade);

    /// <summary>A frame the parser ignores, sent while idle so the watchdog sees a live connection.</summary>
    protected abstract string IdleFrame();

    /// <summary>Plays the plan on one connection (the client sends one subscribe message per product, the refused one too).</summary>
    protected async Task ServeAsync(FakeVenueConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        for (var i = 0; i < Products.Count + 1; i++)
        {
            var message = await connection.ReceiveTextAsync();
            Received.Enqueue(message);
            if (AnswerOther(message) is { } answer)
            {
                await connection.SendTextAsync(answer);
                i--;
                continue;
            }

            await connection.SendTextAsync(AnswerSubscribe(message, out var refused));
            if (refused)
            {
                Interlocked.Increment(ref refusals);
            }
        }

        // Later client messages (pings) are recorded and counted; their answers are not sent out of turn (a websocket
        // takes one sender at a time; the idle frames stand for them).
        _ = DrainAsync(connection);
        switch (connection.Number)
        {
            case 1:
                await SendAsync(connection, Range(0, 19).Append(Trades[0][10]).Concat(Range(30, 39)));
                await connection.DropAsync(TimeSpan.FromMilliseconds(200));
                return;
            case 2:
                await SendAsync(connection, Range(35, 49));
                await connection.StallAsync();
                return;
            case 3:
                await SendAsync(connection, Range(55, TradesPerProduct - 1));
                break;
        }

        while (!connection.Closed.IsCancellationRequested)
        {
            await Task.Delay(200, connection.Closed);
            await connection.SendTextAsync(IdleFrame());
        }
    }

    /// <summary>
    /// A connection on which nothing trades: every client message gets its answer in turn (subscribes, and pings through
    /// <see cref="AnswerOther"/>), and nothing else is ever sent — what a quiet product looks like.
    /// </summary>
    protected async Task ServeQuietAsync(FakeVenueConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        try
        {
            while (true)
            {
                var message = await connection.ReceiveTextAsync();
                Received.Enqueue(message);
                if (AnswerOther(message) is { } pong)
                {
                    Interlocked.Increment(ref quietPings);
                    await connection.SendTextAsync(pong);
                }
                else
                {
                    await connection.SendTextAsync(AnswerSubscribe(message, out _));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task DrainAsync(FakeVenueConnection connection)
    {
        try
        {
            while (true)
            {
                var message = await connection.ReceiveTextAsync();
                Received.Enqueue(message);
                AnswerOther(message);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task SendAsync(FakeVenueConnection connection, IEnumerable<Trade> trades)
    {
        foreach (var trade in trades)
        {
            await connection.SendTextAsync(TradeFrame(trade));
        }
    }

    /// <summary>Trades at indexes <paramref name="from"/>..<paramref name="to"/> of every product, interleaved.</summary>
    private IEnumerable<Trade> Range(int from, int to) =>
        Enumerable.Range(from, to - from + 1).SelectMany(i => Trades.Select(list => list[i]));
}
