using System.Collections.Concurrent;
using Confluent.Kafka;

namespace BitcoinVolume.Sink.Tests;

/// <summary>An in-memory <see cref="IConsumer{TKey,TValue}"/>: hands out queued records and records commits.</summary>
internal sealed class FakeConsumer(EventLog log) : IConsumer<Ignore, byte[]>
{
    private readonly ConcurrentQueue<ConsumeResult<Ignore, byte[]>> records = new();
    private volatile bool paused;

    public List<List<TopicPartitionOffset>> Commits { get; } = [];

    public Exception? CommitFailure { get; set; }

    public void Enqueue(int partition, long offset, byte[]? value) =>
        records.Enqueue(new ConsumeResult<Ignore, byte[]>
        {
            TopicPartitionOffset = new TopicPartitionOffset(BitcoinVolume.Contracts.Topics.Volumes1m, partition, offset),
            Message = new Message<Ignore, byte[]> { Value = value! },
        });

    public int Remaining => records.Count;

    /// <summary>True while the writer has paused the (fake) assignment: Consume then hands out nothing.</summary>
    public bool IsPaused => paused;

    /// <summary>How many times Consume was called while paused (the group membership stays alive through them).</summary>
    public int PausedPolls { get; private set; }

    public ConsumeResult<Ignore, byte[]> Consume(TimeSpan timeout)
    {
        if (paused)
        {
            PausedPolls++;
            Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(5, timeout.TotalMilliseconds)));
            return null!;
        }

        if (records.TryDequeue(out var record))
        {
            log.Add($"consume {record.Partition.Value}@{record.Offset.Value}");
            return record;
        }

        Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(5, timeout.TotalMilliseconds)));
        return null!;
    }

    public void Commit(IEnumerable<TopicPartitionOffset> offsets)
    {
        var list = offsets.OrderBy(o => o.Partition.Value).ToList();
        log.Add("commit " + string.Join(" ", list.Select(o => $"{o.Partition.Value}:{o.Offset.Value}")));
        if (CommitFailure is { } failure)
        {
            throw failure;
        }

        lock (Commits)
        {
            Commits.Add(list);
        }
    }

    public ConsumeResult<Ignore, byte[]> Consume(int millisecondsTimeout) => Consume(TimeSpan.FromMilliseconds(millisecondsTimeout));

    public ConsumeResult<Ignore, byte[]> Consume(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public string MemberId => "fake";

    public List<TopicPartition> Assignment { get; } =
        [.. Enumerable.Range(0, 6).Select(p => new TopicPartition(BitcoinVolume.Contracts.Topics.Volumes1m, p))];

    public List<string> Subscription => [BitcoinVolume.Contracts.Topics.Volumes1m];

    public IConsumerGroupMetadata ConsumerGroupMetadata => throw new NotSupportedException();

    public Handle Handle => throw new NotSupportedException();

    public string Name => "fake";

    public int AddBrokers(string brokers) => throw new NotSupportedException();

    public void SetSaslCredentials(string username, string password) => throw new NotSupportedException();

    public void Subscribe(IEnumerable<string> topics) => throw new NotSupportedException();

    public void Subscribe(string topic) => throw new NotSupportedException();

    public void Unsubscribe() => throw new NotSupportedException();

    public void Assign(TopicPartition partition) => throw new NotSupportedException();

    public void Assign(TopicPartitionOffset partition) => throw new NotSupportedException();

    public void Assign(IEnumerable<TopicPartitionOffset> partitions) => throw new NotSupportedException();

    public void Assign(IEnumerable<TopicPartition> partitions) => throw new NotSupportedException();

    public void IncrementalAssign(IEnumerable<TopicPartitionOffset> partitions) => throw new NotSupportedException();

    public void IncrementalAssign(IEnumerable<TopicPartition> partitions) => throw new NotSupportedException();

    public void IncrementalUnassign(IEnumerable<TopicPartition> partitions) => throw new NotSupportedException();

    public void Unassign() => throw new NotSupportedException();

    public void StoreOffset(ConsumeResult<Ignore, byte[]> result) => throw new NotSupportedException();

    public void StoreOffset(TopicPartitionOffset offset) => throw new NotSupportedException();

    public List<TopicPartitionOffset> Commit() => throw new NotSupportedException();

    public void Commit(ConsumeResult<Ignore, byte[]> result) => throw new NotSupportedException();

    public void Seek(TopicPartitionOffset tpo) => throw new NotSupportedException();

    public void Pause(IEnumerable<TopicPartition> partitions)
    {
        log.Add("pause " + string.Join(" ", partitions.Select(p => p.Partition.Value)));
        paused = true;
    }

    public void Resume(IEnumerable<TopicPartition> partitions)
    {
        log.Add("resume " + string.Join(" ", partitions.Select(p => p.Partition.Value)));
        paused = false;
    }

    public List<TopicPartitionOffset> Committed(TimeSpan timeout) => throw new NotSupportedException();

    public List<TopicPartitionOffset> Committed(IEnumerable<TopicPartition> partitions, TimeSpan timeout) => throw new NotSupportedException();

    public Offset Position(TopicPartition partition) => throw new NotSupportedException();

    public List<TopicPartitionOffset> OffsetsForTimes(IEnumerable<TopicPartitionTimestamp> timestampsToSearch, TimeSpan timeout) =>
        throw new NotSupportedException();

    public WatermarkOffsets GetWatermarkOffsets(TopicPartition topicPartition) => throw new NotSupportedException();

    public WatermarkOffsets QueryWatermarkOffsets(TopicPartition topicPartition, TimeSpan timeout) => throw new NotSupportedException();

    public void Close()
    {
    }

    public void Dispose()
    {
    }
}

/// <summary>A thread-safe, ordered log of what happened (consumes, writes, commits).</summary>
internal sealed class EventLog
{
    private readonly List<string> events = [];

    public void Add(string e)
    {
        lock (events)
        {
            events.Add(e);
        }
    }

    public string[] Snapshot()
    {
        lock (events)
        {
            return [.. events];
        }
    }
}
