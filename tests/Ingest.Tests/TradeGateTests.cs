using BitcoinVolume.Ingest.Gaps;
using Microsoft.Extensions.Time.Testing;

namespace BitcoinVolume.Ingest.Tests;

/// <summary>Dedup and gap tracking: contiguity per product, heartbeats, fills, fetch attempts, bounded memory.</summary>
public class TradeGateTests
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly RecordingObserver observer = new();

    private TradeGate Gate(GapMode mode = GapMode.Backfill, int maxOpenGaps = 1000, long maxGapTrades = 100_000) =>
        new(new GapOptions { MaxOpenGapsPerProduct = maxOpenGaps }, mode, maxGapTrades, observer, time);

    [Fact]
    public void Contiguous_ids_are_new_and_repeats_are_duplicates()
    {
        var gate = Gate();
        Assert.Equal(Admission.New, gate.Admit("BTC-USD", 100));
        Assert.Equal(Admission.New, gate.Admit("BTC-USD", 101));
        Assert.Equal(Admission.Duplicate, gate.Admit("BTC-USD", 101));
        Assert.Equal(Admission.Duplicate, gate.Admit("BTC-USD", 100));
        Assert.Equal(Admission.Stale, gate.Admit("BTC-USD", 99));
        Assert.Equal(Admission.New, gate.Admit("ETH-USD", 5));
        Assert.Empty(observer.Detected);
        Assert.Equal(0, gate.OpenGaps);
    }

    [Fact]
    public void A_jump_opens_a_gap_that_late_trades_fill_in_any_order_and_only_once()
    {
        var gate = Gate();
        gate.Admit("BTC-USD", 10);
        Assert.Equal(Admission.New, gate.Admit("BTC-USD", 20));

        Assert.Equal([("BTC-USD", new TradeIdRange(11, 19), "trade")], observer.Detected);
        Assert.Equal([new TradeIdRange(11, 19)], gate.GapsOf("BTC-USD"));

        Assert.Equal(Admission.FillsGap, gate.Admit("BTC-USD", 15));
        Assert.Equal(Admission.Duplicate, gate.Admit("BTC-USD", 15));
        Assert.Equal([new TradeIdRange(11, 14), new TradeIdRange(16, 19)], gate.GapsOf("BTC-USD"));
        foreach (var id in new long[] { 19, 11, 12, 18, 13, 14, 16, 17 })
        {
            Assert.Equal(Admission.FillsGap, gate.Admit("BTC-USD", id));
        }

        Assert.Empty(gate.GapsOf("BTC-USD"));
        Assert.All(Enumerable.Range(10, 11), id => Assert.Equal(Admission.Duplicate, gate.Admit("BTC-USD", id)));
    }

    [Fact]
    public void A_heartbeat_ahead_of_the_last_trade_reveals_a_gap_even_when_no_trade_follows()
    {
        var gate = Gate();
        gate.Heartbeat("BTC-USD", 50); // no baseline yet: says nothing
        Assert.Empty(observer.Detected);

        gate.Admit("BTC-USD", 50);
        gate.Heartbeat("BTC-USD", 50);
        gate.Heartbeat("BTC-USD", 49);
        Assert.Empty(observer.Detected);

        gate.Heartbeat("BTC-USD", 53);
        Assert.Equal([("BTC-USD", new TradeIdRange(51, 53), "heartbeat")], observer.Detected);
        Assert.Equal(53, gate.HighWaterMark("BTC-USD"));

        // The trades the heartbeat announced arrive after all (the frames were in flight): produced once, no second gap.
        Assert.Equal(Admission.FillsGap, gate.Admit("BTC-USD", 51));
        Assert.Equal(Admission.FillsGap, gate.Admit("BTC-USD", 52));
        Assert.Equal(Admission.FillsGap, gate.Admit("BTC-USD", 53));
        Assert.Equal(Admission.New, gate.Admit("BTC-USD", 54));
        Assert.Single(observer.Detected);
    }

    [Fact]
    public void Gaps_are_due_for_a_fetch_only_after_the_grace_period_and_once_at_a_time()
    {
        var gate = Gate();
        gate.Admit("BTC-USD", 1);
        gate.Admit("BTC-USD", 5);
        Assert.Empty(gate.TakeDueGaps(TimeSpan.FromSeconds(2), 10));

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal([new GapWork("BTC-USD", new TradeIdRange(2, 4), 0)], gate.TakeDueGaps(TimeSpan.FromSeconds(2), 10));
        Assert.Empty(gate.TakeDueGaps(TimeSpan.FromSeconds(2), 10)); // in flight
    }

    [Fact]
    public void What_a_fetch_leaves_missing_is_retried_then_reported_unfilled()
    {
        var gate = Gate();
        gate.Admit("BTC-USD", 1);
        gate.Admit("BTC-USD", 10);
        var first = Assert.Single(gate.TakeDueGaps(TimeSpan.Zero, 10));
        Assert.Equal(new GapWork("BTC-USD", new TradeIdRange(2, 9), 0), first);

        // The fetch returned one of them: the gap splits, both parts stay in flight with the same attempt count.
        Assert.Equal(Admission.FillsGap, gate.Admit("BTC-USD", 5));
        gate.CompleteFetch("BTC-USD", first.Range, maxAttempts: 2, retryAfter: TimeSpan.FromSeconds(1), "not returned");
        Assert.Empty(observer.Unfilled);
        Assert.Empty(gate.TakeDueGaps(TimeSpan.Zero, 10)); // waits RetryDelay

        time.Advance(TimeSpan.FromSeconds(1));
        var second = gate.TakeDueGaps(TimeSpan.Zero, 10);
        Assert.Equal([new GapWork("BTC-USD", new TradeIdRange(2, 4), 1), new GapWork("BTC-USD", new TradeIdRange(6, 9), 1)], second);
        gate.CompleteFetch("BTC-USD", new TradeIdRange(2, 9), maxAttempts: 2, retryAfter: TimeSpan.FromSeconds(1), "not returned");

        Assert.Equal([("BTC-USD", new TradeIdRange(2, 4), 2, "not returned"), ("BTC-USD", new TradeIdRange(6, 9), 2, "not returned")], observer.Unfilled);
        Assert.Equal(0, gate.OpenGaps);
        Assert.Empty(gate.TakeDueGaps(TimeSpan.Zero, 10));

        // A trade of a reported gap that still turns up is produced (once), not lost.
        Assert.Equal(Admission.FillsGap, gate.Admit("BTC-USD", 3));
        Assert.Equal(Admission.Duplicate, gate.Admit("BTC-USD", 3));
    }

    [Fact]
    public void Too_large_gaps_are_reported_at_once_and_without_backfill_every_gap_is()
    {
        var gate = Gate(maxGapTrades: 100);
        gate.Admit("BTC-USD", 1);
        gate.Admit("BTC-USD", 1000);
        Assert.Equal(new TradeIdRange(2, 999), Assert.Single(observer.Unfilled).Range);
        Assert.Empty(gate.TakeDueGaps(TimeSpan.Zero, 10));

        var report = new TradeGate(new GapOptions(), GapMode.Report, 100, observer, time);
        report.Admit("ETH-USD", 1);
        report.Admit("ETH-USD", 3);
        Assert.Equal(("ETH-USD", new TradeIdRange(2, 2)), (observer.Unfilled[^1].Product, observer.Unfilled[^1].Range));

        var track = new TradeGate(new GapOptions(), GapMode.Track, 100, observer, time);
        track.Admit("SOL-USD", 1);
        track.Admit("SOL-USD", 1000);
        Assert.Equal(2, observer.Unfilled.Count); // replays only track
        Assert.Equal(Admission.FillsGap, track.Admit("SOL-USD", 500));
    }

    [Fact]
    public void Memory_is_bounded_the_oldest_gap_beyond_the_cap_is_reported_and_forgotten()
    {
        var gate = Gate(maxOpenGaps: 3);
        gate.Admit("BTC-USD", 0);
        for (var id = 2L; id <= 10; id += 2)
        {
            gate.Admit("BTC-USD", id); // gaps 1, 3, 5, 7, 9
        }

        Assert.Equal([new TradeIdRange(5, 5), new TradeIdRange(7, 7), new TradeIdRange(9, 9)], gate.GapsOf("BTC-USD"));
        Assert.Equal([new TradeIdRange(1, 1), new TradeIdRange(3, 3)], observer.Unfilled.Select(u => u.Range));
        Assert.Equal(Admission.Duplicate, gate.Admit("BTC-USD", 1)); // forgotten ids count as done
    }

    [Fact]
    public void Dedup_only_drops_repeats_opens_no_gaps_and_remembers_at_most_the_horizon()
    {
        var gate = new TradeGate(new GapOptions { DedupHorizon = 100 }, GapMode.DedupOnly, 10, observer, time);
        Assert.Equal(Admission.New, gate.Admit("bitstamp|BTC-USD", 1000));
        Assert.Equal(Admission.New, gate.Admit("bitstamp|BTC-USD", 5000)); // a jump is not a gap
        Assert.Equal(Admission.New, gate.Admit("bitstamp|BTC-USD", 2000)); // an older id not seen yet is new
        Assert.Equal(Admission.Duplicate, gate.Admit("bitstamp|BTC-USD", 5000));
        gate.Heartbeat("bitstamp|BTC-USD", 9000);
        Assert.Empty(observer.Detected);
        Assert.Empty(observer.Unfilled);
        Assert.Equal(0, gate.OpenGaps);

        for (var id = 10_000L; id < 20_000; id++)
        {
            Assert.Equal(Admission.New, gate.Admit("bitstamp|BTC-USD", id));
        }

        Assert.Equal(100, gate.RememberedIds("bitstamp|BTC-USD"));
        Assert.Equal(Admission.Duplicate, gate.Admit("bitstamp|BTC-USD", 19_950));
        Assert.Equal(Admission.Stale, gate.Admit("bitstamp|BTC-USD", 5000)); // forgotten, at or below the highest forgotten id
        Assert.Equal(19_999, gate.HighWaterMark("bitstamp|BTC-USD"));
    }

    [Fact]
    public void Text_ids_are_deduplicated_in_any_mode_and_restored_from_the_tail()
    {
        var gate = Gate(GapMode.Backfill);
        Assert.Equal(Admission.New, gate.Admit("bybit-linear|BTC-USDT", 7, "a"));
        Assert.Equal(Admission.New, gate.Admit("bybit-linear|BTC-USDT", 7, "b")); // one match, one seq, two trades
        Assert.Equal(Admission.Duplicate, gate.Admit("bybit-linear|BTC-USDT", 7, "a"));
        Assert.Equal(Admission.New, gate.Admit("bybit-linear|BTC-USDT", 900, "c")); // no gap from seq
        Assert.Empty(observer.Detected);

        var restarted = Gate(GapMode.Backfill);
        Assert.Equal(0, restarted.Restore("bybit-linear|BTC-USDT", [7, 7, 900], ["a", "b", "c"]));
        Assert.Equal(Admission.Duplicate, restarted.Admit("bybit-linear|BTC-USDT", 7, "b"));
        Assert.Equal(Admission.New, restarted.Admit("bybit-linear|BTC-USDT", 901, "d"));

        var dedupOnly = new TradeGate(new GapOptions(), GapMode.DedupOnly, 10, observer, time);
        Assert.Equal(0, dedupOnly.Restore("bitstamp|BTC-USD", [10, 30]));
        Assert.Equal(Admission.Duplicate, dedupOnly.Admit("bitstamp|BTC-USD", 30));
        Assert.Equal(Admission.New, dedupOnly.Admit("bitstamp|BTC-USD", 20));
        Assert.Empty(observer.Detected);
    }

    [Fact]
    public void Streams_of_two_venues_with_the_same_product_are_gated_apart()
    {
        var gate = Gate();
        Assert.Equal(Admission.New, gate.Admit("BTC-USD", 10));
        Assert.Equal(Admission.New, gate.Admit("kraken|BTC-USD", 10));
        Assert.Equal(Admission.New, gate.Admit("kraken|BTC-USD", 13));
        Assert.Equal([new TradeIdRange(11, 12)], gate.GapsOf("kraken|BTC-USD"));
        Assert.Empty(gate.GapsOf("BTC-USD"));
    }

    [Fact]
    public void Property_any_delivery_order_with_repeats_admits_each_id_exactly_once()
    {
        // Random interleavings of a contiguous id range, with overlap (snapshot/reconnect/backfill) and repeats.
        for (var seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            var gate = new TradeGate(new GapOptions(), GapMode.Track, long.MaxValue, observer, time);
            var ids = Enumerable.Range(1000, 300).Select(i => (long)i).ToList();
            var deliveries = ids.Concat(ids.Where(_ => random.Next(3) == 0)).OrderBy(_ => random.Next()).ToList();
            deliveries.Insert(0, 1000); // the baseline is the first id (as last_match / snapshot give it)
            var admitted = deliveries.Where(id => gate.Admit("X-Y", id) is Admission.New or Admission.FillsGap).ToList();
            Assert.Equal(ids, admitted.Order());
        }
    }

    private sealed class RecordingObserver : IGapObserver
    {
        public List<(string Product, TradeIdRange Range, string Cause)> Detected { get; } = [];

        public List<(string Product, TradeIdRange Range, int Attempts, string Reason)> Unfilled { get; } = [];

        public void GapDetected(string product, TradeIdRange range, string cause) => Detected.Add((product, range, cause));

        public void GapUnfilled(string product, TradeIdRange range, int attempts, string reason) => Unfilled.Add((product, range, attempts, reason));
    }
}
