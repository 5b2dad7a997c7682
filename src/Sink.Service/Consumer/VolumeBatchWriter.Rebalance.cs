using Confluent.Kafka;
using Polly;

namespace BitcoinVolume.Sink.Consumer;

/// <summary>Rebalances and stopping: what is held is written within a time budget, or dropped uncommitted.</summary>
internal sealed partial class VolumeBatchWriter
{
    private static readonly TimeSpan FinalFlushBudget = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PausedAttemptBudget = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Partitions are being revoked (rebalance or close): write and commit what was read, bounded in time. When the
    /// database cannot be written, the records of the revoked partitions are dropped uncommitted (their next owner reads
    /// them again) and those of the partitions kept stay in the batch.
    /// </summary>
    public void OnPartitionsRevoked(IConsumer<Ignore, byte[]> consumer, IReadOnlyCollection<TopicPartition> partitions) =>
        Release(consumer, partitions, commit: true);

    /// <summary>Partitions were lost (another member may own them already): write what was read, commit nothing.</summary>
    public void OnPartitionsLost(IConsumer<Ignore, byte[]> consumer, IReadOnlyCollection<TopicPartition> partitions) =>
        Release(consumer, partitions, commit: false);

    private void Release(IConsumer<Ignore, byte[]> consumer, IReadOnlyCollection<TopicPartition> partitions, bool commit)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        pause.Forget(partitions);
        if (batch.Records == 0 || TryWriteBounded(consumer, commit))
        {
            return;
        }

        Drop(partitions);
    }

    /// <summary>Best effort, bounded in time (rebalance callbacks, stopping). Never throws. False when the batch was not written.</summary>
    private bool TryWriteBounded(IConsumer<Ignore, byte[]> consumer, bool commit)
    {
        // While paused the database is known to be failing: one quick attempt instead of a round of retries.
        using var budget = new CancellationTokenSource(pause.IsPaused ? PausedAttemptBudget : FinalFlushBudget);
        try
        {
            var rows = batch.Rows();
            if (rows.Count > 0)
            {
                upserter.Write(batch, rows, pause.IsPaused ? ResiliencePipeline.Empty : pipeline, budget.Token);
            }

            if (commit)
            {
                Commit(consumer);
            }

            batch.Clear();
            return true;
        }
        catch (Exception e)
        {
            metrics.RecordUpsertError();
            health.ReportWriteFailed(e, batch.Records, pause.IsPaused);
            logger.BoundedWriteFailed(e, batch.Records);
            return false;
        }
    }

    private void FinalFlush(IConsumer<Ignore, byte[]> consumer, bool commit)
    {
        if (batch.Records > 0 && !TryWriteBounded(consumer, commit))
        {
            logger.RecordsNotWritten(batch.Records);
            batch.Clear();
        }
    }

    /// <summary>Forgets what was read from <paramref name="partitions"/> (uncommitted: whoever owns them next reads them again).</summary>
    private void Drop(IReadOnlyCollection<TopicPartition> partitions)
    {
        var dropped = batch.Drop(partitions);
        logger.Dropped(dropped, string.Join(", ", partitions), batch.Records);
    }
}
