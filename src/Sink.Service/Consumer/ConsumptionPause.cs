using Confluent.Kafka;

namespace BitcoinVolume.Sink.Consumer;

/// <summary>
/// The pause/resume state of the consumer while the database cannot be written: running → (a write fails after its
/// retries) paused → (a write succeeds, or nothing is held any more) running. While paused the batch is retried every
/// <c>retryPause</c>, and every partition assigned meanwhile is paused once. Pure: it decides, the writer calls Kafka.
/// </summary>
internal sealed class ConsumptionPause(TimeProvider timeProvider, TimeSpan retryPause)
{
    private readonly HashSet<TopicPartition> pausedPartitions = [];
    private long pausedAt;
    private long lastAttempt;

    /// <summary>True while consumption is paused because the batch cannot be written.</summary>
    public bool IsPaused { get; private set; }

    /// <summary>How long until the held batch is tried again (zero or less: now).</summary>
    public TimeSpan UntilNextAttempt => retryPause - timeProvider.GetElapsedTime(lastAttempt);

    /// <summary>How long consumption has been paused (since the last pause).</summary>
    public TimeSpan PausedFor => timeProvider.GetElapsedTime(pausedAt);

    /// <summary>A write attempt starts now (the next one while paused is due <c>retryPause</c> after it).</summary>
    public void AttemptStarted() => lastAttempt = timeProvider.GetTimestamp();

    /// <summary>A write failed: pauses consumption. True when that is a change (it was running).</summary>
    public bool Pause()
    {
        if (IsPaused)
        {
            return false;
        }

        pausedAt = timeProvider.GetTimestamp();
        IsPaused = true;
        return true;
    }

    /// <summary>Consumption runs (again); no partition counts as paused any more. True when that is a change.</summary>
    public bool Resume()
    {
        pausedPartitions.Clear();
        if (!IsPaused)
        {
            return false;
        }

        IsPaused = false;
        return true;
    }

    /// <summary>The partitions of <paramref name="assignment"/> not paused yet (while paused: to pause now).</summary>
    public List<TopicPartition> NotPaused(IEnumerable<TopicPartition> assignment) => assignment.Where(p => !pausedPartitions.Contains(p)).ToList();

    /// <summary>The partitions were paused on the consumer.</summary>
    public void Paused(IEnumerable<TopicPartition> partitions) => pausedPartitions.UnionWith(partitions);

    /// <summary>The partitions were revoked or lost: if assigned again, they are paused again.</summary>
    public void Forget(IEnumerable<TopicPartition> partitions) => pausedPartitions.ExceptWith(partitions);
}
