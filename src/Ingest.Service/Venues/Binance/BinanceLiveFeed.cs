using System.Buffers;
using System.Text.Json;

namespace BitcoinVolume.Ingest.Venues.Binance;

/// <summary>
/// The Binance (or Binance.US) spot websocket: the combined endpoint (<c>wss://stream.binance.com:9443/stream</c>) with
/// live <c>SUBSCRIBE</c> requests for <c>&lt;symbol&gt;@aggTrade</c>. Up to <see cref="MaxMessages"/> products get one
/// request each whose id is <c>sub</c> + the lower-case symbol (Binance echoes the id, so a refusal names the symbol;
/// Binance takes at most 5 incoming messages per second); more products share one request (id <c>suball</c>). No
/// application ping: the server pings every few minutes and the websocket client answers with pongs itself. Binance ends
/// every connection at 24 h: <see cref="MaxConnectionAge"/> is a little less, so the reconnect is ours (healthy) and the
/// id gap it may leave is backfilled.
/// </summary>
public sealed class BinanceLiveFeed(string name, Uri url, TimeSpan maxConnectionAge, Func<string, string> symbolOf) : ILiveFeed
{
    /// <summary>Products subscribed by one request each; beyond this, one request for all.</summary>
    public const int MaxMessages = 4;

    public string Name => name;

    public Uri Url => url;

    public LivePing Ping => LivePing.None;

    public TimeSpan MaxConnectionAge => maxConnectionAge;

    public IReadOnlyList<ReadOnlyMemory<byte>> SubscribeMessages(IReadOnlyList<string> products)
    {
        ArgumentNullException.ThrowIfNull(products);
        var streams = products.Select(p => symbolOf(p).ToLowerInvariant()).ToList();
        return streams.Count <= MaxMessages
            ? [.. streams.Select(s => Subscribe([s], BinanceFrameParser.SubscribeIdPrefix + new string([.. s.Where(char.IsAsciiLetterOrDigit)])))]
            : [Subscribe(streams, BinanceFrameParser.SubscribeIdPrefix + "all")];
    }

    public bool IsReconnectRequest(ReadOnlySpan<byte> frame) => false;

    private static ReadOnlyMemory<byte> Subscribe(IEnumerable<string> symbols, string id)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("method"u8, "SUBSCRIBE"u8);
            json.WriteStartArray("params"u8);
            foreach (var symbol in symbols)
            {
                json.WriteStringValue(symbol + "@aggTrade");
            }

            json.WriteEndArray();
            json.WriteString("id"u8, id.Length <= 36 ? id : id[..36]);
            json.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }
}
