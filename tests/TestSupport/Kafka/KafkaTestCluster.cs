using BitcoinVolume.Contracts;
using BitcoinVolume.DevBroker;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BitcoinVolume.TestSupport;

/// <summary>
/// The development broker for one test: librdkafka's in-memory mock cluster behind a TCP port of its own (0 picks a
/// free one), with every contract topic created up front (or <c>topics</c>). It produces records (raw bytes, or trades
/// keyed by product, through one idempotent producer) and reads a topic from the beginning to a count with a timeout.
/// </summary>
public sealed class KafkaTestCluster : IAsyncDisposable
{
    private readonly Lazy<IProducer<string, byte[]>> producer;
    private int disposed;

    private KafkaTestCluster(DevelopmentBroker broker)
    {
        Broker = broker;
        producer = new Lazy<IProducer<string, byte[]>>(() => new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            CompressionType = CompressionType.Lz4,
            LingerMs = 20,
        }).Build());
    }

    public DevelopmentBroker Broker { get; }

    public string BootstrapServers => Broker.BootstrapServers;

    /// <summary>The TCP port clients connect to (start another cluster on it to play "the broker came back empty").</summary>
    public int Port => Broker.Port;

    /// <summary>Starts a development broker on <paramref name="port"/> (0: a free one) with <paramref name="topics"/> (default: every contract topic).</summary>
    public static KafkaTestCluster Start(int port = 0, IReadOnlyList<TopicSpec>? topics = null, ILogger? logger = null) =>
        new(DevelopmentBroker.Start(new DevelopmentBrokerOptions { Port = port, Topics = topics ?? Topics.All }, logger ?? NullLogger.Instance));

    /// <summary>Produces one record (a null value is a tombstone); <see cref="Flush"/> waits for the acknowledgements.</summary>
    public void Produce(string topic, string key, byte[]? value) =>
        producer.Value.Produce(topic, new Message<string, byte[]> { Key = key, Value = value! });

    /// <summary>Produces <paramref name="value"/> serialized as it crosses <paramref name="topic"/>.</summary>
    public void Produce<T>(string topic, string key, T value, ISerializer<T> serializer)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        Produce(topic, key, serializer.Serialize(value, new SerializationContext(MessageComponentType.Value, topic)));
    }

    /// <summary>Waits until every record produced so far is acknowledged; throws when some are not within <paramref name="timeout"/> (default 60 s).</summary>
    public void Flush(TimeSpan? timeout = null)
    {
        var left = producer.Value.Flush(timeout ?? TimeSpan.FromSeconds(60));
        if (left != 0)
        {
            throw new InvalidOperationException($"{left} records produced to {BootstrapServers} were not acknowledged");
        }
    }

    /// <summary>
    /// Produces the trades to <c>trades</c> (key = product) in chunks, pausing between chunks so the stream lasts about
    /// <paramref name="duration"/>, then flushes.
    /// </summary>
    public async Task ProduceTradesAsync(IReadOnlyList<Trade> trades, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trades);
        const int chunk = 2_000;
        var pause = duration / Math.Max(1, trades.Count / chunk);
        for (var i = 0; i < trades.Count; i++)
        {
            Produce(Topics.Trades, trades[i].Product, trades[i], ContractSerializers.TradeSerializer);
            if (i % chunk == chunk - 1)
            {
                await Task.Delay(pause, cancellationToken);
            }
        }

        Flush();
    }

    /// <summary>
    /// Reads <paramref name="topic"/> from the beginning of every partition until <paramref name="count"/> records (or
    /// <paramref name="timeout"/>, default 30 s), then <paramref name="settle"/> (default 1 s) more to catch extras
    /// (duplicates would show there). With <paramref name="where"/>, only the records it accepts are kept and counted. Gap
    /// markers on <c>trades</c> are kept only when <typeparamref name="T"/> is <see cref="TradeGap"/> (and then only they).
    /// </summary>
    public List<(string Key, T Value)> ReadAll<T>(string topic, int count, IDeserializer<T> deserializer, TimeSpan? timeout = null, TimeSpan? settle = null, Func<T, bool>? where = null)
    {
        ArgumentNullException.ThrowIfNull(deserializer);
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = BootstrapServers,
            GroupId = $"test-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
        }).Build();
        var partitions = Broker.Topics.Single(t => t.Name == topic).Partitions;
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var records = new List<(string, T)>();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        DateTime? settleUntil = null;
        while (DateTime.UtcNow < (settleUntil ?? deadline))
        {
            // On trades, gap markers (header bv-kind) are read as TradeGap only, and trades as anything else: the header is
            // looked at before the value is deserialized, as the aggregator does (a trade reader rejects a marker).
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } record
                && TradeGap.IsMarker(record.Message.Headers) == (typeof(T) == typeof(TradeGap)))
            {
                var value = deserializer.Deserialize(record.Message.Value, record.Message.Value is null, new SerializationContext(MessageComponentType.Value, topic, record.Message.Headers));
                if (where is null || where(value))
                {
                    records.Add((record.Message.Key, value));
                }
            }

            if (records.Count >= count && settleUntil is null)
            {
                settleUntil = DateTime.UtcNow + (settle ?? TimeSpan.FromSeconds(1));
            }
        }

        return records;
    }

    /// <summary>
    /// The first and the next offset of <paramref name="topic"/>'s <paramref name="partition"/> as the broker has them now:
    /// a first offset above 0 means the development broker dropped the oldest records (it keeps ~5 MiB per partition).
    /// </summary>
    public (long Low, long High) Watermarks(string topic, int partition)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig { BootstrapServers = BootstrapServers, GroupId = $"test-{Guid.NewGuid():N}" }).Build();
        var offsets = consumer.QueryWatermarkOffsets(new TopicPartition(topic, partition), TimeSpan.FromSeconds(30));
        return (offsets.Low.Value, offsets.High.Value);
    }

    /// <summary>Stops the broker (idempotent: a test may stop it early to play "Kafka went away").</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        if (producer.IsValueCreated)
        {
            producer.Value.Dispose();
        }

        await Broker.DisposeAsync();
    }
}
