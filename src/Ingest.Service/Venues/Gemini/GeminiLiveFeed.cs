using System.Buffers;
using System.Text.Json;

namespace BitcoinVolume.Ingest.Venues.Gemini;

/// <summary>
/// The Gemini market data v2 feed: <c>wss://api.gemini.com/v2/marketdata</c>, one
/// <c>{"type":"subscribe","subscriptions":[{"name":"l2","symbols":["BTCUSD",…]}]}</c> for every product (v2 has no
/// trades-only channel: <c>l2</c> carries book changes, the recent trades on subscribe and each trade). Gemini sends a
/// <c>heartbeat</c> every 5 s, which keeps the stall watchdog (<c>Ingest:Live:StallTimeout</c>, 10 s) fed: no application
/// ping. No documented maximum connection age, no server-requested reconnect.
/// </summary>
public sealed class GeminiLiveFeed(string name, Uri url, Func<string, string> symbolOf) : ILiveFeed
{
    /// <summary>The channel subscribed.</summary>
    public const string Channel = "l2";

    public string Name => name;

    public Uri Url => url;

    public LivePing Ping => LivePing.None;

    public TimeSpan MaxConnectionAge => Timeout.InfiniteTimeSpan;

    public IReadOnlyList<ReadOnlyMemory<byte>> SubscribeMessages(IReadOnlyList<string> products)
    {
        ArgumentNullException.ThrowIfNull(products);
        if (products.Count == 0)
        {
            return [];
        }

        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type"u8, "subscribe"u8);
            json.WriteStartArray("subscriptions"u8);
            json.WriteStartObject();
            json.WriteString("name"u8, Channel);
            json.WriteStartArray("symbols"u8);
            foreach (var product in products)
            {
                json.WriteStringValue(symbolOf(product));
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return [buffer.WrittenMemory];
    }

    /// <summary>Gemini documents no such frame.</summary>
    public bool IsReconnectRequest(ReadOnlySpan<byte> frame) => false;
}
