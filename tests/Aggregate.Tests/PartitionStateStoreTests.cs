using BitcoinVolume.Aggregate.State;
using BitcoinVolume.Aggregate.Windowing;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Aggregate.Tests;

/// <summary>The aggregator's RocksDB state: what is committed comes back after the store is closed and reopened.</summary>
public sealed class PartitionStateStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 8, 9, 21, 4, 0, TimeSpan.Zero);
    private static readonly WindowingOptions Windowing = new() { Grace = TimeSpan.FromSeconds(5), Retention = TimeSpan.FromHours(1) };

    private readonly string path = Path.Combine(Path.GetTempPath(), "bv-state-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    private static Trade T(long id, double seconds, decimal price, decimal size, TakerSide side = TakerSide.Buy, string product = "BTC-USD") =>
        new(product, id, T0.AddSeconds(seconds), price, size, side);

    /// <summary>Applies the trades and commits the changes with <paramref name="nextOffset"/> for <paramref name="partition"/>.</summary>
    private static void Commit(PartitionStateStore store, int partition, VolumeAggregator aggregator, long nextOffset, params Trade[] trades)
    {
        foreach (var trade in trades)
        {
            aggregator.Apply(trade);
        }

        using var batch = PartitionStateStore.NewBatch();
        PartitionStateStore.Add(batch, partition, aggregator.TakeChanges(), nextOffset);
        store.Commit(batch);
    }

    /// <summary>
    /// Everything an aggregator holds, made visible: finalizing at the end of time emits the windows that were still open,
    /// and pruning then hands out every retained window's full value.
    /// </summary>
    private static (string[] Open, WindowVolume[] All) Dump(VolumeAggregator aggregator)
    {
        aggregator.AdvanceWatermark(DateTimeOffset.MaxValue);
        var changes = aggregator.TakeChanges();
        return (
            changes.Windows.Select(w => w.Key).Order(StringComparer.Ordinal).ToArray(),
            changes.Pruned.OrderBy(w => w.Key, StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void Windows_dedup_ids_clock_and_next_offset_survive_closing_and_reopening()
    {
        var originals = new Dictionary<int, VolumeAggregator> { [0] = new(Windowing), [3] = new(Windowing) };
        using (var store = new PartitionStateStore(path, syncWrites: true))
        {
            Commit(store, 0, originals[0], 3, T(10, 1, 101.5m, 0.1m), T(11, 2, 99.25m, 0.00000001m), T(12, 3, 100m, 0.2m, TakerSide.Sell));
            Commit(store, 0, originals[0], 5, T(14, 70, 123456.78901234m, 1.23456789m), T(13, 65, 100m, 2m)); // first window final now
            Commit(store, 3, originals[3], 42, T(7, 30, 2000m, 3m, product: "ETH-USD"), T(9, 31, 2001m, 0.5m, TakerSide.Sell, "ETH-USD"));
        }

        using var reopened = new PartitionStateStore(path, syncWrites: false);
        foreach (var (partition, next, windows, products) in new[] { (0, 5L, 3, 1), (3, 42L, 2, 1) })
        {
            var loaded = reopened.Load(partition, Windowing);

            Assert.NotNull(loaded);
            Assert.Equal((next, windows, products), (loaded.NextOffset, loaded.Windows, loaded.Products));
            Assert.Equal(originals[partition].Watermark, loaded.Aggregator.Watermark);
            Assert.Equal(originals[partition].LatestEventTime, loaded.Aggregator.LatestEventTime);
            Assert.Equal(originals[partition].WindowCount, loaded.Aggregator.WindowCount);

            // Trades already counted are recognized; a new one is counted (ids 8 and 6 are gaps in partition 3's ranges).
            Assert.Equal(ApplyOutcome.Duplicate, loaded.Aggregator.Apply(partition == 0 ? T(11, 2, 1m, 1m) : T(9, 31, 1m, 1m, TakerSide.Sell, "ETH-USD")));
            Assert.Empty(loaded.Aggregator.TakeChanges().Windows);
            var fresh = partition == 0 ? T(15, 71, 100m, 1m) : T(8, 32, 2000m, 1m, product: "ETH-USD");
            Assert.Equal(ApplyOutcome.Counted, loaded.Aggregator.Apply(fresh));
            Assert.Equal(ApplyOutcome.Counted, originals[partition].Apply(fresh));
            Assert.Equal(originals[partition].TakeChanges().Windows, loaded.Aggregator.TakeChanges().Windows);

            // Every window value (exact decimals, trade ids, versions) and which windows were still open.
            var (expectedOpen, expectedAll) = Dump(originals[partition]);
            var (actualOpen, actualAll) = Dump(loaded.Aggregator);
            Assert.Equal(expectedOpen, actualOpen);
            Assert.Equal(expectedAll, actualAll);
        }
    }

    [Fact]
    public void A_partition_never_committed_loads_as_null_and_partitions_do_not_share_state()
    {
        using var store = new PartitionStateStore(path, syncWrites: false);
        Assert.Null(store.Load(0, Windowing));

        Commit(store, 1, new VolumeAggregator(Windowing), 10, T(1, 1, 10m, 1m));

        Assert.Null(store.Load(0, Windowing));
        Assert.Null(store.Load(2, Windowing));
        Assert.Null(store.Load(256, Windowing)); // 1 and 256 differ only in another byte of the big-endian key
        Assert.Null(store.Load(-1, Windowing));
        Assert.Equal(10, store.Load(1, Windowing)?.NextOffset);
    }

    [Fact]
    public void A_partition_with_only_unreadable_records_stores_its_offset_without_windows()
    {
        using (var store = new PartitionStateStore(path, syncWrites: false))
        {
            Commit(store, 4, new VolumeAggregator(Windowing), 7);
        }

        using var reopened = new PartitionStateStore(path, syncWrites: false);
        var loaded = reopened.Load(4, Windowing);

        Assert.NotNull(loaded);
        Assert.Equal((7L, 0, 0), (loaded.NextOffset, loaded.Windows, loaded.Products));
        Assert.Null(loaded.Aggregator.Watermark);
    }

    [Fact]
    public void Later_commits_overwrite_the_offset_and_pruned_windows_are_deleted()
    {
        var aggregator = new VolumeAggregator(Windowing);
        using (var store = new PartitionStateStore(path, syncWrites: false))
        {
            Commit(store, 2, aggregator, 2, T(1, 0, 10m, 1m), T(2, 1800, 10m, 1m));
            Commit(store, 2, aggregator, 3, T(3, 4000, 10m, 1m)); // the first window falls out of retention
        }

        using var reopened = new PartitionStateStore(path, syncWrites: false);
        var loaded = reopened.Load(2, Windowing);

        Assert.NotNull(loaded);
        Assert.Equal((3L, 2), (loaded.NextOffset, loaded.Windows));
        Assert.Equal(ApplyOutcome.TooLate, loaded.Aggregator.Apply(T(4, 30, 10m, 1m)));
        Assert.Equal(
            [T0.AddSeconds(1800 - (1800 % 60)), T0.AddSeconds(4000 - (4000 % 60))],
            Dump(loaded.Aggregator).All.Select(w => w.WindowStart).Order().ToArray());
    }

    [Fact]
    public void Nothing_is_written_before_commit()
    {
        using (var store = new PartitionStateStore(path, syncWrites: false))
        {
            var aggregator = new VolumeAggregator(Windowing);
            aggregator.Apply(T(1, 1, 10m, 1m));
            using var batch = PartitionStateStore.NewBatch();
            PartitionStateStore.Add(batch, 0, aggregator.TakeChanges(), 1);
        }

        using var reopened = new PartitionStateStore(path, syncWrites: false);
        Assert.Null(reopened.Load(0, Windowing));
    }

    [Fact]
    public void A_folder_in_use_by_another_open_store_is_refused_with_the_setting_to_change()
    {
        using var store = new PartitionStateStore(path, syncWrites: false);

        var error = Assert.Throws<InvalidOperationException>(() => new PartitionStateStore(path, syncWrites: false));

        Assert.Contains("Aggregate:StatePath", error.Message, StringComparison.Ordinal);
        Assert.Equal(Path.GetFullPath(path), store.Path);
    }
}
