using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Sources;
using BitcoinVolume.Ingest.Venues.Coinbase;

namespace BitcoinVolume.Ingest.Tests;

/// <summary>The synthetic source: deterministic from its seed, realistic, valid Exchange frames, paced.</summary>
public class SyntheticSourceTests
{
    [Fact]
    public void The_same_seed_gives_the_same_bytes_and_another_seed_does_not()
    {
        var options = SyntheticOptions.Parse("products=20,rate=5000,seed=42,count=5000");
        var a = new SyntheticSource(options).Generate().ToList();
        var b = new SyntheticSource(options).Generate().ToList();
        var c = new SyntheticSource(options with { Seed = 43 }).Generate().ToList();

        Assert.Equal(a.Count, b.Count);
        Assert.True(a.Zip(b).All(p => p.First.AsSpan().SequenceEqual(p.Second)));
        Assert.False(a.Zip(c).All(p => p.First.AsSpan().SequenceEqual(p.Second)));
    }

    [Fact]
    public void Frames_are_valid_exchange_frames_with_contiguous_ids_and_consistent_heartbeats()
    {
        var options = SyntheticOptions.Parse("products=12, rate=1000, seed=7, count=20000");
        var parser = new CoinbaseFrameParser();
        var trades = new List<Trade>();
        var heartbeats = 0;
        foreach (var frame in new SyntheticSource(options).Generate())
        {
            var before = trades.Count;
            var result = parser.Parse(frame, trades);
            Assert.NotEqual(FrameKind.Invalid, result.Kind);
            if (result.Kind == FrameKind.Heartbeat)
            {
                heartbeats++;
                Assert.Equal(trades.Where(t => t.Product == result.Product).Max(t => t.TradeId), result.LastTradeId);
            }
            else
            {
                Assert.Equal(before + 1, trades.Count);
            }
        }

        Assert.Equal(20_000, trades.Count);
        Assert.Equal(12, trades.Select(t => t.Product).Distinct().Count());
        Assert.True(heartbeats > 12 * 15, $"{heartbeats} heartbeats for 20 s of event time");
        foreach (var product in trades.GroupBy(t => t.Product))
        {
            var ids = product.Select(t => t.TradeId).ToList();
            Assert.Equal(Enumerable.Range(0, ids.Count).Select(i => ids[0] + i), ids);
        }

        // Realistic: BTC-USD is the busiest, both taker sides occur, sizes and prices positive decimals.
        var busiest = trades.GroupBy(t => t.Product).MaxBy(g => g.Count())!.Key;
        Assert.Equal("BTC-USD", busiest);
        Assert.InRange(trades.Count(t => t.Side == TakerSide.Buy) / (double)trades.Count, 0.45, 0.55);
        Assert.All(trades, t => Assert.True(t.Size > 0 && t.Price > 0));
        Assert.Equal(SyntheticOptions.DefaultStart, trades[0].Time);
        Assert.Equal(SyntheticOptions.DefaultStart.AddTicks(19_999 * TimeSpan.TicksPerMillisecond), trades[^1].Time);
    }

    [Fact]
    public async Task It_is_paced_at_the_rate()
    {
        var source = new SyntheticSource(SyntheticOptions.Parse("products=3,rate=2000,count=1000,heartbeats=false"));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var frames = 0;
        await foreach (var frame in source.ReadFramesAsync(CancellationToken.None))
        {
            frames++;
        }

        Assert.Equal(1000, frames);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData("products=0")]
    [InlineData("rate=-1")]
    [InlineData("seed=x")]
    [InlineData("colour=blue")]
    [InlineData("span=0s,count=10")]
    [InlineData("span=forever,count=10")]
    [InlineData("span=24h")]
    public void Bad_parameters_are_rejected_by_name(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => SourceSpec.Parse($"synthetic:{text}"));
        Assert.Contains(text.Split('=')[0], e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_span_spreads_the_count_over_that_much_event_time()
    {
        var options = SyntheticOptions.Parse("products=50,rate=0,count=10000,span=24h,heartbeats=false");
        var parser = new CoinbaseFrameParser();
        var trades = new List<Trade>();
        foreach (var frame in new SyntheticSource(options).Generate())
        {
            parser.Parse(frame, trades);
        }

        var times = trades.ConvertAll(t => t.Time);

        Assert.Equal(10_000, times.Count);
        Assert.Equal(SyntheticOptions.DefaultStart, times[0]);
        Assert.Equal(SyntheticOptions.DefaultStart + (TimeSpan.FromHours(24) / 10_000 * 9_999), times[^1]);
    }

    [Fact]
    public async Task Start_now_stamps_the_first_trade_with_the_wall_clock()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        var source = new SyntheticSource(SyntheticOptions.Parse("products=3,rate=0,count=5,start=now,heartbeats=false"), clock);
        var parser = new CoinbaseFrameParser();
        var trades = new List<Trade>();
        await foreach (var frame in source.ReadFramesAsync(CancellationToken.None))
        {
            parser.Parse(frame.Data.Span, trades);
        }

        var times = trades.ConvertAll(t => t.Time);
        Assert.Equal(clock.GetUtcNow(), times[0]);
        Assert.Equal(clock.GetUtcNow().AddMilliseconds(4), times[^1]);
        Assert.Contains("start=now", source.Description, StringComparison.Ordinal);
    }
}
