using BitcoinVolume.Aggregate.Processing;
using BitcoinVolume.Contracts;
using Confluent.Kafka;

namespace BitcoinVolume.Aggregate.Tests;

public sealed class InputBatchTests
{
    private static ConsumeResult<string, byte[]> Record(int partition, long offset) => new()
    {
        TopicPartitionOffset = new TopicPartitionOffset(Topics.Trades, partition, offset),
        Message = new Message<string, byte[]> { Key = "BTC-USD", Value = [] },
    };

    [Fact]
    public void The_log_scope_names_each_partition_with_its_offset_range()
    {
        var batch = new InputBatch();
        foreach (var (partition, offset) in new[] { (3, 7L), (0, 12L), (3, 5L), (0, 10L), (0, 11L) })
        {
            batch.Add(Record(partition, offset));
        }

        var scope = batch.Scope();

        Assert.Equal(Topics.Trades, scope["topic"]);
        Assert.Equal("3@5-7,0@10-12", scope["partitions"]);
        Assert.Equal(5, scope["records"]);
    }

    [Fact]
    public void Records_of_a_reassigned_partition_are_taken_out_and_the_others_keep_their_order()
    {
        var batch = new InputBatch();
        batch.Add(Record(1, 1));
        batch.Add(Record(2, 1));
        batch.Add(Record(1, 2));
        batch.Add(Record(2, 2));

        batch.RemovePartition(1);
        batch.RemovePartition(9);

        Assert.Equal([(2, 1L), (2, 2L)], batch.Records.Select(r => (r.Partition.Value, r.Offset.Value)));
        batch.Clear();
        Assert.Equal(0, batch.Count);
        Assert.Equal(string.Empty, batch.Scope()["partitions"]);
    }
}
