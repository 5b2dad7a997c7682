using BitcoinVolume.Aggregate.Windowing;

namespace BitcoinVolume.Aggregate.Tests;

public class TradeIdSetTests
{
    [Fact]
    public void Contiguous_ids_are_one_range()
    {
        var set = new TradeIdSet();
        for (var id = 100; id < 200; id++)
        {
            Assert.True(set.Add(id));
        }

        Assert.Equal(1, set.RangeCount);
        Assert.False(set.Add(150));
        Assert.True(set.Contains(199));
        Assert.False(set.Contains(200));
    }

    [Fact]
    public void Gaps_make_ranges_and_filling_a_gap_merges_them()
    {
        var set = new TradeIdSet();
        set.Add(1);
        set.Add(3);
        set.Add(5);
        Assert.Equal(3, set.RangeCount);

        Assert.True(set.Add(4));
        Assert.Equal(2, set.RangeCount);
        Assert.True(set.Add(2));
        Assert.Equal(1, set.RangeCount);
        Assert.False(set.Add(3));
        Assert.Equal([(1L, 5L)], set.Ranges);
    }

    [Fact]
    public void Random_ids_behave_like_a_hash_set()
    {
        var random = new Random(42);
        var set = new TradeIdSet();
        var oracle = new HashSet<long>();
        for (var i = 0; i < 20_000; i++)
        {
            long id = random.Next(0, 5_000);
            Assert.Equal(oracle.Add(id), set.Add(id));
        }

        Assert.Equal(oracle.Count, set.Ranges.Sum(r => r.End - r.Start + 1));
        for (long id = -1; id <= 5_001; id++)
        {
            Assert.Equal(oracle.Contains(id), set.Contains(id));
        }
    }
}
