using BitcoinVolume.Aggregate.Processing;
using BitcoinVolume.Aggregate.Windowing;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Aggregate.Tests;

/// <summary>Which partitions are aggregated from where, which are blocked, and which records are applied.</summary>
public sealed class PartitionOwnershipTests
{
    private static readonly DateTimeOffset Now = new(2026, 8, 9, 21, 4, 30, TimeSpan.Zero);
    private static readonly WindowingOptions Windowing = new() { Grace = TimeSpan.FromSeconds(5) };

    private static VolumeAggregator AggregatorAt(DateTimeOffset latest)
    {
        var aggregator = new VolumeAggregator(Windowing);
        aggregator.Apply(new Trade("BTC-USD", 1, latest, 10m, 1m, TakerSide.Buy));
        return aggregator;
    }

    [Theory]
    [InlineData(false, null, 0, 0, 0L)]     // new partition, empty log
    [InlineData(false, null, 0, 500, 0L)]   // no state: rebuilt from the first record
    [InlineData(true, 120L, 100, 500, 120L)] // stored offset inside the log
    [InlineData(true, 100L, 100, 500, 100L)] // exactly at the log start
    [InlineData(true, 500L, 100, 500, 500L)] // caught up: at the end of the log
    [InlineData(true, null, 0, 9, 0L)]      // state without an offset starts at 0
    public void A_partition_whose_stored_offset_is_on_the_broker_resumes_there(bool hasState, long? stored, long low, long high, long expected)
    {
        var decision = PartitionOwnership.Decide(hasState, stored, low, high, "/state");

        Assert.Equal(new AssignmentDecision(expected, null), decision);
    }

    [Fact]
    public void Without_state_and_without_the_first_records_the_partition_is_blocked_at_the_end_of_the_log()
    {
        var decision = PartitionOwnership.Decide(false, null, 100, 500, "/state");

        Assert.Equal(500, decision.Offset);
        Assert.Equal("no local state and the broker no longer has its first records (log starts at 100): it cannot be rebuilt exactly", decision.BlockReason);
    }

    [Fact]
    public void A_stored_offset_that_fell_behind_retention_blocks_the_partition()
    {
        var decision = PartitionOwnership.Decide(true, 99, 100, 500, "/state");

        Assert.Equal(new AssignmentDecision(500, "its stored offset 99 is no longer on the broker (log starts at 100)"), decision);
    }

    [Fact]
    public void A_stored_offset_beyond_the_end_of_the_log_is_foreign_state_and_blocks_the_partition()
    {
        var decision = PartitionOwnership.Decide(true, 501, 100, 500, "/data/state");

        Assert.Equal(500, decision.Offset);
        Assert.Equal(
            "its stored offset 501 is beyond the end of the log (500): the state belongs to another cluster or the topic was recreated; delete /data/state to rebuild",
            decision.BlockReason);
    }

    [Fact]
    public void Only_records_of_owned_partitions_past_the_stored_offset_are_applied()
    {
        var ownership = new PartitionOwnership();
        ownership.Assign(2, new VolumeAggregator(Windowing), 10);

        Assert.False(ownership.TryAccept(1, 10, out _)); // not ours
        Assert.False(ownership.TryAccept(2, 9, out _));  // already in the committed state
        Assert.True(ownership.TryAccept(2, 10, out var state));
        Assert.Equal(11, state.NextOffset);
        Assert.False(ownership.TryAccept(2, 10, out _)); // replayed within the batch
        Assert.True(ownership.TryAccept(2, 15, out _));  // a gap (compaction, transaction markers) is fine
        Assert.Equal(16, ownership.Owned[2].NextOffset);
    }

