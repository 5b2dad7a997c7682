using Confluent.Kafka;

namespace BitcoinVolume.Benchmarks.Harness;

/// <summary>A producer with ingest's settings (idempotent, acks=all, lz4), and producing that waits when its queue is full.</summary>
public static class TradeProducer
{
    public static IProducer<string, byte[]> Create(string bootstrapServers, string clientId, int lingerMs = 5) =>
        new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            CompressionType = CompressionType.Lz4,
            LingerMs = lingerMs,
            ClientId = clientId,
        }).Build();

    /// <summary>Produces one record; while the local queue is full, serves delivery reports until there is room.</summary>
    public static void ProduceWaiting(this IProducer<string, byte[]> producer, string topic, string key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(producer);
        while (true)
        {
            try
            {
                producer.Produce(topic, new Message<string, byte[]> { Key = key, Value = value });
                return;
            }
            catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(10));
            }
        }
    }
}
