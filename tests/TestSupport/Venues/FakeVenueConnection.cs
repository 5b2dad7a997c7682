using System.Net.WebSockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;

namespace BitcoinVolume.TestSupport;

/// <summary>
/// One websocket connection of a <see cref="FakeVenueServer"/>, for the fake to script: read what the client sends (its
/// subscribe messages, pings…), send text frames, drop the connection, stall. Everything the client sends is read from
/// the start (so a close or an abort is noticed at once); <see cref="Closed"/> is cancelled when the client closes or
/// goes away, or the server stops.
/// </summary>
public sealed class FakeVenueConnection
{
    private readonly HttpContext context;
    private readonly WebSocket socket;
    private readonly CancellationTokenSource closed;
    private readonly Action sent;
    private readonly Channel<string> received = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Task reader;

    internal FakeVenueConnection(int number, HttpContext context, WebSocket socket, CancellationTokenSource closed, Action sent)
    {
        Number = number;
        this.context = context;
        this.socket = socket;
        this.closed = closed;
        this.sent = sent;
        reader = ReadAsync();
    }

    /// <summary>1 for the first connection the server accepted, 2 for the next, and so on (over all its paths).</summary>
    public int Number { get; }

    /// <summary>The upgrade request: path and query (for venues that subscribe in the URL).</summary>
    public HttpRequest Request => context.Request;

    /// <summary>Cancelled when the client closes or goes away, or the server stops.</summary>
    public CancellationToken Closed => closed.Token;

    /// <summary>The next text message the client sent (in order); throws <see cref="OperationCanceledException"/> once it is gone.</summary>
    public async Task<string> ReceiveTextAsync()
    {
        try
        {
            return await received.Reader.ReadAsync(Closed);
        }
        catch (ChannelClosedException)
        {
            throw new OperationCanceledException("the client closed the connection", Closed);
        }
    }

    /// <summary>Sends one text frame.</summary>
    public async Task SendTextAsync(string frame)
    {
        await WebSocketText.SendAsync(socket, frame, Closed);
        sent();
    }

    /// <summary>
    /// Vanishes without a close handshake, after <paramref name="delay"/> (time for the client to read what was sent: an
    /// abort may discard bytes it has not read yet).
    /// </summary>
    public async Task DropAsync(TimeSpan delay)
    {
        await Task.Delay(delay, Closed);
        context.Abort();
    }

    /// <summary>Goes silent (no frames, no heartbeats) until the client gives up on the connection or the server stops.</summary>
    public Task StallAsync() => Task.Delay(Timeout.Infinite, Closed);

    /// <summary>Ends the connection: stops reading and waits for the reader.</summary>
    internal async Task EndAsync()
    {
        await closed.CancelAsync();
        await reader;
    }

    private async Task ReadAsync()
    {
        await Task.Yield();
        try
        {
            while (true)
            {
                var (type, text) = await WebSocketText.ReceiveAsync(socket, Closed);
                if (type == WebSocketMessageType.Close)
                {
                    break;
                }

                received.Writer.TryWrite(text);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
        }

        received.Writer.TryComplete();
        await closed.CancelAsync();
    }
}
