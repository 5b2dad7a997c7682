using System.Net.WebSockets;
using System.Text;

namespace BitcoinVolume.TestSupport;

/// <summary>Whole text messages over a websocket, for the fake venue servers.</summary>
internal static class WebSocketText
{
    /// <summary>Reads one whole message: its type (<see cref="WebSocketMessageType.Close"/> when the client closes) and its text.</summary>
    public static async Task<(WebSocketMessageType Type, string Text)> ReceiveAsync(WebSocket socket, CancellationToken token)
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
        return (result.MessageType, Encoding.UTF8.GetString(text.ToArray()));
    }

    /// <summary>Sends one whole text message.</summary>
    public static Task SendAsync(WebSocket socket, string text, CancellationToken token) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, token);
}
