using System.Diagnostics;
using BitcoinVolume.Contracts;
using BitcoinVolume.Kafka;
using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BitcoinVolume.Ingest.Producing;

/// <summary>Where normalized trades and dead letters go (Kafka in the service; a list in unit tests).</summary>
public interface ITradeOutput
{
    /// <summary>Produces a trade to <see cref="Topics.Trades"/>; waits (back-pressure) while the producer's buffer is full.</summary>
    ValueTask PublishAsync(Trade trade, CancellationToken cancellationToken);

    /// <summary>Produces a record to <see cref="Topics.TradesDeadLetter"/>; waits while the producer's buffer is full.</summary>
    ValueTask DeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken);

    /// <summary>Produces a gap marker to <see cref="Topics.Trades"/> with the stream's key and the header <see cref="TradeGap.KindHeader"/>.</summary>
    ValueTask PublishGapAsync(TradeGap gap, CancellationToken cancellationToken);
}

/// <summary>
/// Produces trades to <see cref="Topics.Trades"/> (key = <see cref="Trade.Key"/>: venue and product) and dead letters to
/// <see cref="Topics.TradesDeadLetter"/> through one idempotent producer (acks=all, lz4). Nothing is given up while
/// Kafka is down: messages never time out (<c>message.timeout.ms=0</c>) and librdkafka retries them; its buffer is
/// bounded (<see cref="KafkaProducerOptions.MaxBufferedMessages"/>), and when it is full the caller waits — the
/// back-pressure reaches the socket reader through the bounded frame channel. Its health (<see cref="CheckHealth"/>) is
/// served by <see cref="KafkaProducerHealthCheck"/>.
/// </summary>
public sealed class TradePublisher : ITradeOutput, IDisposable
{
    private readonly IProducer<string, byte[]> producer;
    private readonly IngestMetrics metrics;
    private readonly ILogger<TradePublisher> logger;
    private readonly TimeProvider timeProvider;
    private readonly KafkaProducerOptions options;
    private readonly Action<DeliveryReport<string, byte[]>> onDelivery;
    private readonly HashSet<ErrorCode> loggedErrors = [];
    private long produced;
    private long delivered;
    private long deliveryErrors;
    private long lastProgress;
    private volatile bool brokersDown;
    private volatile bool waitingForRoom;
    private volatile string? fatalError;
    private volatile string? lastDeliveryError;

    /// <summary>Spans of ingest: one per trade produced, the root of that trade's trace (its context travels in the message headers).</summary>
    public static readonly ActivitySource ActivitySource = new("BitcoinVolume.Ingest");

    public TradePublisher(string bootstrapServers, KafkaProducerOptions options, IngestMetrics metrics, ILogger<TradePublisher> logger, TimeProvider timeProvider)
        : this(new ClientConfig { BootstrapServers = bootstrapServers }, options, metrics, logger, timeProvider)
    {
    }

