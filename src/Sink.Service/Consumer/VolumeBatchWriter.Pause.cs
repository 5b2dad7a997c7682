using Confluent.Kafka;

namespace BitcoinVolume.Sink.Consumer;

/// <summary>While the database cannot be written: the consumer's partitions are paused, polled, and resumed after the first success.</summary>
internal sealed partial class VolumeBatchWriter
{
    /// <summary>One turn of the paused loop: keep polling (group membership), pause new partitions, retry the batch when due.</summary>
    private void StepWhilePaused(IConsumer<Ignore, byte[]> consumer, CancellationToken stoppingToken)
    {
        if (batch.Records == 0)
        {
            // Everything held was dropped with revoked partitions: the next batch probes the database again.
            Resume(consumer);
            return;
        }

        PauseAssignment(consumer);
        var untilAttempt = pause.UntilNextAttempt;
        if (untilAttempt <= TimeSpan.Zero)
        {
            TryFlush(consumer, stoppingToken);
            return;
        }

        // Paused partitions return nothing; a record fetched before the pause took effect joins the held batch.
        if (reader.Consume(consumer, untilAttempt < IdlePoll ? untilAttempt : IdlePoll, stoppingToken) is { } result)
        {
            reader.Add(result);
        }
    }

    private void PauseAssignment(IConsumer<Ignore, byte[]> consumer)
    {
        var fresh = pause.NotPaused(consumer.Assignment);
        if (fresh.Count == 0)
        {
            return;
        }

        consumer.Pause(fresh);
        pause.Paused(fresh);
        logger.Paused(string.Join(", ", fresh));
    }

    private void Resume(IConsumer<Ignore, byte[]> consumer)
    {
        if (!pause.IsPaused)
        {
            return;
        }

        var assigned = consumer.Assignment;
        if (assigned.Count > 0)
        {
            consumer.Resume(assigned);
        }

        SetRunning();
        logger.Resumed(pause.PausedFor.TotalSeconds, string.Join(", ", assigned));
    }

    private void SetRunning()
    {
        if (pause.Resume())
        {
            metrics.RecordPaused(false);
        }
    }
}
