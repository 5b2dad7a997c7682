using System.Text.Json;
using Confluent.Kafka;

namespace BitcoinVolume.Contracts;

/// <summary>
/// Writes <see cref="FootprintWindow"/> JSON by hand with the reused per-thread <see cref="Utf8JsonWriter"/> — the
/// aggregator's <c>footprint.1m</c> output path, where every changed window is written in full each batch. The document is
/// the source-generated serializer's (<see cref="ContractSerializers.ReferenceFootprintSerializer"/>: same names and order,
/// camelCase, decimals at full precision), which reads it back; a test keeps the two equal.
/// </summary>
public sealed class FootprintWindowWriter : ISerializer<FootprintWindow>
{
    private static readonly JsonEncodedText Venue = JsonEncodedText.Encode("venue");
    private static readonly JsonEncodedText Product = JsonEncodedText.Encode("product");
    private static readonly JsonEncodedText WindowStart = JsonEncodedText.Encode("windowStart");
    private static readonly JsonEncodedText Tick = JsonEncodedText.Encode("tick");
    private static readonly JsonEncodedText Trades = JsonEncodedText.Encode("trades");
    private static readonly JsonEncodedText Levels = JsonEncodedText.Encode("levels");
    private static readonly JsonEncodedText Price = JsonEncodedText.Encode("price");
    private static readonly JsonEncodedText BuyBase = JsonEncodedText.Encode("buyBase");
    private static readonly JsonEncodedText SellBase = JsonEncodedText.Encode("sellBase");
    private static readonly JsonEncodedText BuyTrades = JsonEncodedText.Encode("buyTrades");
    private static readonly JsonEncodedText SellTrades = JsonEncodedText.Encode("sellTrades");
    private static readonly JsonEncodedText Version = JsonEncodedText.Encode("version");
    private static readonly JsonEncodedText Final = JsonEncodedText.Encode("final");

    public byte[] Serialize(FootprintWindow data, SerializationContext context)
    {
        ArgumentNullException.ThrowIfNull(data);
        return ThreadJsonBuffer.Write(data, Write).ToArray();
    }

    /// <summary>Writes the value's JSON object to <paramref name="json"/>.</summary>
    public static void Write(Utf8JsonWriter json, FootprintWindow w)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(w);
        json.WriteStartObject();
        json.WriteString(Venue, w.Venue);
        json.WriteString(Product, w.Product);
        json.WriteString(WindowStart, w.WindowStart);
        Utf8Decimal.WriteNumber(json, Tick, w.Tick);
        json.WriteNumber(Trades, w.Trades);
        json.WriteStartArray(Levels);
        foreach (var level in w.Levels)
        {
            json.WriteStartObject();
            Utf8Decimal.WriteNumber(json, Price, level.Price);
            Utf8Decimal.WriteNumber(json, BuyBase, level.BuyBase);
            Utf8Decimal.WriteNumber(json, SellBase, level.SellBase);
            json.WriteNumber(BuyTrades, level.BuyTrades);
            json.WriteNumber(SellTrades, level.SellTrades);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteNumber(Version, w.Version);
        json.WriteBoolean(Final, w.Final);
        json.WriteEndObject();
    }
}