    /// <summary>Creates the producer on top of <paramref name="client"/> (bootstrap servers and shared <c>Kafka:*</c> settings).</summary>
    public TradePublisher(ClientConfig client, KafkaProducerOptions options, IngestMetrics metrics, ILogger<TradePublisher> logger, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metrics);
        this.metrics = metrics;
        this.logger = logger;
        this.timeProvider = timeProvider;
        this.options = options;
        lastProgress = timeProvider.GetTimestamp();
        producer = new ProducerBuilder<string, byte[]>(new ProducerConfig(client)
        {
            EnableIdempotence = true,
            Acks = Acks.All,
            CompressionType = CompressionType.Lz4,
            LingerMs = 5,
            ClientId = "ingest",
            QueueBufferingMaxMessages = options.MaxBufferedMessages,
            QueueBufferingMaxKbytes = options.MaxBufferedKbytes,
            MessageTimeoutMs = 0,
            // Delivery reports carry no value: a trade's record array is reused once produced (see RecordOf).
            DeliveryReportFields = "key,timestamp,headers,status",
        })
        .SetErrorHandler(OnError)
        .Build();
        onDelivery = OnDelivery;
        metrics.ObserveProducerQueue(() => QueueDepth);
    }

    /// <summary>Messages Kafka has acknowledged.</summary>
    public long Delivered => Interlocked.Read(ref delivered);

    /// <summary>Messages Kafka failed to deliver (permanent errors only: transient ones are retried without end).</summary>
    public long DeliveryErrors => Interlocked.Read(ref deliveryErrors);

    /// <summary>Messages produced and not yet acknowledged or failed.</summary>
    public long QueueDepth => Interlocked.Read(ref produced) - Delivered - DeliveryErrors;

    /// <summary>
    /// Told of every trade's delivery report (acknowledged or failed), for ingest's durable high-water marks; null: not
    /// tracked (the replay command).
    /// </summary>
    public Recovery.DeliveredMarks? Marks { get; init; }

    /// <summary>Told of the delivery report of every trade that fills a gap, so its filled marker can follow it (<see cref="Gaps.GapFillAcks"/>); null: not tracked.</summary>
    public Gaps.GapFillAcks? Fills { get; init; }

    public ValueTask PublishAsync(Trade trade, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trade);
        using var activity = ActivitySource.HasListeners() ? StartPublishActivity(trade) : null;
        var handler = Marks is { } marks ? TrackedDelivery(marks, trade) : onDelivery;
        if (Fills is { } fills && fills.IsPending(trade.Key, trade.TradeId))
        {
            handler = FillDelivery(fills, trade, handler);
        }

        return ProduceAsync(Topics.Trades, trade.Key, RecordOf(trade), KafkaTracing.Inject(activity), handler, cancellationToken, reusedValue: true);
    }

    /// <summary>
    /// The trade's record on <see cref="Topics.Trades"/> (the contract's bytes, <see cref="TradeRecordWriter"/>) in an array
    /// of exactly its length that this thread reuses for every record of that length: valid until the thread's next call.
    /// The Kafka client copies a value when it is produced (librdkafka <c>RD_KAFKA_MSG_F_COPY</c>) and, configured so, keeps
    /// none in its delivery reports, so after the produce call the array is free again: no allocation per trade here.
    /// </summary>
    public static byte[] RecordOf(Trade trade)
    {
        var record = TradeRecordWriter.WriteToThreadBuffer(trade);
        var byLength = recordArrays ??= new byte[MaxReusedRecordLength + 1][];
        if (record.Length > MaxReusedRecordLength)
        {
            return record.ToArray();
        }

        var array = byLength[record.Length] ??= new byte[record.Length];
        record.CopyTo(array);
        return array;
    }

    /// <summary>Records up to this long reuse an array per length and thread (a trade record is ~150 bytes).</summary>
    private const int MaxReusedRecordLength = 1024;

    [ThreadStatic]
    private static byte[][]? recordArrays;

    public ValueTask PublishGapAsync(TradeGap gap, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gap);
        return ProduceAsync(Topics.Trades, gap.Key, ContractSerializers.GapSerializer.Serialize(gap, default), TradeGap.MarkerHeaders(), onDelivery, cancellationToken);
    }

    public ValueTask DeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken) =>
        ProduceAsync(Topics.TradesDeadLetter, letter.Reason, ContractSerializers.DeadLetterSerializer.Serialize(letter, default), null, onDelivery, cancellationToken);

    /// <summary>Waits until everything produced so far is acknowledged (or the token fires).</summary>
    public void Flush(CancellationToken cancellationToken) => producer.Flush(cancellationToken);

    /// <summary>Unhealthy when Kafka is unreachable, messages wait without acknowledgement, or the producer failed fatally.</summary>
    public HealthCheckResult CheckHealth()
    {
        var data = new Dictionary<string, object>
        {
            ["queueDepth"] = QueueDepth,
            ["delivered"] = Delivered,
            ["deliveryErrors"] = DeliveryErrors,
            ["brokersDown"] = brokersDown,
            ["backPressure"] = waitingForRoom,
        };
        var stalledFor = timeProvider.GetElapsedTime(Interlocked.Read(ref lastProgress));
        HealthCheckResult result;
        if (fatalError is { } fatal)
        {
            result = HealthCheckResult.Unhealthy($"Kafka producer failed fatally: {fatal}", data: data);
        }
        else if (brokersDown)
        {
            result = HealthCheckResult.Unhealthy($"Kafka brokers are down; {QueueDepth} messages buffered", data: data);
        }
        else if (QueueDepth > 0 && stalledFor > options.UnhealthyAfter)
        {
            result = HealthCheckResult.Unhealthy($"{QueueDepth} messages wait and Kafka acknowledged none for {stalledFor.TotalSeconds:F0} s", data: data);
        }
        else if (lastDeliveryError is { } error)
        {
            result = HealthCheckResult.Degraded($"Kafka rejected {DeliveryErrors} messages, last: {error}", data: data);
        }
        else
        {
            result = HealthCheckResult.Healthy($"{Delivered} messages acknowledged, {QueueDepth} waiting", data);
        }

        return result;
    }

    public void Dispose()
    {
        try
        {
            producer.Flush(options.FlushTimeout);
            if (QueueDepth > 0)
            {
                logger.FlushIncomplete(QueueDepth, options.FlushTimeout);
            }
        }
        finally
        {
            producer.Dispose();
        }
    }

    private static Activity? StartPublishActivity(Trade trade)
    {
        var activity = ActivitySource.StartActivity($"{Topics.Trades} publish", ActivityKind.Producer);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.destination.name", Topics.Trades);
        activity?.SetTag("bitcoinvolume.product", trade.Product);
        activity?.SetTag("bitcoinvolume.venue", trade.Venue);
        activity?.SetTag("bitcoinvolume.trade_id", trade.TradeId);
        activity?.SetTag("bitcoinvolume.side", trade.Side == TakerSide.Buy ? "buy" : "sell");
        return activity;
    }

    /// <summary>A delivery handler that also tells <paramref name="marks"/> (one small allocation per trade, only when marks are kept).</summary>
    private Action<DeliveryReport<string, byte[]>> TrackedDelivery(Recovery.DeliveredMarks marks, Trade trade)
    {
        var (stream, id, time) = (trade.Key, trade.TradeId, trade.Time);
        return report =>
        {
            OnDelivery(report);
            marks.Delivered(stream, id, time, !report.Error.IsError);
        };
    }

    /// <summary>A delivery handler that also settles a gap-filling trade in <paramref name="fills"/> (only for those trades).</summary>
    private static Action<DeliveryReport<string, byte[]>> FillDelivery(Gaps.GapFillAcks fills, Trade trade, Action<DeliveryReport<string, byte[]>> inner)
    {
        var (stream, id) = (trade.Key, trade.TradeId);
        return report =>
        {
            inner(report);
            fills.Delivered(stream, id, !report.Error.IsError);
        };
    }

    private ValueTask ProduceAsync(string topic, string key, byte[] value, Headers? headers, Action<DeliveryReport<string, byte[]>> handler, CancellationToken cancellationToken, bool reusedValue = false)
    {
        var message = new Message<string, byte[]> { Key = key, Value = value, Headers = headers };
        try
        {
            Produce(topic, message, handler);
            return ValueTask.CompletedTask;
        }
        catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
        {
            // The wait spans awaits: a reused array (RecordOf) would be overwritten meanwhile, so the message keeps a copy.
            if (reusedValue)
            {
                message.Value = [.. value];
            }

            return WaitForRoomAsync(topic, message, handler, cancellationToken);
        }
    }

    private async ValueTask WaitForRoomAsync(string topic, Message<string, byte[]> message, Action<DeliveryReport<string, byte[]>> handler, CancellationToken cancellationToken)
    {
        // The bounded buffer is full: wait for acknowledgements to make room (back-pressure on the reader).
        waitingForRoom = true;
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), timeProvider, cancellationToken).ConfigureAwait(false);
                try
                {
                    Produce(topic, message, handler);
                    return;
                }
                catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                }
            }
        }
        finally
        {
            waitingForRoom = false;
        }
    }

    private void Produce(string topic, Message<string, byte[]> message, Action<DeliveryReport<string, byte[]>> handler)
    {
        producer.Produce(topic, message, handler);
        if (Interlocked.Increment(ref produced) - Delivered - DeliveryErrors == 1)
        {
            // The queue was empty: the wait for an acknowledgement starts now, not at the last one.
            Interlocked.Exchange(ref lastProgress, timeProvider.GetTimestamp());
        }
    }

    private void OnDelivery(DeliveryReport<string, byte[]> report)
    {
        Interlocked.Exchange(ref lastProgress, timeProvider.GetTimestamp());
        if (report.Error.IsError)
        {
            Interlocked.Increment(ref deliveryErrors);
            lastDeliveryError = report.Error.Reason;
            metrics.DeliveryError(report.Topic);
            logger.DeliveryFailed(report.Topic, report.Message.Key, report.Error.Reason);
        }
        else
        {
            Interlocked.Increment(ref delivered);
            brokersDown = false;
        }
    }

    private void OnError(IProducer<string, byte[]> sender, Error error)
    {
        if (error.IsFatal)
        {
            fatalError = error.Reason;
            logger.ProducerFatal(error.Reason);
            return;
        }

        if (error.Code == ErrorCode.Local_AllBrokersDown)
        {
            brokersDown = true;
        }

        bool first;
        lock (loggedErrors)
        {
            first = loggedErrors.Add(error.Code);
        }

        // librdkafka repeats connection errors on every retry: the first of each kind is a warning, the rest debug.
        logger.ProducerError(first ? LogLevel.Warning : LogLevel.Debug, error.Reason, error.Code);
    }
}
