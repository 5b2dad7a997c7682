using System.Net.WebSockets;
using System.Text;

namespace BitcoinVolume.TestSupport;

/// <summary>Websocket helpers of the fake Coinbase servers (linked into the test projects that run one).</summary>
internal static class WebSocketText
{
    /// <summary>Reads one whole text message.</summary>
    public static async Task<string> ReceiveTextAsync(WebSocket socket, CancellationToken token)
    {
        var buffer = new byte[4096];
        using var text = new MemoryStream();
        ValueWebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer.AsMemory(), token);
            text.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);
        return Encoding.UTF8.GetString(text.ToArray());
    }

    /// <summary>Reads and discards until the client closes or goes away, then cancels <paramref name="closed"/>.</summary>
    public static async Task DrainAsync(WebSocket socket, CancellationTokenSource closed)
    {
        var buffer = new byte[1024];
        try
        {
            while ((await socket.ReceiveAsync(buffer.AsMemory(), closed.Token)).MessageType != WebSocketMessageType.Close)
            {
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
        }

        await closed.CancelAsync();
    }
}
