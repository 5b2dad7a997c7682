using System.Buffers;
using System.Text.Json;

namespace BitcoinVolume.Ingest.Venues.Kraken;

/// <summary>
/// Kraken websocket v2: one <c>{"method":"subscribe","params":{"channel":"trade","symbol":[…],"snapshot":true}}</c>
/// (symbols <c>BTC/USD</c>; Kraken acknowledges each symbol, or refuses it with <c>success:false</c>), a
/// <c>{"method":"ping"}</c> every <see cref="KrakenOptions.PingInterval"/> (heartbeats come about every second anyway), no
/// maximum connection age, no server-requested reconnects.
/// </summary>
public sealed class KrakenLiveFeed(KrakenOptions options, Func<string, string> symbolOf) : ILiveFeed
{
    private static readonly ReadOnlyMemory<byte> PingMessage = "{\"method\":\"ping\"}"u8.ToArray();

    public string Name => KrakenVenue.LiveSource;

    public Uri Url => options.Url;

    public LivePing Ping { get; } = options.PingInterval > TimeSpan.Zero ? new LivePing(options.PingInterval, PingMessage) : LivePing.None;

    public TimeSpan MaxConnectionAge => Timeout.InfiniteTimeSpan;

    public IReadOnlyList<ReadOnlyMemory<byte>> SubscribeMessages(IReadOnlyList<string> products)
    {
        ArgumentNullException.ThrowIfNull(products);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("method"u8, "subscribe"u8);
            json.WriteStartObject("params"u8);
            json.WriteString("channel"u8, "trade"u8);
            json.WriteStartArray("symbol"u8);
            foreach (var product in products)
            {
                json.WriteStringValue(symbolOf(product));
            }

            json.WriteEndArray();
            json.WriteBoolean("snapshot"u8, true);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return [buffer.WrittenMemory];
    }

    public bool IsReconnectRequest(ReadOnlySpan<byte> frame) => false;
}