    [Fact]
    public void Blocking_stops_aggregation_and_queues_one_pause_until_the_partition_is_assigned_again()
    {
        var ownership = new PartitionOwnership();
        ownership.Assign(0, new VolumeAggregator(Windowing), 0);
        ownership.Assign(1, new VolumeAggregator(Windowing), 0);

        Assert.True(ownership.Block(1));
        Assert.False(ownership.Block(1)); // reported once
        Assert.True(ownership.Block(4));  // e.g. an offset error on a partition never assigned

        Assert.Equal([0], ownership.Owned.Keys);
        Assert.Equal([1, 4], ownership.Blocked.Order());
        Assert.False(ownership.TryAccept(1, 0, out _));
        Assert.Equal([1, 4], ownership.TakeToPause().Order());
        Assert.Empty(ownership.TakeToPause());

        ownership.Unblock(4);
        ownership.Assign(1, new VolumeAggregator(Windowing), 7);
        Assert.Empty(ownership.Blocked);
        Assert.True(ownership.TryAccept(1, 7, out _));
        Assert.True(ownership.Block(1)); // blocked again after a new assignment: reported again
    }

    [Fact]
    public void Released_partitions_are_neither_owned_nor_blocked()
    {
        var ownership = new PartitionOwnership();
        ownership.Assign(0, new VolumeAggregator(Windowing), 0);
        ownership.Block(1);

        ownership.Release(0);
        ownership.Release(1);
        ownership.Release(5); // never known: nothing happens

        Assert.Empty(ownership.Owned);
        Assert.Empty(ownership.Blocked);
        Assert.True(ownership.Block(1));
    }

    [Fact]
    public void The_first_commit_after_each_assignment_is_flagged_once()
    {
        var ownership = new PartitionOwnership();
        Assert.True(ownership.TakeAssignedSinceCommit());
        Assert.False(ownership.TakeAssignedSinceCommit());

        ownership.Assign(3, new VolumeAggregator(Windowing), 0);
        Assert.True(ownership.TakeAssignedSinceCommit());
        Assert.False(ownership.TakeAssignedSinceCommit());

        ownership.Block(3); // blocking or releasing is no assignment
        ownership.Release(3);
        Assert.False(ownership.TakeAssignedSinceCommit());
    }

    [Fact]
    public void Group_offsets_are_those_of_partitions_still_owned()
    {
        var ownership = new PartitionOwnership();
        ownership.Assign(0, new VolumeAggregator(Windowing), 5);
        ownership.Assign(1, new VolumeAggregator(Windowing), 8);
        ownership.TryAccept(1, 8, out _);

        ownership.Release(0);

        Assert.Equal([(1, 9L)], ownership.NextOffsets([0, 1, 2]));
    }

    [Fact]
    public void An_idle_live_partition_follows_the_wall_clock_but_a_busy_or_replayed_one_does_not()
    {
        var ownership = new PartitionOwnership();
        ownership.Assign(0, AggregatorAt(Now.AddSeconds(-30)), 1); // live, idle
        ownership.Assign(1, AggregatorAt(Now.AddSeconds(-30)), 1); // live, had records in this batch
        ownership.Assign(2, AggregatorAt(Now.AddMinutes(-10)), 1); // replay of old data
        ownership.Assign(3, new VolumeAggregator(Windowing), 0);   // nothing yet

        ownership.AdvanceIdleLivePartitions(new HashSet<int> { 1 }, Now, TimeSpan.FromMinutes(2), Windowing.Grace);

        Assert.Equal(Now.AddSeconds(-5), ownership.Owned[0].Aggregator.Watermark);
        Assert.Equal(Now.AddSeconds(-35), ownership.Owned[1].Aggregator.Watermark);
        Assert.Equal(Now.AddMinutes(-10).AddSeconds(-5), ownership.Owned[2].Aggregator.Watermark);
        Assert.Null(ownership.Owned[3].Aggregator.Watermark);
    }

    [Fact]
    public void Watermark_lag_is_measured_from_the_oldest_watermark()
    {
        var ownership = new PartitionOwnership();
        Assert.Equal(0, ownership.WatermarkLagSeconds(Now));

        ownership.Assign(3, new VolumeAggregator(Windowing), 0);
        Assert.Equal(0, ownership.WatermarkLagSeconds(Now));

        ownership.Assign(0, AggregatorAt(Now.AddSeconds(-10)), 1);
        ownership.Assign(1, AggregatorAt(Now.AddSeconds(-60)), 1);
        Assert.Equal(65, ownership.WatermarkLagSeconds(Now));
    }
}
