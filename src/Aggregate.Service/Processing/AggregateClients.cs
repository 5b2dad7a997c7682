using BitcoinVolume.Kafka;
using Confluent.Kafka;

namespace BitcoinVolume.Aggregate.Processing;

/// <summary>The aggregator's Kafka clients: an idempotent producer of outputs and a consumer that never jumps silently.</summary>
internal static class AggregateClients
{
    public const string ClientId = "aggregate";

    /// <summary>Shared <c>Kafka:*</c> settings, then the producer's own (idempotent, acks=all, lz4).</summary>
    public static ProducerConfig ProducerConfig(IConfiguration configuration)
    {
        var config = KafkaClientSettings.From(configuration).ToProducerConfig();
        config.EnableIdempotence = true;
        config.Acks = Acks.All;
        config.CompressionType = CompressionType.Lz4;
        config.LingerMs = 5;
        config.ClientId = ClientId;
        return config;
    }

    /// <summary>
    /// The consumer of loop <paramref name="loop"/> (<see cref="AggregateOptions.Loops"/>): as <see cref="ConsumerConfig(IConfiguration, AggregateOptions)"/>;
    /// with static membership (<c>group.instance.id</c>) every loop but the first gets its own member id
    /// (<c>&lt;id&gt;-loop&lt;n&gt;</c>), since two members with one id fence each other.
    /// </summary>
    public static ConsumerConfig ConsumerConfig(IConfiguration configuration, AggregateOptions settings, int loop)
    {
        var config = ConsumerConfig(configuration, settings);
        if (loop > 0 && !string.IsNullOrEmpty(config.GroupInstanceId))
        {
            config.GroupInstanceId = $"{config.GroupInstanceId}-loop{loop}";
        }

        return config;
    }

    /// <summary>Shared <c>Kafka:*</c> settings first, then the aggregator's own <c>Aggregate:Kafka:*</c> on top, then the fixed ones.</summary>
    public static ConsumerConfig ConsumerConfig(IConfiguration configuration, AggregateOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var config = ConsumerSettings(configuration, settings).ToConsumerConfig();
        config.GroupId = settings.GroupId;
        config.EnableAutoCommit = false;
        config.EnableAutoOffsetStore = false;

        // Never jump silently: an offset that is gone surfaces as an error and blocks the partition.
        config.AutoOffsetReset = AutoOffsetReset.Error;
        config.ClientId = ClientId;
        return config;
    }

    /// <summary>The consumer's overlay: shared <c>Kafka:*</c>, then <c>Aggregate:Kafka:*</c> (loggable: secrets are masked).</summary>
    public static KafkaClientSettings ConsumerSettings(IConfiguration configuration, AggregateOptions settings) =>
        KafkaClientSettings.From(configuration, settings.Kafka);

    public static IProducer<string, byte[]> BuildProducer(IConfiguration configuration, ILogger logger) =>
        new ProducerBuilder<string, byte[]>(ProducerConfig(configuration))
            .SetErrorHandler((_, e) => logger.ProducerError(e.Reason, e.IsFatal))
            .Build();

    /// <summary>The consumer, with the rebalance callbacks of <paramref name="rebalancer"/>.</summary>
    public static IConsumer<string, byte[]> BuildConsumer(IConfiguration configuration, AggregateOptions settings, PartitionRebalancer rebalancer, ILogger logger, int loop = 0)
    {
        logger.ConsumerSettings(ConsumerSettings(configuration, settings).ToString());
        return new ConsumerBuilder<string, byte[]>(ConsumerConfig(configuration, settings, loop))
            .SetPartitionsAssignedHandler((c, assigned) => assigned.Select(tp => rebalancer.Assign(c, tp)).ToList())
            .SetPartitionsRevokedHandler((_, revoked) => rebalancer.Release(revoked.Select(p => p.TopicPartition), "revoked"))
            .SetPartitionsLostHandler((_, lost) => rebalancer.Release(lost.Select(p => p.TopicPartition), "lost"))
            .SetErrorHandler((_, e) => logger.ConsumerError(e.Reason, e.IsFatal))
            .Build();
    }
}
