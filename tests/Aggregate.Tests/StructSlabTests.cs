using BitcoinVolume.Aggregate.Windowing;

namespace BitcoinVolume.Aggregate.Tests;

/// <summary>
/// The chunked struct store under <see cref="VolumeAggregator"/>'s windows: runs are contiguous and never span a chunk,
/// returned runs are reused (cleared) by runs of the same length, and live runs keep their values while others come and go.
/// </summary>
public class StructSlabTests
{
    private struct Cell
    {
        public long Trades;
        public decimal Base;
    }

    [Fact]
    public void A_rented_run_is_zeroed_contiguous_and_inside_one_chunk()
    {
        var slab = new StructSlab<Cell>();
        var seen = new HashSet<int>();
        for (var i = 0; i < 3 * StructSlab<Cell>.ChunkSize / 5; i++)
        {
            var start = slab.Rent(5);
            Assert.Equal(start / StructSlab<Cell>.ChunkSize, (start + 4) / StructSlab<Cell>.ChunkSize);
            var run = slab.Run(start, 5);
            Assert.Equal(5, run.Length);
            foreach (var cell in run)
            {
                Assert.Equal(0, cell.Trades);
                Assert.Equal(0m, cell.Base);
            }

            for (var j = 0; j < 5; j++)
            {
                Assert.True(seen.Add(start + j), $"index {start + j} handed out twice");
                run[j].Trades = start + j;
            }
        }

        Assert.True(slab.Capacity >= 3 * StructSlab<Cell>.ChunkSize / 5 * 5);
    }

    [Fact]
    public void A_run_longer_than_a_chunk_is_refused()
    {
        var slab = new StructSlab<Cell>();
        Assert.Throws<ArgumentOutOfRangeException>(() => slab.Rent(StructSlab<Cell>.ChunkSize + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => slab.Rent(0));
    }

    [Fact]
    public void Returned_runs_are_reused_cleared_and_live_runs_keep_their_values()
    {
        var random = new Random(11);
        var slab = new StructSlab<Cell>();
        var live = new List<(int Start, int Length, long Tag)>();
        var owner = new long[16 * StructSlab<Cell>.ChunkSize]; // which live run holds each index (0: none)
        var peak = new Dictionary<int, int> { [1] = 0, [5] = 0 };
        var liveItems = new Dictionary<int, int> { [1] = 0, [5] = 0 };
        long tag = 0;
        for (var step = 0; step < 60_000; step++)
        {
            // Grows to ~2,000 live runs, then rents and returns alike.
            if (live.Count > 0 && random.Next(live.Count > 2_000 ? 2 : 4) == 0)
            {
                var at = random.Next(live.Count);
                var (victim, length, expected) = live[at];
                foreach (var cell in slab.Run(victim, length))
                {
                    Assert.Equal(expected, cell.Trades);
                    Assert.Equal(expected, cell.Base);
                }

                slab.Return(victim, length);
                owner.AsSpan(victim, length).Clear();
                liveItems[length] -= length;
                live[at] = live[^1];
                live.RemoveAt(live.Count - 1);
                continue;
            }

            var size = random.Next(4) == 0 ? 1 : 5;
            var start = slab.Rent(size);
            var run = slab.Run(start, size);
            tag++;
            for (var j = 0; j < size; j++)
            {
                Assert.Equal(0, run[j].Trades);
                Assert.Equal(0m, run[j].Base);
                Assert.True(owner[start + j] == 0, $"index {start + j} of run {start}+{size} is in live run {owner[start + j]}");
                owner[start + j] = tag;
                (run[j].Trades, run[j].Base) = (tag, tag);
            }

            live.Add((start, size, tag));
            liveItems[size] += size;
            peak[size] = Math.Max(peak[size], liveItems[size]);
        }

        // Reuse keeps the store near the peak of live items per run length, not the number of runs ever rented.
        var bound = peak[1] + peak[5] + (2 * StructSlab<Cell>.ChunkSize);
        Assert.True(slab.Capacity <= bound, $"capacity {slab.Capacity}, peak live {peak[1]} + {peak[5]}");
    }

    [Fact]
    public void Single_items_are_addressed_by_reference()
    {
        var slab = new StructSlab<Cell>();
        var a = slab.Rent(1);
        var b = slab.Rent(1);
        slab[a].Trades = 7;
        ref var cell = ref slab[b];
        cell.Base = 1.5m;

        Assert.Equal(7, slab[a].Trades);
        Assert.Equal(1.5m, slab[b].Base);
        Assert.Equal(0m, slab[a].Base);
    }
}
