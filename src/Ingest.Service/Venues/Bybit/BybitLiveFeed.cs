using System.Buffers;
using System.Text.Json;

namespace BitcoinVolume.Ingest.Venues.Bybit;

/// <summary>
/// What is Bybit's in a live connection (v5 public, https://bybit-exchange.github.io/docs/v5/ws/connect): the market's
/// URL; ONE subscribe message per product, <c>{"op":"subscribe","req_id":"publicTrade.BTCUSDT","args":["publicTrade.BTCUSDT"]}</c>
/// (Bybit answers each request with one reply echoing <c>req_id</c>, so a refused symbol is named and cannot take the
/// other products' topics down with it); the application ping <c>{"op":"ping"}</c> every <c>PingSeconds</c> (4 s; Bybit
/// recommends at least one every 20 s to keep the connection, and on a quiet product the pong is what feeds the
/// watchdog); no maximum connection age and no server-requested reconnects.
/// </summary>
public sealed class BybitLiveFeed(string name, Uri url, TimeSpan pingInterval, Func<string, string> symbolOf) : ILiveFeed
{
    private static readonly byte[] PingMessage = """{"op":"ping"}"""u8.ToArray();

    public string Name => name;

    public Uri Url => url;

    public LivePing Ping { get; } = new(pingInterval, PingMessage);

    public TimeSpan MaxConnectionAge => Timeout.InfiniteTimeSpan;

    /// <summary>The topic of a venue symbol's trades.</summary>
    public static string TopicOf(string symbol) => "publicTrade." + symbol;

    public IReadOnlyList<ReadOnlyMemory<byte>> SubscribeMessages(IReadOnlyList<string> products)
    {
        ArgumentNullException.ThrowIfNull(products);
        var messages = new List<ReadOnlyMemory<byte>>(products.Count);
        foreach (var product in products)
        {
            var topic = TopicOf(symbolOf(product));
            var buffer = new ArrayBufferWriter<byte>(96);
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteString("op"u8, "subscribe"u8);
                json.WriteString("req_id"u8, topic);
                json.WriteStartArray("args"u8);
                json.WriteStringValue(topic);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            messages.Add(buffer.WrittenMemory);
        }

        return messages;
    }

    public bool IsReconnectRequest(ReadOnlySpan<byte> frame) => false;
}
