using BitcoinVolume.Aggregate.State;
using BitcoinVolume.Aggregate.Windowing;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Aggregate.Tests;

/// <summary>The footprint in the aggregator's RocksDB state: committed with the windows and offset, back after reopening, pruned by the same write.</summary>
public sealed class FootprintStateStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 8, 9, 21, 4, 0, TimeSpan.Zero);
    private static readonly WindowingOptions Windowing = new() { Grace = TimeSpan.FromSeconds(5), Retention = TimeSpan.FromHours(1) };

    private readonly string path = Path.Combine(Path.GetTempPath(), "bv-footprint-state-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    private static FootprintChanges Commit(PartitionStateStore store, VolumeAggregator aggregator, FootprintAggregator footprint, long nextOffset, params Trade[] trades)
    {
        foreach (var trade in trades)
        {
            if (aggregator.Apply(trade) is ApplyOutcome.Counted or ApplyOutcome.Correction)
            {
                footprint.Add(trade);
            }
        }

        using var batch = PartitionStateStore.NewBatch();
        PartitionStateStore.Add(batch, 2, aggregator.TakeChanges(), nextOffset);
        var changes = footprint.TakeChanges(aggregator.Watermark);
        PartitionStateStore.AddFootprint(batch, 2, changes);
        store.Commit(batch);
        return changes;
    }

    [Fact]
    public void Levels_ticks_and_finality_survive_reopening_and_pruning_deletes_them()
    {
        var options = new FootprintOptions();
        var aggregator = new VolumeAggregator(Windowing);
        var footprint = new FootprintAggregator(options, Windowing);
        FootprintWindow[] before;
        using (var store = new PartitionStateStore(path, syncWrites: true))
        {
            var firstBatch = Commit(store, aggregator, footprint, 3,
                new Trade("BTC-USD", 1, T0.AddSeconds(1), 90_015.123456789m, 0.00000001m, TakerSide.Buy),
                new Trade("BTC-USD", 2, T0.AddSeconds(2), 90_019.99m, 2m, TakerSide.Sell),
                new Trade("BTC-USD", 1, T0.AddSeconds(1), 90_015.123456789m, 0.00000001m, TakerSide.Buy), // duplicate: counted once
                new Trade("BTC-USD", 3, T0.AddSeconds(70), 89_000m, 1m, TakerSide.Sell)) // the first window is final now
                .Windows;
            Assert.Equal(2, firstBatch.Count);
            before = Commit(store, aggregator, footprint, 4, new Trade("DOGE-USD", 1, T0.AddSeconds(71), 0.31234m, 100m, TakerSide.Buy) with { Venue = Venues.Kraken })
                .Windows.ToArray();
        }

        using (var store = new PartitionStateStore(path, syncWrites: true))
        {
            var loaded = store.Load(2, Windowing)!;
            Assert.Equal(2, loaded.Footprint.Ticks.Count);
            Assert.Contains(new KeyValuePair<string, decimal>(StreamKey.Of(Venues.Kraken, "DOGE-USD"), 0.0001m), loaded.Footprint.Ticks);
            var byKey = loaded.Footprint.Windows.ToDictionary(w => w.Key);
            Assert.Equal(3, byKey.Count);
            var first = byKey[FootprintWindow.KeyOf(Venues.Coinbase, "BTC-USD", T0)];
            Assert.Equal((10m, 2L, true, 5L), (first.Tick, first.Trades, first.Final, first.Version));
            Assert.Equal(new FootprintLevel(90_010m, 0.00000001m, 2m, 1, 1), Assert.Single(first.Levels));
            Assert.Equal(before.Single().Levels, byKey[before.Single().Key].Levels);

            // Restored, the same stream keeps its tick and a later trade adds to the stored levels.
            var restoredAggregator = loaded.Aggregator;
            var restored = loaded.Footprint.Restore(options, Windowing);
            var changes = Commit(store, restoredAggregator, restored, 5, new Trade("BTC-USD", 4, T0.AddSeconds(72), 89_005m, 0.5m, TakerSide.Buy));
            var second = Assert.Single(changes.Windows);
            Assert.Equal([new FootprintLevel(89_000m, 0.5m, 1m, 1, 1)], second.Levels);

            // Beyond retention: pruned from the state in the same write as the bars.
            Commit(store, restoredAggregator, restored, 6, new Trade("BTC-USD", 5, T0.AddHours(3), 90_000m, 1m, TakerSide.Buy));
            var after = store.Load(2, Windowing)!;
            Assert.Equal([FootprintWindow.KeyOf(Venues.Coinbase, "BTC-USD", T0.AddHours(3))], after.Footprint.Windows.Select(w => w.Key));
        }
    }
}
