using System.Collections.Concurrent;
using System.Text;
using BitcoinVolume.Ingest.Live;
using BitcoinVolume.Ingest.Sources;
using BitcoinVolume.Ingest.Tests.Fakes;
using BitcoinVolume.Ingest.Venues;
using BitcoinVolume.TestSupport;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace BitcoinVolume.Ingest.Tests.Venues;

/// <summary>
/// The shared websocket reader over a feed that is not Coinbase's: it sends the feed's subscribe messages and pings,
/// reconnects when the server asks for it, when a connection reaches the feed's maximum age and when the feed's
/// per-connection sequence numbers skip one (a lost frame).
/// </summary>
public sealed class WebSocketFrameSourceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly IngestStatus status = new();
    private FeedServer server = null!;
    private Uri url = null!;

    /// <summary>Text messages the server received, with the connection number.</summary>
    private ConcurrentQueue<(int Connection, string Text)> Received => server.Received;

    public async Task InitializeAsync()
    {
        server = await FeedServer.StartAsync();
        url = server.WebSocketUrl("/ws");
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task A_reconnect_the_server_asks_for_is_made_at_once_and_the_request_frame_is_still_handed_on()
    {
        var frames = await ReadAsync(new Feed(url), count: 4);

        Assert.Equal(["hello 1", "please reconnect", "hello 2", "please reconnect"], frames.Select(f => Encoding.UTF8.GetString(f.Data.Span)));
        Assert.Equal(["fake-feed#1", "fake-feed#1", "fake-feed#2", "fake-feed#2"], frames.Select(f => f.Origin));
        Assert.Equal(ReconnectCauses.ReconnectRequested, status.LastDisconnect);
        Assert.Equal(0, status.ConsecutiveFailures); // a healthy end: no backoff

        // Every connection subscribes with the feed's messages for the products.
        Assert.Equal([(1, "subscribe BTC-USDT,ETH-USDT"), (2, "subscribe BTC-USDT,ETH-USDT")], Received.Where(r => r.Text.StartsWith("subscribe", StringComparison.Ordinal)).Take(2));
    }

    [Fact]
    public async Task A_connection_is_renewed_when_it_reaches_the_feeds_maximum_age()
    {
        // The feed asks for no reconnects here: "please reconnect" is an ordinary frame, and only the age ends connection 1.
        var frames = await ReadAsync(new Feed(url) { MaxConnectionAge = TimeSpan.FromMilliseconds(400), AsksForReconnect = false }, count: 3);

        Assert.Equal(["hello 1", "please reconnect", "hello 2"], frames.Select(f => Encoding.UTF8.GetString(f.Data.Span)));
        Assert.Equal(["fake-feed#1", "fake-feed#1", "fake-feed#2"], frames.Select(f => f.Origin));
        Assert.Equal(ReconnectCauses.MaxConnectionAge, status.LastDisconnect);
        Assert.Equal(0, status.ConsecutiveFailures);
    }

    [Fact]
    public async Task A_skipped_sequence_number_ends_the_connection_but_repeated_and_lower_ones_do_not()
    {
        await using var sequenced = await FeedServer.StartAsync(n => n == 1 ? ["seq 0", "hello", "seq 1", "seq 1", "seq 0", "seq 2", "seq 5", "seq 6"] : ["seq 0", "seq 1"]);
        var feed = new Feed(sequenced.WebSocketUrl("/ws")) { AsksForReconnect = false, Sequenced = true };
        var log = new TestOutputLogger(output, LogLevel.Warning);

        var frames = await ReadAsync(feed, count: 8, log);

        // Connection 1 is read up to and including the frame after the hole (it is handed on), then ended; numbers start again on connection 2.
        Assert.Equal(["seq 0", "hello", "seq 1", "seq 1", "seq 0", "seq 2", "seq 5", "seq 0"], frames.Select(f => Encoding.UTF8.GetString(f.Data.Span)));
        Assert.Equal([.. Enumerable.Repeat("fake-feed#1", 7), "fake-feed#2"], frames.Select(f => f.Origin));
        Assert.Equal(1, status.SequenceGaps);
        Assert.Equal(ReconnectCauses.SequenceGap, status.LastDisconnect);
        Assert.Equal([("fake-feed#1", ReconnectCauses.SequenceGap)], sessionEnds); // in band, for the gap markers

        Assert.Equal(1, status.Reconnects);
        Assert.Single(log.Lines, l => l.Message.Contains("sequence number 5 after 2: 2 frame(s) lost", StringComparison.Ordinal));

        // Ended early (before the stall timeout) it counts as a failed session: the reconnect backs off, no hot loop.
        Assert.Single(log.Lines, l => l.Message.Contains("connection failed (sequence_gap", StringComparison.Ordinal) && l.Message.Contains("reconnect attempt 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_feeds_ping_is_sent_while_connected()
    {
        var feed = new Feed(url) { Ping = new LivePing(TimeSpan.FromMilliseconds(50), Encoding.UTF8.GetBytes("ping")), AsksForReconnect = false };
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var source = Source(feed);
        await foreach (var _ in source.ReadFramesAsync(stop.Token))
        {
            while (Received.Count(r => r.Text == "ping") < 3)
            {
                await Task.Delay(20, stop.Token);
            }

            break;
        }

        Assert.True(Received.Count(r => r is (1, "ping")) >= 3);
        Assert.Equal(1, server.Connections);
    }

    private WebSocketFrameSource Source(ILiveFeed feed, ILogger? logger = null) => new(
        feed, ["BTC-USDT", "ETH-USDT"], new LiveOptions { StallTimeout = TimeSpan.FromSeconds(10), ReconnectDelay = TimeSpan.FromMilliseconds(10) },
        64 * 1024, status, TestServices.Metrics(), logger ?? NullLogger.Instance, TimeProvider.System);

    /// <summary>The session ends the source handed on in band (<see cref="RawFrame.SessionEnded"/>), in order.</summary>
    private readonly List<(string Origin, string Cause)> sessionEnds = [];

    private async Task<List<RawFrame>> ReadAsync(ILiveFeed feed, int count, ILogger? logger = null)
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var frames = new List<RawFrame>();
        await foreach (var frame in Source(feed, logger).ReadFramesAsync(stop.Token))
        {
            if (frame.SessionEnded is { } cause)
            {
                sessionEnds.Add((frame.Origin, cause)); // the no-data frame after a connection's last frame
                continue;
            }

            frames.Add(frame);
            if (frames.Count == count)
            {
                break;
            }
        }

        return frames;
    }

    /// <summary>A fake feed at <c>/ws</c>: per connection it reads the subscribe message, sends <c>hello N</c> and <c>please reconnect</c>, then records what the client sends.</summary>
    private sealed class FeedServer : FakeVenueServer
    {
        /// <summary>Text messages received, with the connection number.</summary>
        public ConcurrentQueue<(int Connection, string Text)> Received { get; } = new();

        /// <summary>What the server sends on connection N after reading its subscribe message.</summary>
        private Func<int, string[]> frames = n => [$"hello {n}", "please reconnect"];

        public static async Task<FeedServer> StartAsync(Func<int, string[]>? frames = null)
        {
            var server = new FeedServer();
            if (frames is not null)
            {
                server.frames = frames;
            }

            await server.StartServerAsync();
            return server;
        }

        protected override void MapEndpoints(IEndpointRouteBuilder endpoints) => MapWebSocket(endpoints, "/ws", ServeAsync);

        private async Task ServeAsync(FakeVenueConnection connection)
        {
            Received.Enqueue((connection.Number, await connection.ReceiveTextAsync()));
            foreach (var text in frames(connection.Number))
            {
                await connection.SendTextAsync(text);
            }

            while (true)
            {
                var message = await connection.ReceiveTextAsync();
                if (message.Length > 0)
                {
                    Received.Enqueue((connection.Number, message));
                }
            }
        }
    }

    /// <summary>A venue feed of text frames: subscribe with one message naming the products.</summary>
    private sealed class Feed(Uri url) : ILiveFeed
    {
        public string Name => "fake-feed";

        public Uri Url => url;

        public LivePing Ping { get; init; } = LivePing.None;

        public TimeSpan MaxConnectionAge { get; init; } = Timeout.InfiniteTimeSpan;

        public bool AsksForReconnect { get; init; } = true;

        public IReadOnlyList<ReadOnlyMemory<byte>> SubscribeMessages(IReadOnlyList<string> products) =>
            [Encoding.UTF8.GetBytes($"subscribe {string.Join(",", products)}")];

        /// <summary>Frames <c>seq N</c> carry a per-connection sequence number N.</summary>
        public bool Sequenced { get; init; }

        public bool IsReconnectRequest(ReadOnlySpan<byte> frame) => AsksForReconnect && frame.SequenceEqual("please reconnect"u8);

        public long? SequenceOf(ReadOnlySpan<byte> frame) =>
            Sequenced && frame.StartsWith("seq "u8) && long.TryParse(frame[4..], out var sequence) ? sequence : null;
    }
}
