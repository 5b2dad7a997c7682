using BitcoinVolume.Contracts;
using Confluent.Kafka;

namespace BitcoinVolume.Aggregate.Processing;

/// <summary>
/// The records of <c>trades</c> consumed for one batch (one output flush and one state commit per batch). A partition
/// that is assigned or released while the batch fills has its records taken out: they are read again from the state's
/// offset by whoever owns the partition.
/// </summary>
internal sealed class InputBatch
{
    private readonly List<ConsumeResult<string, byte[]>> records = [];

    public int Count => records.Count;

    public IReadOnlyList<ConsumeResult<string, byte[]>> Records => records;

    public void Add(ConsumeResult<string, byte[]> record) => records.Add(record);

    public void Clear() => records.Clear();

    /// <summary>Takes the records of <paramref name="partition"/> out of the batch.</summary>
    public void RemovePartition(int partition) => records.RemoveAll(r => r.Partition.Value == partition);

    /// <summary>The logging scope of the batch: the input partitions with the offset range of each, and the record count.</summary>
    public Dictionary<string, object> Scope() => new(StringComparer.Ordinal)
    {
        ["topic"] = Topics.Trades,
        ["partitions"] = string.Join(",", records.GroupBy(r => r.Partition.Value).Select(g => $"{g.Key}@{g.Min(r => r.Offset.Value)}-{g.Max(r => r.Offset.Value)}")),
        ["records"] = records.Count,
    };
}
