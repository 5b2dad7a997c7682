using System.Text;
using System.Text.Json;
using Confluent.Kafka;

namespace BitcoinVolume.Contracts;

/// <summary>
/// Reads <see cref="Trade"/> records of <see cref="Topics.Trades"/> by hand with a <see cref="Utf8JsonReader"/> — the
/// aggregator's hot input path (the generated deserializer walked its metadata and built an argument array per record; this
/// reads the eight fields straight into the record). It reads what <see cref="TradeRecordWriter"/> and the generated
/// serializer write, in any property order, skipping unknown properties, and a record written before venues existed (no
/// <c>venue</c>: Coinbase). It is stricter than the generated deserializer, which filled a missing field with its default:
/// a record that is not one JSON object, lacks product, tradeId, time, price, size or side, has a field of the wrong JSON
/// type, a side other than <c>buy</c>/<c>sell</c>, an empty product, or a price or size that is not positive is rejected
/// with a <see cref="JsonException"/> or <see cref="InvalidDataException"/> naming the field (the aggregator dead-letters
/// it). A test keeps it equal to the generated deserializer on every recorded trade.
/// </summary>
public sealed class TradeRecordReader : IDeserializer<Trade>
{
    [ThreadStatic]
    private static StringCache? strings;

    public Trade Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        if (isNull)
        {
            throw new InvalidDataException($"null Trade value on topic {context.Topic}");
        }

        var reader = new Utf8JsonReader(data);
        try
        {
            return Read(ref reader);
        }
        catch (InvalidOperationException e)
        {
            // E.g. a string that is not valid UTF-8: a bad record like any other, not a failure of the reader's caller.
            throw new JsonException($"A trade record has an unreadable value: {e.Message}", e);
        }
    }

    /// <summary>Reads one trade object (the whole input of <paramref name="reader"/>: trailing content is an error).</summary>
    public static Trade Read(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A trade record must be a JSON object.");
        }

        string? product = null, venue = null, textId = null;
        long? tradeId = null;
        DateTimeOffset? time = null;
        decimal? price = null, size = null;
        TakerSide? side = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("product"u8))
            {
                product = StringOf(ref reader, "product");
            }
            else if (reader.ValueTextEquals("tradeId"u8))
            {
                tradeId = Next(ref reader, JsonTokenType.Number, "tradeId").TryGetInt64(out var id) ? id : throw Invalid("tradeId", "is not a 64-bit integer");
            }
            else if (reader.ValueTextEquals("time"u8))
            {
                time = Next(ref reader, JsonTokenType.String, "time").TryGetDateTimeOffset(out var t) ? t : throw Invalid("time", "is not an ISO 8601 date and time");
            }
            else if (reader.ValueTextEquals("price"u8))
            {
                price = DecimalOf(ref reader, "price");
            }
            else if (reader.ValueTextEquals("size"u8))
            {
                size = DecimalOf(ref reader, "size");
            }
            else if (reader.ValueTextEquals("side"u8))
            {
                Next(ref reader, JsonTokenType.String, "side");
                side = reader.ValueTextEquals("buy"u8) ? TakerSide.Buy
                    : reader.ValueTextEquals("sell"u8) ? TakerSide.Sell
                    : throw Invalid("side", $"is \"{reader.GetString()}\", not \"buy\" or \"sell\"");
            }
            else if (reader.ValueTextEquals("venue"u8))
            {
                venue = StringOf(ref reader, "venue");
            }
            else if (reader.ValueTextEquals("textId"u8))
            {
                textId = StringOf(ref reader, "textId");
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            throw new JsonException("A trade record must be one complete JSON object.");
        }

        // One more read: Utf8JsonReader rejects anything after the object itself (a JsonException) and returns false at the end.
        if (reader.Read())
        {
            throw new JsonException("A trade record has content after its object.");
        }

        if (string.IsNullOrEmpty(product))
        {
            throw Invalid("product", product is null ? "is missing" : "is empty");
        }

        return new Trade(
            product,
            tradeId ?? throw Invalid("tradeId", "is missing"),
            time ?? throw Invalid("time", "is missing"),
            Positive(price, "price"),
            Positive(size, "size"),
            side ?? throw Invalid("side", "is missing"))
        { Venue = venue!, TextId = textId };
    }

    private static ref Utf8JsonReader Next(ref Utf8JsonReader reader, JsonTokenType expected, string field)
    {
        reader.Read();
        if (reader.TokenType != expected)
        {
            throw Invalid(field, $"is a JSON {reader.TokenType}, not a {expected}");
        }

        return ref reader;
    }

    /// <summary>A string or null (absent).</summary>
    private static string? StringOf(ref Utf8JsonReader reader, string field)
    {
        reader.Read();
        return reader.TokenType switch
        {
            JsonTokenType.String => !reader.ValueIsEscaped && !reader.HasValueSequence && reader.ValueSpan.Length <= StringCache.MaxLength && Ascii.IsValid(reader.ValueSpan)
                ? (strings ??= new StringCache()).Get(reader.ValueSpan)
                : reader.GetString(),
            JsonTokenType.Null => null,
            _ => throw Invalid(field, $"is a JSON {reader.TokenType}, not a String"),
        };
    }

    private static decimal DecimalOf(ref Utf8JsonReader reader, string field) =>
        Next(ref reader, JsonTokenType.Number, field).TryGetDecimal(out var value) ? value : throw Invalid(field, "is not a decimal number in range");

    private static decimal Positive(decimal? value, string field) =>
        value switch
        {
            null => throw Invalid(field, "is missing"),
            <= 0m => throw Invalid(field, $"is {value}, not positive"),
            _ => value.Value,
        };

    private static InvalidDataException Invalid(string field, string problem) => new($"Trade record field {field} {problem}.");

    /// <summary>
    /// This thread's last strings per hash slot (product and venue ids, ASCII): a partition's records repeat a few streams,
    /// so most of them need no new string. Bounded (<see cref="Slots"/> entries); a colliding string replaces the slot's.
    /// </summary>
    private sealed class StringCache
    {
        public const int MaxLength = 64;
        private const int Slots = 512;
        private readonly byte[]?[] keys = new byte[Slots][];
        private readonly string?[] values = new string?[Slots];

        public string Get(ReadOnlySpan<byte> ascii)
        {
            var hash = 2166136261u;
            foreach (var b in ascii)
            {
                hash = (hash ^ b) * 16777619u;
            }

            var slot = (int)(hash & (Slots - 1));
            if (keys[slot] is { } key && ascii.SequenceEqual(key))
            {
                return values[slot]!;
            }

            var value = Encoding.ASCII.GetString(ascii);
            (keys[slot], values[slot]) = (ascii.ToArray(), value);
            return value;
        }
    }
}
