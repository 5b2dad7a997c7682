using BitcoinVolume.Aggregate.Windowing;

namespace BitcoinVolume.Aggregate.Tests;

public class TimeOrderedQueueTests
{
    [Fact]
    public void Dequeues_in_time_order_whatever_the_insertion_order()
    {
        var random = new Random(5);
        var queue = new TimeOrderedQueue<string>();
        var oracle = new PriorityQueue<int, long>();
        var time = 0L;
        for (var i = 0; i < 10_000; i++)
        {
            // Mostly increasing, sometimes earlier, sometimes equal; interleaved with dequeues.
            time += random.Next(-3, 10);
            var t = random.Next(20) == 0 ? time - random.Next(1, 500) : time;
            queue.Enqueue(i.ToString(System.Globalization.CultureInfo.InvariantCulture), t);
            oracle.Enqueue(i, t);
            if (random.Next(3) == 0)
            {
                Assert.True(queue.TryPeek(out _, out var got));
                Assert.True(oracle.TryPeek(out _, out var want));
                Assert.Equal(want, got);
                queue.Dequeue();
                oracle.Dequeue();
            }
        }

        while (oracle.TryDequeue(out _, out var want))
        {
            Assert.True(queue.TryPeek(out _, out var got));
            Assert.Equal(want, got);
            queue.Dequeue();
        }

        Assert.False(queue.TryPeek(out _, out _));
        Assert.Equal(0, queue.Count);
    }
}
