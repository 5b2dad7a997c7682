using System.Buffers;
using System.Text;
using System.Text.Json;

namespace BitcoinVolume.Ingest.Venues.Okx;

/// <summary>
/// The OKX v5 websocket feed: <c>wss://ws.okx.com:8443/ws/v5/business</c>, channel <c>trades-all</c> (one message per fill,
/// unlike the aggregated public <c>trades</c>, so ids step by one and REST <c>history-trades</c> returns the same trades),
/// one subscribe request per instrument with id <c>sub</c> + the instId without dashes (an error answer is then about
/// that instrument). OKX closes a connection that is silent for 30 s: the text <c>ping</c> goes every
/// <see cref="OkxOptions.PingInterval"/> (the server answers <c>pong</c>). A <c>notice</c> event with code 64008 (service
/// upgrade: "the connection will soon be closed") is a server-requested reconnect. No maximum connection age.
/// </summary>
public sealed class OkxLiveFeed(string name, Uri url, TimeSpan pingInterval) : ILiveFeed
{
    /// <summary>The channel subscribed.</summary>
    public const string Channel = "trades-all";

    private static readonly ReadOnlyMemory<byte> PingText = "ping"u8.ToArray();

    public string Name => name;

    public Uri Url => url;

    public LivePing Ping { get; } = new(pingInterval, PingText);

    public TimeSpan MaxConnectionAge => Timeout.InfiniteTimeSpan;

    /// <summary>OKX instIds of spot are the canonical products (<c>BTC-USDT</c>).</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> SubscribeMessages(IReadOnlyList<string> products)
    {
        ArgumentNullException.ThrowIfNull(products);
        return [.. products.Select(Subscribe)];
    }

    /// <summary>True for OKX's service-upgrade notice (<c>{"event":"notice","code":"64008",…}</c>).</summary>
    public bool IsReconnectRequest(ReadOnlySpan<byte> frame) =>
        frame.IndexOf("\"event\":\"notice\""u8) >= 0 && frame.IndexOf("\"64008\""u8) >= 0;

    private static ReadOnlyMemory<byte> Subscribe(string instId)
    {
        var id = OkxFrameParser.SubscribeIdPrefix + new string([.. instId.Where(char.IsAsciiLetterOrDigit)]);
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id"u8, id.Length <= 32 ? id : id[..32]);
            json.WriteString("op"u8, "subscribe"u8);
            json.WriteStartArray("args"u8);
            json.WriteStartObject();
            json.WriteString("channel"u8, Encoding.UTF8.GetBytes(Channel));
            json.WriteString("instId"u8, instId);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }
}
