using BitcoinVolume.Contracts;
using Confluent.Kafka;

namespace BitcoinVolume.Aggregate.Processing;

/// <summary>The aggregator's Kafka clients: an idempotent producer of outputs and a consumer that never jumps silently.</summary>
internal static class AggregateClients
{
    public const string ClientId = "aggregate";

    /// <summary>Shared <c>Kafka:*</c> settings, then the producer's own (idempotent, acks=all, lz4).</summary>
    public static ProducerConfig ProducerConfig(IConfiguration configuration) =>
        new(KafkaSettings.Configure(new ClientConfig(), configuration))
        {
            EnableIdempotence = true,
            Acks = Acks.All,
            CompressionType = CompressionType.Lz4,
            LingerMs = 5,
            ClientId = ClientId,
        };

    /// <summary>Shared <c>Kafka:*</c> settings first, then the aggregator's own <c>Aggregate:Kafka:*</c> on top, then the fixed ones.</summary>
    public static ConsumerConfig ConsumerConfig(IConfiguration configuration, AggregateOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var consumerBase = KafkaSettings.Configure(new ClientConfig(), configuration);
        foreach (var (key, value) in settings.Kafka)
        {
            consumerBase.Set(key, value);
        }

        return new ConsumerConfig(consumerBase)
        {
            GroupId = settings.GroupId,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,

            // Never jump silently: an offset that is gone surfaces as an error and blocks the partition.
            AutoOffsetReset = AutoOffsetReset.Error,
            ClientId = ClientId,
        };
    }

    public static IProducer<string, byte[]> BuildProducer(IConfiguration configuration, ILogger logger) =>
        new ProducerBuilder<string, byte[]>(ProducerConfig(configuration))
            .SetErrorHandler((_, e) => logger.ProducerError(e.Reason, e.IsFatal))
            .Build();

    /// <summary>The consumer, with the rebalance callbacks of <paramref name="rebalancer"/>.</summary>
    public static IConsumer<string, byte[]> BuildConsumer(IConfiguration configuration, AggregateOptions settings, PartitionRebalancer rebalancer, ILogger logger) =>
        new ConsumerBuilder<string, byte[]>(ConsumerConfig(configuration, settings))
            .SetPartitionsAssignedHandler((c, assigned) => assigned.Select(tp => rebalancer.Assign(c, tp)).ToList())
            .SetPartitionsRevokedHandler((_, revoked) => rebalancer.Release(revoked.Select(p => p.TopicPartition), "revoked"))
            .SetPartitionsLostHandler((_, lost) => rebalancer.Release(lost.Select(p => p.TopicPartition), "lost"))
            .SetErrorHandler((_, e) => logger.ConsumerError(e.Reason, e.IsFatal))
            .Build();
}
