using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using BitcoinVolume.Ingest.Live;
using BitcoinVolume.Ingest.Sources;
using BitcoinVolume.Ingest.Tests.Fakes;
using BitcoinVolume.Ingest.Venues;
using BitcoinVolume.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BitcoinVolume.Ingest.Tests.Venues;

/// <summary>
/// The shared websocket reader over a feed that is not Coinbase's: it sends the feed's subscribe messages and pings,
/// reconnects when the server asks for it and when a connection reaches the feed's maximum age.
/// </summary>
public sealed class WebSocketFrameSourceTests : IAsyncLifetime
{
    private readonly IngestStatus status = new();
    private WebApplication server = null!;
    private Uri url = null!;
    private int connections;

    /// <summary>Text messages the server received, with the connection number.</summary>
    private ConcurrentQueue<(int Connection, string Text)> Received { get; } = new();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        server = builder.Build();
        server.UseWebSockets();
        server.Map("/ws", ServeAsync);
        await server.StartAsync();
        var address = server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        url = new Uri($"ws://{new Uri(address).Authority}/ws");
    }

    public async Task DisposeAsync()
    {
        await server.StopAsync();
        await server.DisposeAsync();
    }

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
        Assert.Equal(1, Volatile.Read(ref connections));
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

    /// <summary>Per connection: read the subscribe message, send <c>hello N</c> and <c>please reconnect</c>, then record what the client sends.</summary>
    private async Task ServeAsync(HttpContext context)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var connection = Interlocked.Increment(ref connections);
        try
        {
            Received.Enqueue((connection, await WebSocketText.ReceiveTextAsync(socket, closed.Token)));
            foreach (var text in new[] { $"hello {connection}", "please reconnect" })
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, closed.Token);
            }

            while (socket.State == WebSocketState.Open)
            {
                var message = await WebSocketText.ReceiveTextAsync(socket, closed.Token);
                if (message.Length > 0)
                {
                    Received.Enqueue((connection, message));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
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
