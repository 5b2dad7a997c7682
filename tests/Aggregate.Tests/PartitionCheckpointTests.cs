using BitcoinVolume.Aggregate.State;
using BitcoinVolume.Aggregate.Windowing;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Aggregate.Tests;

/// <summary>
/// A partition checkpoint carries one commit of a partition's state (windows, dedup ids, clock, next offset, log) from one
/// store to another through a checkpoint folder; a damaged file is refused, never half restored.
/// </summary>
public sealed class PartitionCheckpointTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 8, 9, 21, 4, 0, TimeSpan.Zero);
    private static readonly WindowingOptions Windowing = new() { Grace = TimeSpan.FromSeconds(5), Retention = TimeSpan.FromHours(1) };
    private static readonly LogIdentity Log = new(Topics.Trades, "cluster-1", null);

    private readonly string folder = Path.Combine(Path.GetTempPath(), "bv-checkpoint-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Trade T(long id, double seconds, decimal price, decimal size, TakerSide side = TakerSide.Buy) =>
        new("BTC-USD", id, T0.AddSeconds(seconds), price, size, side);

    private static void Commit(PartitionStateStore store, int partition, VolumeAggregator aggregator, long nextOffset, params Trade[] trades)
    {
        foreach (var trade in trades)
        {
            aggregator.Apply(trade);
        }

        using var batch = PartitionStateStore.NewBatch();
        PartitionStateStore.Add(batch, partition, aggregator.TakeChanges(), nextOffset, Log);
        store.Commit(batch);
    }

    [Fact]
    public void A_checkpoint_restored_into_another_store_replaces_its_partition_and_loads_the_same_state()
    {
        var storage = new FolderCheckpointStorage(Path.Combine(folder, "checkpoints"));
        var original = new VolumeAggregator(Windowing);
        string name;
        using (var source = new PartitionStateStore(Path.Combine(folder, "a"), syncWrites: false))
        {
            Commit(source, 2, original, 17, T(10, 1, 101.5m, 0.1m), T(11, 2, 99.25m, 0.00000001m), T(12, 70, 100m, 0.2m, TakerSide.Sell));
            var checkpoint = PartitionCheckpoint.Of(source.Export(2)!, T0);
            name = checkpoint.NameIn(Topics.Trades);
            storage.Write(name, checkpoint.WriteTo);
        }

        using var target = new PartitionStateStore(Path.Combine(folder, "b"), syncWrites: false);
        Commit(target, 2, new VolumeAggregator(Windowing), 3, T(500, 5, 1m, 1m)); // older state of the same partition: replaced
        Commit(target, 3, new VolumeAggregator(Windowing), 9, T(1, 1, 2m, 2m)); // another partition: untouched
        Assert.Equal([name], storage.List(PartitionCheckpoint.FolderOf(Topics.Trades, 2)));
        PartitionCheckpoint read;
        using (var stream = storage.OpenRead(name))
        {
            read = PartitionCheckpoint.ReadFrom(stream);
        }

        Assert.Equal((2, 17L, Log, T0), (read.Partition, read.NextOffset, read.Log, read.Created));
        using (var batch = target.ReplaceBatch(2, read.Records))
        {
            target.Commit(batch);
        }

        var loaded = target.Load(2, Windowing)!;
        Assert.Equal((17L, Log), (loaded.NextOffset, loaded.Log));
        Assert.Equal(ApplyOutcome.Duplicate, loaded.Aggregator.Apply(T(11, 2, 1m, 1m)));
        Assert.Equal(ApplyOutcome.Correction, loaded.Aggregator.Apply(T(500, 5, 1m, 1m))); // the replaced state's trade is gone (its window is final)
        Assert.Equal(ApplyOutcome.Correction, original.Apply(T(500, 5, 1m, 1m)));
        original.AdvanceWatermark(DateTimeOffset.MaxValue);
        loaded.Aggregator.AdvanceWatermark(DateTimeOffset.MaxValue);
        Assert.Equal(original.TakeChanges().Pruned.OrderBy(w => w.Key, StringComparer.Ordinal), loaded.Aggregator.TakeChanges().Pruned.OrderBy(w => w.Key, StringComparer.Ordinal));
        Assert.Equal(9, target.Load(3, Windowing)?.NextOffset);
    }

    [Fact]
    public void A_damaged_or_truncated_checkpoint_is_refused()
    {
        using var store = new PartitionStateStore(Path.Combine(folder, "a"), syncWrites: false);
        Commit(store, 0, new VolumeAggregator(Windowing), 5, T(1, 1, 100m, 1m));
        using var whole = new MemoryStream();
        PartitionCheckpoint.Of(store.Export(0)!, T0).WriteTo(whole);
        var bytes = whole.ToArray();

        var damaged = (byte[])bytes.Clone();
        damaged[bytes.Length / 2] ^= 0x40;
        var truncated = bytes[..^10];

        Assert.Contains("SHA-256", Assert.Throws<InvalidDataException>(() => PartitionCheckpoint.ReadFrom(new MemoryStream(damaged))).Message, StringComparison.Ordinal);
        Assert.Contains("SHA-256", Assert.Throws<InvalidDataException>(() => PartitionCheckpoint.ReadFrom(new MemoryStream(truncated))).Message, StringComparison.Ordinal);
        Assert.Equal(5, PartitionCheckpoint.ReadFrom(new MemoryStream(bytes)).NextOffset);
    }

    [Fact]
    public void Names_sort_newest_first_by_creation_time_not_by_offset()
    {
        var records = Array.Empty<(byte[], byte[])>();
        var older = new PartitionCheckpoint(1, 9_000, Log, T0, records).NameIn(Topics.Trades);
        var newer = new PartitionCheckpoint(1, 12, Log, T0.AddMinutes(5), records).NameIn(Topics.Trades); // a new development broker log starts at 0 again

        Assert.Equal([newer, older], PartitionCheckpoint.NewestFirst([older, "trades/1/x.tmp", newer]));
        Assert.Equal(T0.AddMinutes(5), PartitionCheckpoint.CreatedOf(newer));
    }
}
