using System.Text.Json;
using Confluent.Kafka;

namespace BitcoinVolume.Contracts;

/// <summary>
/// Writes <see cref="Trade"/> JSON by hand with a reused <see cref="Utf8JsonWriter"/> — ingest's hot output path: no
/// metadata walk, no per-record writer or buffer. The bytes are exactly the source-generated serializer's
/// (<see cref="ContractSerializers.TradeSerializer"/>: same property order, camelCase names, decimals at full precision,
/// <c>textId</c> written as null when absent); a test compares the two on every recorded trade.
/// </summary>
public sealed class TradeRecordWriter : ISerializer<Trade>
{
    private static readonly JsonEncodedText Product = JsonEncodedText.Encode("product");
    private static readonly JsonEncodedText TradeId = JsonEncodedText.Encode("tradeId");
    private static readonly JsonEncodedText Time = JsonEncodedText.Encode("time");
    private static readonly JsonEncodedText Price = JsonEncodedText.Encode("price");
    private static readonly JsonEncodedText Size = JsonEncodedText.Encode("size");
    private static readonly JsonEncodedText Side = JsonEncodedText.Encode("side");
    private static readonly JsonEncodedText Venue = JsonEncodedText.Encode("venue");
    private static readonly JsonEncodedText TextId = JsonEncodedText.Encode("textId");
    private static readonly JsonEncodedText Buy = JsonEncodedText.Encode("buy");
    private static readonly JsonEncodedText Sell = JsonEncodedText.Encode("sell");

    /// <summary>The record as a new array (what <see cref="ISerializer{T}"/> asks for).</summary>
    public byte[] Serialize(Trade data, SerializationContext context) => WriteToThreadBuffer(data).ToArray();

    /// <summary>
    /// Writes the record into this thread's reused buffer and returns it: valid until the next write of a record writer
    /// on the same thread (copy it, or hand it on before that). No allocation once the buffer has grown to the largest record.
    /// </summary>
    public static ReadOnlySpan<byte> WriteToThreadBuffer(Trade data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return ThreadJsonBuffer.Write(data, Write);
    }

    /// <summary>Writes the record's JSON object to <paramref name="json"/>.</summary>
    public static void Write(Utf8JsonWriter json, Trade trade)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(trade);
        json.WriteStartObject();
        json.WriteString(Product, trade.Product);
        json.WriteNumber(TradeId, trade.TradeId);
        json.WriteString(Time, trade.Time);
        Utf8Decimal.WriteNumber(json, Price, trade.Price);
        Utf8Decimal.WriteNumber(json, Size, trade.Size);
        json.WriteString(Side, trade.Side switch
        {
            TakerSide.Buy => Buy,
            TakerSide.Sell => Sell,
            _ => throw new ArgumentOutOfRangeException(nameof(trade), trade.Side, "Unknown taker side."),
        });
        json.WriteString(Venue, trade.Venue);
        if (trade.TextId is { } textId)
        {
            json.WriteString(TextId, textId);
        }
        else
        {
            json.WriteNull(TextId);
        }

        json.WriteEndObject();
    }
}
