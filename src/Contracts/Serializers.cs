using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Confluent.Kafka;

namespace BitcoinVolume.Contracts;

/// <summary>Kafka value (de)serializers for the contract types: UTF-8 JSON via source generation.</summary>
public static class ContractSerializers
{
    public static ISerializer<Trade> TradeSerializer { get; } = new JsonSerde<Trade>(ContractsJsonContext.Default.Trade);
    /// <summary>The hand-written writer of the same bytes as <see cref="TradeSerializer"/> (ingest's hot path).</summary>
    public static TradeRecordWriter TradeWriter { get; } = new();

    /// <summary>The hand-written reader (the aggregator's hot path); <see cref="ReferenceTradeDeserializer"/> is the generated equivalent.</summary>
    public static IDeserializer<Trade> TradeDeserializer { get; } = new TradeRecordReader();

    /// <summary>The source-generated <see cref="Trade"/> deserializer, kept as the reference for <see cref="TradeRecordReader"/>.</summary>
    public static IDeserializer<Trade> ReferenceTradeDeserializer { get; } = new JsonSerde<Trade>(ContractsJsonContext.Default.Trade);
    /// <summary>The hand-written writer (hot path); <see cref="ReferenceWindowSerializer"/> is the generated equivalent.</summary>
    public static ISerializer<WindowVolume> WindowSerializer { get; } = new WindowVolumeWriter();

    /// <summary>The source-generated <see cref="WindowVolume"/> serializer, kept as the reference for <see cref="WindowVolumeWriter"/>.</summary>
    public static ISerializer<WindowVolume> ReferenceWindowSerializer { get; } = new JsonSerde<WindowVolume>(ContractsJsonContext.Default.WindowVolume);
    public static IDeserializer<WindowVolume> WindowDeserializer { get; } = new JsonSerde<WindowVolume>(ContractsJsonContext.Default.WindowVolume);
    public static ISerializer<TradeGap> GapSerializer { get; } = new JsonSerde<TradeGap>(ContractsJsonContext.Default.TradeGap);
    public static IDeserializer<TradeGap> GapDeserializer { get; } = new JsonSerde<TradeGap>(ContractsJsonContext.Default.TradeGap);
    /// <summary>The hand-written writer (the aggregator's output path); <see cref="ReferenceFootprintSerializer"/> is the generated equivalent.</summary>
    public static ISerializer<FootprintWindow> FootprintSerializer { get; } = new FootprintWindowWriter();

    /// <summary>The source-generated <see cref="FootprintWindow"/> serializer, kept as the reference for <see cref="FootprintWindowWriter"/>.</summary>
    public static ISerializer<FootprintWindow> ReferenceFootprintSerializer { get; } = new JsonSerde<FootprintWindow>(ContractsJsonContext.Default.FootprintWindow);
    public static IDeserializer<FootprintWindow> FootprintDeserializer { get; } = new JsonSerde<FootprintWindow>(ContractsJsonContext.Default.FootprintWindow);
    public static ISerializer<LargeTrade> LargeTradeSerializer { get; } = new JsonSerde<LargeTrade>(ContractsJsonContext.Default.LargeTrade);
    public static IDeserializer<LargeTrade> LargeTradeDeserializer { get; } = new JsonSerde<LargeTrade>(ContractsJsonContext.Default.LargeTrade);
    public static ISerializer<DeadLetter> DeadLetterSerializer { get; } = new JsonSerde<DeadLetter>(ContractsJsonContext.Default.DeadLetter);
    public static IDeserializer<DeadLetter> DeadLetterDeserializer { get; } = new JsonSerde<DeadLetter>(ContractsJsonContext.Default.DeadLetter);

    public static ISerializer<StatusReport> StatusSerializer { get; } = new JsonSerde<StatusReport>(ContractsJsonContext.Default.StatusReport);
    public static IDeserializer<StatusReport> StatusDeserializer { get; } = new JsonSerde<StatusReport>(ContractsJsonContext.Default.StatusReport);

    private sealed class JsonSerde<T>(JsonTypeInfo<T> typeInfo) : ISerializer<T>, IDeserializer<T>
    {
        public byte[] Serialize(T data, SerializationContext context) => JsonSerializer.SerializeToUtf8Bytes(data, typeInfo);

        public T Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) =>
            isNull
                ? throw new InvalidDataException($"null {typeof(T).Name} value on topic {context.Topic}")
                : JsonSerializer.Deserialize(data, typeInfo)
                  ?? throw new InvalidDataException($"empty {typeof(T).Name} value on topic {context.Topic}");
    }
}
