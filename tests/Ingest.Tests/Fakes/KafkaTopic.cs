using BitcoinVolume.Contracts;
using Confluent.Kafka;

namespace BitcoinVolume.Ingest.Tests.Fakes;

internal static class KafkaTopic
{
    /// <summary>
    /// Reads a topic from the beginning of every partition until <paramref name="count"/> records (or
    /// <paramref name="timeout"/>), then <paramref name="settle"/> more to catch extras (duplicates would show there).
    /// </summary>
    public static List<(string Key, T Value)> ReadAll<T>(string bootstrapServers, string topic, int count, IDeserializer<T> deserializer,
        TimeSpan? timeout = null, TimeSpan? settle = null)
    {
        using var consumer = new ConsumerBuilder<string, T>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"test-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
        }).SetValueDeserializer(deserializer).Build();
        var partitions = Topics.All.Single(t => t.Name == topic).Partitions;
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var records = new List<(string, T)>();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        DateTime? settleUntil = null;
        while (DateTime.UtcNow < (settleUntil ?? deadline))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } record)
            {
                records.Add((record.Message.Key, record.Message.Value));
            }

            if (records.Count >= count && settleUntil is null)
            {
                settleUntil = DateTime.UtcNow + (settle ?? TimeSpan.FromSeconds(1));
            }
        }

        return records;
    }
}
