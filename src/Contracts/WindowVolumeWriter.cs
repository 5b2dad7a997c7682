using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Confluent.Kafka;

namespace BitcoinVolume.Contracts;

/// <summary>
/// Writes <see cref="WindowVolume"/> JSON by hand with a reused <see cref="Utf8JsonWriter"/> — the aggregator's hot
/// output path. The document is the same as the source-generated serializer's (same names, camelCase, decimals at
/// full precision), which reads it back; a test keeps the two equal.
/// </summary>
public sealed class WindowVolumeWriter : ISerializer<WindowVolume>
{
    private static readonly JsonEncodedText Product = JsonEncodedText.Encode("product");
    private static readonly JsonEncodedText Venue = JsonEncodedText.Encode("venue");
    private static readonly JsonEncodedText Side = JsonEncodedText.Encode("side");
    private static readonly JsonEncodedText WindowStart = JsonEncodedText.Encode("windowStart");
    private static readonly JsonEncodedText Trades = JsonEncodedText.Encode("trades");
    private static readonly JsonEncodedText BaseVolume = JsonEncodedText.Encode("baseVolume");
    private static readonly JsonEncodedText QuoteVolume = JsonEncodedText.Encode("quoteVolume");
    private static readonly JsonEncodedText Open = JsonEncodedText.Encode("open");
    private static readonly JsonEncodedText High = JsonEncodedText.Encode("high");
    private static readonly JsonEncodedText Low = JsonEncodedText.Encode("low");
    private static readonly JsonEncodedText Close = JsonEncodedText.Encode("close");
    private static readonly JsonEncodedText FirstTradeId = JsonEncodedText.Encode("firstTradeId");
    private static readonly JsonEncodedText LastTradeId = JsonEncodedText.Encode("lastTradeId");
    private static readonly JsonEncodedText Version = JsonEncodedText.Encode("version");
    private static readonly JsonEncodedText Final = JsonEncodedText.Encode("final");
    private static readonly JsonEncodedText Complete = JsonEncodedText.Encode("complete");
    private static readonly JsonEncodedText IncompleteReason = JsonEncodedText.Encode("incompleteReason");
    private static readonly JsonEncodedText SizeClasses = JsonEncodedText.Encode("sizeClasses");
    private static readonly JsonEncodedText Min = JsonEncodedText.Encode("min");
    private static readonly JsonEncodedText Max = JsonEncodedText.Encode("max");
    private static readonly JsonEncodedText Buy = JsonEncodedText.Encode("buy");
    private static readonly JsonEncodedText Sell = JsonEncodedText.Encode("sell");

    public byte[] Serialize(WindowVolume data, SerializationContext context)
    {
        ArgumentNullException.ThrowIfNull(data);
        return ThreadJsonBuffer.Write(data, Write).ToArray();
    }

    public static void Write(Utf8JsonWriter json, WindowVolume w)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(w);
        json.WriteStartObject();
        json.WriteString(Product, w.Product);
        json.WriteString(Side, w.Side == TakerSide.Buy ? Buy : Sell);
        json.WriteString(WindowStart, w.WindowStart);
        json.WriteNumber(Trades, w.Trades);
        Utf8Decimal.WriteNumber(json, BaseVolume, w.BaseVolume);
        Utf8Decimal.WriteNumber(json, QuoteVolume, w.QuoteVolume);
        Utf8Decimal.WriteNumber(json, Open, w.Open);
        Utf8Decimal.WriteNumber(json, High, w.High);
        Utf8Decimal.WriteNumber(json, Low, w.Low);
        Utf8Decimal.WriteNumber(json, Close, w.Close);
        json.WriteNumber(FirstTradeId, w.FirstTradeId);
        json.WriteNumber(LastTradeId, w.LastTradeId);
        json.WriteNumber(Version, w.Version);
        json.WriteBoolean(Final, w.Final);
        json.WriteString(Venue, w.Venue);
        if (w.IncompleteReason is { } reason)
        {
            json.WriteString(IncompleteReason, reason);
        }
        else
        {
            json.WriteNull(IncompleteReason);
        }

        json.WriteBoolean(Complete, w.Complete);
        if (w.SizeClasses is { } classes)
        {
            json.WriteStartArray(SizeClasses);
            foreach (var c in classes)
            {
                if (c.Trades == 0)
                {
                    json.WriteRawValue(EmptyClasses.JsonOf(c), skipInputValidation: true);
                }
                else
                {
                    WriteClass(json, c);
                }
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static void WriteClass(Utf8JsonWriter json, SizeClassVolume c)
    {
        json.WriteStartObject();
        Utf8Decimal.WriteNumber(json, Min, c.Min);
        if (c.Max is { } max)
        {
            Utf8Decimal.WriteNumber(json, Max, max);
        }
        else
        {
            json.WriteNull(Max);
        }

        json.WriteNumber(Trades, c.Trades);
        Utf8Decimal.WriteNumber(json, BaseVolume, c.BaseVolume);
        json.WriteEndObject();
    }

    /// <summary>
    /// This thread's JSON of recently written classes without trades, by instance: the aggregator shares one immutable
    /// empty class per boundary list, and most classes of a sparse window are empty, so each one's JSON is built once and
    /// then copied. Bounded: one entry per slot, a colliding instance replaces the slot's.
    /// </summary>
    private sealed class EmptyClasses
    {
        private const int Slots = 64;

        [ThreadStatic]
        private static EmptyClasses? current;

        private readonly SizeClassVolume?[] keys = new SizeClassVolume?[Slots];
        private readonly byte[][] values = new byte[Slots][];

        public static byte[] JsonOf(SizeClassVolume c)
        {
            var cache = current ??= new EmptyClasses();
            var slot = RuntimeHelpers.GetHashCode(c) & (Slots - 1);
            if (!ReferenceEquals(cache.keys[slot], c))
            {
                var buffer = new ArrayBufferWriter<byte>(128);
                using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
                {
                    WriteClass(writer, c);
                }

                (cache.keys[slot], cache.values[slot]) = (c, buffer.WrittenSpan.ToArray());
            }

            return cache.values[slot];
        }
    }
}
