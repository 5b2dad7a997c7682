using System.Collections.Concurrent;
using System.Text;
using BitcoinVolume.Ingest.Live;
using BitcoinVolume.Ingest.Sources;
using BitcoinVolume.Ingest.Tests.Fakes;
using BitcoinVolume.Ingest.Venues;
using BitcoinVolume.TestSupport;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging.Abstractions;

namespace BitcoinVolume.Ingest.Tests.Venues;

/// <summary>
/// The shared websocket reader over a feed that is not Coinbase's: it sends the feed's subscribe messages and pings,
/// reconnects when the server asks for it and when a connection reaches the feed's maximum age.
/// </summary>
public sealed class WebSocketFrameSourceTests : IAsyncLifetime
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

    private WebSocketFrameSource Source(ILiveFeed feed) => new(
        feed, ["BTC-USDT", "ETH-USDT"], new LiveOptions { StallTimeout = TimeSpan.FromSeconds(10), ReconnectDelay = TimeSpan.FromMilliseconds(10) },
        64 * 1024, status, TestServices.Metrics(), NullLogger.Instance, TimeProvider.System);

    private async Task<List<RawFrame>> ReadAsync(ILiveFeed feed, int count)
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var frames = new List<RawFrame>();
        await foreach (var frame in Source(feed).ReadFramesAsync(stop.Token))
        {
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

        public static async Task<FeedServer> StartAsync()
        {
            var server = new FeedServer();
            await server.StartServerAsync();
            return server;
        }

        protected override void MapEndpoints(IEndpointRouteBuilder endpoints) => MapWebSocket(endpoints, "/ws", ServeAsync);

        private async Task ServeAsync(FakeVenueConnection connection)
        {
            Received.Enqueue((connection.Number, await connection.ReceiveTextAsync()));
            foreach (var text in new[] { $"hello {connection.Number}", "please reconnect" })
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

        public bool IsReconnectRequest(ReadOnlySpan<byte> frame) => AsksForReconnect && frame.SequenceEqual("please reconnect"u8);
    }
}
