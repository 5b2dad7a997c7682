using System.Text;
using BitcoinVolume.Aggregate.Windowing;
using BitcoinVolume.Contracts;
using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Aggregate.Processing;

/// <summary>
/// Consumes <c>trades</c>, keeps one <see cref="VolumeAggregator"/> per assigned partition, and after every batch
/// produces the FULL value of each changed window to <c>volumes.1m</c> and flushes before committing.
/// <para>
/// This version keeps state in memory and rebuilds it from the start of each assigned partition (so totals stay exact
/// across restarts while the input is retained); RocksDB state with stored offsets replaces the rebuild in its own issue.
/// </para>
/// </summary>
public sealed class AggregateWorker(
    IConfiguration configuration,
    IOptions<AggregateOptions> options,
    AggregateMetrics metrics,
    AggregateStatus status,
    ILogger<AggregateWorker> logger) : BackgroundService
{
    private readonly Dictionary<int, VolumeAggregator> partitions = [];
    private readonly HashSet<string> loggedProblems = new(StringComparer.Ordinal);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stoppingToken)
    {
        var bootstrap = KafkaSettings.GetBootstrapServers(configuration);
        var settings = options.Value;
        KafkaTopicProvisioner.EnsureTopicsAsync(bootstrap, Topics.All, cancellationToken: stoppingToken).GetAwaiter().GetResult();

        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            EnableIdempotence = true,
            Acks = Acks.All,
            CompressionType = CompressionType.Lz4,
            LingerMs = 5,
            ClientId = "aggregate",
        }).Build();

        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = settings.GroupId,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            ClientId = "aggregate",
        })
        .SetPartitionsAssignedHandler((_, assigned) =>
        {
            foreach (var tp in assigned)
            {
                partitions[tp.Partition.Value] = new VolumeAggregator(settings.Windowing);
            }

            logger.LogInformation("Assigned partitions {Partitions} of {Topic}; rebuilding their state from the start of the partition", string.Join(",", assigned.Select(p => p.Partition.Value)), Topics.Trades);
            status.Report($"assigned {assigned.Count} partitions");
            return assigned.Select(tp => new TopicPartitionOffset(tp, Offset.Beginning));
        })
        .SetPartitionsRevokedHandler((_, revoked) =>
        {
            foreach (var tp in revoked)
            {
                partitions.Remove(tp.Partition.Value);
            }

            logger.LogInformation("Revoked partitions {Partitions}", string.Join(",", revoked.Select(p => p.Partition.Value)));
        })
        .SetErrorHandler((_, e) => logger.LogWarning("Kafka consumer error: {Reason} (fatal: {Fatal})", e.Reason, e.IsFatal))
        .Build();

        consumer.Subscribe(Topics.Trades);
        status.Report("waiting for partitions");
        var batch = new List<ConsumeResult<string, byte[]>>(settings.BatchSize);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                batch.Clear();
                var deadline = Environment.TickCount64 + settings.BatchMaxWaitMs;
                while (batch.Count < settings.BatchSize)
                {
                    var remaining = deadline - Environment.TickCount64;
                    var record = consumer.Consume(TimeSpan.FromMilliseconds(Math.Max(0, remaining)));
                    if (record is null)
                    {
                        break;
                    }

                    if (!record.IsPartitionEOF)
                    {
                        batch.Add(record);
                    }
                }

                if (batch.Count > 0)
                {
                    ProcessBatch(batch, producer, stoppingToken);
                    foreach (var record in batch)
                    {
                        consumer.StoreOffset(record);
                    }

                    consumer.Commit();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            consumer.Close();
        }
    }

    private void ProcessBatch(List<ConsumeResult<string, byte[]>> batch, IProducer<string, byte[]> producer, CancellationToken stoppingToken)
    {
        metrics.Batch(batch.Count);
        foreach (var record in batch)
        {
            Trade trade;
            try
            {
                trade = ContractSerializers.TradeDeserializer.Deserialize(record.Message.Value, record.Message.Value is null, new SerializationContext(MessageComponentType.Value, record.Topic));
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException)
            {
                DeadLetter(producer, record, e.Message);
                continue;
            }

            if (!partitions.TryGetValue(record.Partition.Value, out var aggregator))
            {
                continue; // revoked while in flight: its new owner processes it
            }

            var outcome = aggregator.Apply(trade);
            metrics.Outcome(outcome);
            if (outcome == ApplyOutcome.TooLate)
            {
                producer.Produce(Topics.TradesLate, new Message<string, byte[]> { Key = trade.Product, Value = record.Message.Value ?? [] });
            }
        }

        var emitted = 0;
        foreach (var aggregator in partitions.Values)
        {
            foreach (var window in aggregator.TakeChanges().Windows)
            {
                producer.Produce(Topics.Volumes1m, new Message<string, byte[]>
                {
                    Key = window.Key,
                    Value = ContractSerializers.WindowSerializer.Serialize(window, default),
                });
                emitted++;
            }
        }

        // Outputs are durable before the input offsets move on: a crash here replays the batch and re-emits the same values.
        var unflushed = producer.Flush(TimeSpan.FromSeconds(60));
        if (unflushed > 0)
        {
            throw new KafkaException(new Error(ErrorCode.Local_TimedOut, $"{unflushed} outputs not acknowledged within 60 s"));
        }

        stoppingToken.ThrowIfCancellationRequested();
        metrics.WindowsEmitted(emitted);
        status.Report($"processed up to {batch[^1].TopicPartitionOffset}");
    }

    private void DeadLetter(IProducer<string, byte[]> producer, ConsumeResult<string, byte[]> record, string reason)
    {
        metrics.BadRecord();
        if (loggedProblems.Add("bad_trade_record"))
        {
            logger.LogWarning("Unreadable record on {TopicPartitionOffset}: {Reason}. It is dead-lettered; further ones are counted in aggregate.records.bad.", record.TopicPartitionOffset, reason);
        }

        var raw = record.Message.Value is null ? string.Empty : Encoding.UTF8.GetString(record.Message.Value);
        var letter = new DeadLetter("unreadable_trade_record", reason, record.TopicPartitionOffset.ToString(), raw, DateTimeOffset.UtcNow);
        producer.Produce(Topics.TradesDeadLetter, new Message<string, byte[]> { Key = letter.Reason, Value = ContractSerializers.DeadLetterSerializer.Serialize(letter, default) });
    }
}
