using BitcoinVolume.Contracts;
using Confluent.Kafka;

namespace BitcoinVolume.Ingest.Producing;

/// <summary>
/// Produces trades to <see cref="Topics.Trades"/> (key = product id) and dead letters to
/// <see cref="Topics.TradesDeadLetter"/> through one idempotent producer (acks=all, lz4). When librdkafka's local queue
/// is full the caller is held back (back-pressure) instead of buffering without bound.
/// </summary>
public sealed class TradePublisher : IDisposable
{
    private readonly IProducer<string, byte[]> producer;
    private readonly IngestMetrics metrics;
    private readonly ILogger<TradePublisher> logger;
    private readonly Action<DeliveryReport<string, byte[]>> onDelivery;
    private long deliveryErrors;
    private long delivered;

    public TradePublisher(string bootstrapServers, IngestMetrics metrics, ILogger<TradePublisher> logger)
    {
        this.metrics = metrics;
        this.logger = logger;
        producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            CompressionType = CompressionType.Lz4,
            LingerMs = 5,
            ClientId = "ingest",
            QueueBufferingMaxKbytes = 64 * 1024,
        })
        .SetErrorHandler((_, e) => logger.LogWarning("Kafka producer error: {Reason} (fatal: {Fatal})", e.Reason, e.IsFatal))
        .Build();
        onDelivery = OnDelivery;
    }

    /// <summary>Messages Kafka has acknowledged.</summary>
    public long Delivered => Interlocked.Read(ref delivered);

    /// <summary>Messages Kafka failed to deliver after librdkafka's own retries.</summary>
    public long DeliveryErrors => Interlocked.Read(ref deliveryErrors);

    public void Publish(Trade trade, CancellationToken cancellationToken) =>
        Produce(Topics.Trades, trade.Product, ContractSerializers.TradeSerializer.Serialize(trade, default), cancellationToken);

    public void DeadLetter(DeadLetter letter, CancellationToken cancellationToken) =>
        Produce(Topics.TradesDeadLetter, letter.Reason, ContractSerializers.DeadLetterSerializer.Serialize(letter, default), cancellationToken);

    /// <summary>Waits until everything produced so far is acknowledged (or the token fires).</summary>
    public void Flush(CancellationToken cancellationToken) => producer.Flush(cancellationToken);

    public void Dispose()
    {
        try
        {
            producer.Flush(TimeSpan.FromSeconds(10));
        }
        finally
        {
            producer.Dispose();
        }
    }

    private void Produce(string topic, string key, byte[] value, CancellationToken cancellationToken)
    {
        var message = new Message<string, byte[]> { Key = key, Value = value };
        while (true)
        {
            try
            {
                producer.Produce(topic, message, onDelivery);
                return;
            }
            catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                // Bounded buffer is full: serve delivery reports until there is room (back-pressure on the reader).
                cancellationToken.ThrowIfCancellationRequested();
                producer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    private void OnDelivery(DeliveryReport<string, byte[]> report)
    {
        if (report.Error.IsError)
        {
            Interlocked.Increment(ref deliveryErrors);
            metrics.DeliveryError(report.Topic);
            logger.LogError("Kafka did not accept a message for {Topic} (key {Key}): {Reason}", report.Topic, report.Message.Key, report.Error.Reason);
        }
        else
        {
            Interlocked.Increment(ref delivered);
        }
    }
}
