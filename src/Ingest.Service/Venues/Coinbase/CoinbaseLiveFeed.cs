using System.Buffers;
using System.Text.Json;

namespace BitcoinVolume.Ingest.Venues.Coinbase;

/// <summary>The two Coinbase websocket feeds.</summary>
public enum CoinbaseFeed
{
    /// <summary>Exchange feed: channels <c>matches</c> and <c>heartbeat</c> in one subscribe message.</summary>
    Exchange,

    /// <summary>Advanced Trade: channels <c>market_trades</c> and <c>heartbeats</c>, one subscribe message per channel.</summary>
    AdvancedTrade,
}

/// <summary>
/// What is Coinbase's in a live connection: the URL and the subscribe messages of each feed. Coinbase needs no
/// application-level ping (its heartbeats keep the connection busy; the websocket keep-alive does the rest), sets no
/// maximum connection age and sends no reconnect requests. Products are Coinbase's own ids, already canonical
/// (<c>BTC-USD</c>).
/// </summary>
public sealed class CoinbaseLiveFeed(CoinbaseFeed feed, Uri url) : ILiveFeed
{
    public string Name => feed == CoinbaseFeed.Exchange ? CoinbaseVenue.ExchangeSource : CoinbaseVenue.AdvancedTradeSource;

    public Uri Url => url;

    public LivePing Ping => LivePing.None;

    public TimeSpan MaxConnectionAge => Timeout.InfiniteTimeSpan;

    /// <summary>The subscribe messages of the feed (Advanced Trade takes one channel per message).</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> SubscribeMessages(IReadOnlyList<string> products) => feed == CoinbaseFeed.Exchange
        ? [Subscribe(products, channels: ["matches", "heartbeat"], channel: null)]
        : [Subscribe(products, null, "market_trades"), Subscribe(products, null, "heartbeats")];

    public bool IsReconnectRequest(ReadOnlySpan<byte> frame) => false;

    /// <summary>
    /// Advanced Trade: the top-level <c>sequence_num</c> (one counter per connection, every message, from 0). The Exchange
    /// feed's <c>sequence</c> is per product and counts messages of channels not subscribed (it jumps on
    /// <c>matches</c>), so it says nothing about loss: null.
    /// </summary>
    public long? SequenceOf(ReadOnlySpan<byte> frame)
    {
        if (feed != CoinbaseFeed.AdvancedTrade)
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(frame, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("sequence_num"u8))
                {
                    reader.Read();
                    return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var sequence) ? sequence : null;
                }

                reader.Read();
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not JSON: the parser dead-letters it; no sequence number to check.
        }

        return null;
    }

    private static ReadOnlyMemory<byte> Subscribe(IReadOnlyList<string> products, string[]? channels, string? channel)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type"u8, "subscribe"u8);
            json.WriteStartArray("product_ids"u8);
            foreach (var product in products)
            {
                json.WriteStringValue(product);
            }

            json.WriteEndArray();
            if (channels is not null)
            {
                json.WriteStartArray("channels"u8);
                foreach (var name in channels)
                {
                    json.WriteStringValue(name);
                }

                json.WriteEndArray();
            }

            if (channel is not null)
            {
                json.WriteString("channel"u8, channel);
            }

            json.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }
}
