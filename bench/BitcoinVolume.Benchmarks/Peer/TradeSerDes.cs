using BitcoinVolume.Contracts;
using Confluent.Kafka;
using Streamiz.Kafka.Net.Processors;
using Streamiz.Kafka.Net.SerDes;

namespace BitcoinVolume.Benchmarks.Peer;

/// <summary>
/// Streamiz serde for the <c>trades</c> topic: the very JSON (de)serializers the services use
/// (<see cref="ContractSerializers.TradeDeserializer"/>), so the peer pays the same parsing cost as our aggregator.
/// </summary>
public sealed class TradeSerDes : AbstractSerDes<Trade>
{
    /// <inheritdoc />
    public override byte[] Serialize(Trade data, SerializationContext context) => ContractSerializers.TradeSerializer.Serialize(data, context);

    /// <inheritdoc />
    public override Trade Deserialize(byte[] data, SerializationContext context) =>
        ContractSerializers.TradeDeserializer.Deserialize(data, data is null, context);
}

/// <summary>
/// Event time for Streamiz's windows: <see cref="Trade.Time"/> (the exchange's trade time), not the Kafka record timestamp
/// (produce time), exactly as our aggregator windows trades.
/// </summary>
public sealed class TradeTimeExtractor : ITimestampExtractor
{
    /// <inheritdoc />
    public long Extract(ConsumeResult<object, object> record, long partitionTime)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Message.Value is Trade trade
            ? trade.Time.ToUnixTimeMilliseconds()
            : throw new InvalidDataException($"Expected a deserialized Trade, got {record.Message.Value?.GetType().Name ?? "null"}.");
    }
}
