using BitcoinVolume.Aggregate.Processing;
using BitcoinVolume.Aggregate.State;
using BitcoinVolume.Aggregate.Windowing;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Aggregate.Tests;

/// <summary>
/// Which log a partition's state belongs to (issue 14): stored with every commit, compared on assignment; state of an
/// earlier development broker is continued from the start of the new log only when asked, anything else is blocked.
/// </summary>
public sealed class LogIdentityTests : IDisposable
{
    private static readonly LogIdentity DevA = new(Topics.Trades, "mockCluster1", "aaaa");
    private static readonly LogIdentity DevB = new(Topics.Trades, "mockCluster1", "bbbb"); // same mock cluster id, new incarnation
    private static readonly LogIdentity Prod = new(Topics.Trades, "lkc-123", null);
    private static readonly LogIdentity OtherProd = new(Topics.Trades, "lkc-999", null);

    private readonly string path = Path.Combine(Path.GetTempPath(), "bv-state-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    [Fact]
    public void The_log_identity_is_committed_with_the_offset_and_loaded_back()
    {
        var windowing = new WindowingOptions();
        using (var store = new PartitionStateStore(path, syncWrites: false))
        {
            var aggregator = new VolumeAggregator(windowing);
            aggregator.Apply(new Trade("BTC-USD", 1, new DateTimeOffset(2026, 8, 9, 21, 5, 1, TimeSpan.Zero), 10m, 1m, TakerSide.Buy));
            using var batch = PartitionStateStore.NewBatch();
            PartitionStateStore.Add(batch, 2, aggregator.TakeChanges(), 7, DevA);
            PartitionStateStore.Add(batch, 3, new VolumeAggregator(windowing).TakeChanges(), 4, new LogIdentity(Topics.Trades, null, null));
            store.Commit(batch);
        }

        using var reopened = new PartitionStateStore(path, syncWrites: false);
        var loaded = reopened.Load(2, windowing)!;
        Assert.Equal(7, loaded.NextOffset);
        Assert.Equal(DevA, loaded.Log);
        Assert.Equal(new LogIdentity(Topics.Trades, null, null), reopened.Load(3, windowing)!.Log);
    }

    [Fact]
    public void Identities_differ_by_incarnation_topic_or_known_cluster_id_only()
    {
        Assert.False(DevA.IsOtherLogThan(DevA with { }));
        Assert.True(DevA.IsOtherLogThan(DevB));
        Assert.True(Prod.IsOtherLogThan(OtherProd));
        Assert.True(Prod.IsOtherLogThan(Prod with { Topic = "trades2" }));
        Assert.True(Prod.IsOtherLogThan(Prod with { Incarnation = "aaaa" }));
        Assert.False(Prod.IsOtherLogThan(Prod with { ClusterId = null })); // an unreadable cluster id proves nothing
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_same_log_or_state_without_a_recorded_log_resumes_at_the_stored_offset(bool continueAcross)
    {
        Assert.Equal(new AssignmentDecision(120, null), PartitionOwnership.Decide(true, 120, 0, 500, "/state", DevA, DevA, continueAcross));
        Assert.Equal(new AssignmentDecision(120, null), PartitionOwnership.Decide(true, 120, 0, 500, "/state", null, DevB, continueAcross));
        Assert.Equal(new AssignmentDecision(120, null), PartitionOwnership.Decide(true, 120, 0, 500, "/state", Prod, Prod, continueAcross));
    }

    [Fact]
    public void A_new_development_broker_with_the_setting_keeps_the_state_and_reads_the_new_log_from_its_start()
    {
        // The stored offset (900) is beyond the new log's end, and (below) inside it: neither matters, the log is another one.
        foreach (var high in new long[] { 300, 5_000 })
        {
            var decision = PartitionOwnership.Decide(true, 900, 0, high, "/state", DevA, DevB, continueOnNewDevelopmentBroker: true);
            Assert.Equal(0, decision.Offset);
            Assert.Null(decision.BlockReason);
            Assert.Contains("reading the new log from its start (0)", decision.NewLog, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_new_development_broker_without_the_setting_is_blocked_even_when_the_stored_offset_is_inside_the_new_log()
    {
        var decision = PartitionOwnership.Decide(true, 900, 0, 5_000, "/state", DevA, DevB, continueOnNewDevelopmentBroker: false);

        Assert.Equal(5_000, decision.Offset);
        Assert.Null(decision.NewLog);
        Assert.Contains("another log, so the state cannot be continued", decision.BlockReason, StringComparison.Ordinal);
        Assert.Contains("Aggregate:ContinueAcrossBrokerRestarts=true", decision.BlockReason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_real_cluster_with_another_cluster_id_or_a_switch_between_broker_kinds_is_always_blocked(bool continueAcross)
    {
        foreach (var (stored, current) in new[] { (Prod, OtherProd), (DevA, Prod), (Prod, DevA) })
        {
            var decision = PartitionOwnership.Decide(true, 100, 0, 5_000, "/state", stored, current, continueAcross);
            Assert.Null(decision.NewLog);
            Assert.Contains("another log, so the state cannot be continued (delete /state", decision.BlockReason, StringComparison.Ordinal);
        }

        // Both problems are named when the stored offset is also beyond the end of the log.
        var both = PartitionOwnership.Decide(true, 9_000, 0, 5_000, "/state", Prod, OtherProd, continueAcross);
        Assert.Contains("beyond the end of the log", both.BlockReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_state_a_partition_is_rebuilt_from_the_start_whatever_the_log()
    {
        Assert.Equal(new AssignmentDecision(0, null), PartitionOwnership.Decide(false, null, 0, 500, "/state", null, Prod, false));
    }
}
