using System.Buffers;
using System.Text.Json;

namespace BitcoinVolume.Ingest.Venues.Binance;

/// <summary>
/// The Binance (or Binance.US) spot websocket: the combined endpoint (<c>wss://stream.binance.com:9443/stream</c>) with
/// live <c>SUBSCRIBE</c> requests for <c>&lt;symbol&gt;@aggTrade</c>. Up to <see cref="MaxMessages"/> products get one
/// request each whose id is <c>sub</c> + the lower-case symbol (Binance echoes the id, so a refusal names the symbol;
/// Binance takes at most 5 incoming messages per second); more products share one request (id <c>suball</c>). The
/// server's pings are websocket control frames the client answers itself, unseen by the watchdog, so the application
/// ping is a <c>LIST_SUBSCRIPTIONS</c> request (id <c>ping</c>) every <c>PingInterval</c>: its answer keeps a quiet
/// symbol's connection from looking stalled. Binance ends
/// every connection at 24 h: <see cref="MaxConnectionAge"/> is a little less, so the reconnect is ours (healthy) and the
/// id gap it may leave is backfilled.
/// </summary>
public sealed class BinanceLiveFeed(string name, Uri url, TimeSpan maxConnectionAge, TimeSpan pingInterval, Func<string, string> symbolOf) : ILiveFeed
{
    /// <summary>The id of the ping request, echoed in Binance's answer.</summary>
    public const string PingId = "ping";

    /// <summary>The application ping: a request every Binance stream connection answers with its active streams.</summary>
    public static ReadOnlyMemory<byte> PingMessage { get; } = "{\"method\":\"LIST_SUBSCRIPTIONS\",\"id\":\"ping\"}"u8.ToArray();

    /// <summary>Products subscribed by one request each; beyond this, one request for all.</summary>
    public const int MaxMessages = 4;

    public string Name => name;

    public Uri Url => url;

    public LivePing Ping { get; } = pingInterval > TimeSpan.Zero ? new LivePing(pingInterval, PingMessage) : LivePing.None;

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
