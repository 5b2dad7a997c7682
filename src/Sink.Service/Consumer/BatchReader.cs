using BitcoinVolume.Contracts;
using Confluent.Kafka;

namespace BitcoinVolume.Sink.Consumer;

/// <summary>
/// Reads records into the <see cref="PendingBatch"/>: a non-fatal consume error is logged (throttled) and skipped; every
/// record is counted (its offset will be committed), an undecodable one is counted in <c>sink.records.invalid</c> and
/// logged once per reason, a decodable one is held if it is the newest version of its window.
/// </summary>
internal sealed class BatchReader(PendingBatch batch, WindowSpec window, SinkMetrics metrics, TimeProvider timeProvider, ILogger logger)
{
    private readonly HashSet<string> loggedReasons = new(StringComparer.Ordinal);
    private readonly LogThrottle<ErrorCode> consumeErrors = new(TimeSpan.FromSeconds(30), timeProvider);
    private long batchStarted;

    /// <summary>Time since the first record of the current batch was read.</summary>
    public TimeSpan BatchAge => timeProvider.GetElapsedTime(batchStarted);

    /// <summary>The next record within <paramref name="wait"/>, or null (none, end of partition, or a transient error).</summary>
    public ConsumeResult<Ignore, byte[]>? Consume(IConsumer<Ignore, byte[]> consumer, TimeSpan wait, CancellationToken stoppingToken)
    {
        try
        {
            var result = consumer.Consume(wait);
            return result is null || result.IsPartitionEOF ? null : result;
        }
        catch (ConsumeException e) when (!e.Error.IsFatal)
        {
            if (consumeErrors.ShouldLog(e.Error.Code, out var repeats))
            {
                logger.ConsumeError(e.Error.Code, e.Error.Reason, repeats);
            }

            stoppingToken.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(100));
            return null;
        }
    }

    public void Add(ConsumeResult<Ignore, byte[]> result)
    {
        if (batch.Records == 0)
        {
            batchStarted = timeProvider.GetTimestamp();
        }

        batch.Count(result.TopicPartitionOffset);
        metrics.RecordConsumed();
        if (!WindowRecordDecoder.TryDecode(result.Message?.Value, result.Topic, window, out var decoded, out var reason, out var detail))
        {
            metrics.RecordInvalid(reason);
            if (loggedReasons.Add(reason))
            {
                logger.InvalidRecord(result.Topic, result.Partition.Value, result.Offset.Value, reason, detail);
            }

            return;
        }

        batch.Hold(decoded!, result.TopicPartition, result.Message, VolumeBatchWriter.ActivitySource.HasListeners());
    }
}
