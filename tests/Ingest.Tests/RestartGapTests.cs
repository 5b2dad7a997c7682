using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Gaps;
using BitcoinVolume.Ingest.Recovery;
using BitcoinVolume.Ingest.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

using VenueIds = BitcoinVolume.Contracts.Venues;

namespace BitcoinVolume.Ingest.Tests;

/// <summary>
/// The gate's restart recovery and the markers it gives (issue 15 remainder): a stream seeded from a stored mark
/// (<see cref="TradeGate.RestoreMark"/>) or from the tail of `trades` (<see cref="TradeGate.Restore"/>, with trade times and
/// the previous run's unresolved markers), its durable marks (<see cref="TradeGate.DurableMarks"/>), and a filled marker that
/// waits for the acknowledgement of the trades that filled its gap (<see cref="GapFillAcks"/>). Markers are read from what
/// a real <see cref="GapReporter"/> produces.
/// </summary>
public sealed class RestartGapTests
{
    private const string Stream = "BTC-USD"; // Coinbase's stream key is the bare product
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 10, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly ListOutput output = new();
    private readonly GapFillAcks fills = new();
    private GapReporter reporter = null!;

    private TradeGate Gate(GapMode mode = GapMode.Backfill, DeliveredMarks? tracker = null, bool heldFills = false)
    {
        reporter = new GapReporter(TestServices.Metrics(), new IngestStatus(), NullLogger<GapReporter>.Instance, time, heldFills ? fills : null);
        return new TradeGate(new GapOptions(), mode, 100_000, reporter, time) { Tracker = tracker, Fills = heldFills ? fills : null };
    }

    private async Task<List<TradeGap>> MarkersAsync()
    {
        await reporter.FlushAsync(output, CancellationToken.None);
        return [.. output.Gaps];
    }

    [Fact]
    public async Task A_stream_restored_from_its_stored_mark_marks_the_downtime_from_the_marks_trade_time_to_the_first_live_trade_and_fills_it()
    {
        var gate = Gate();
        Assert.True(gate.RestoreMark(Stream, 100, T0));
        Assert.False(gate.RestoreMark(Stream, 200, T0)); // already tracked
        Assert.Equal(Admission.Duplicate, gate.Admit(Stream, 100, time: T0));
        Assert.Equal(Admission.Stale, gate.Admit(Stream, 99, time: T0));
        Assert.Empty(await MarkersAsync());

        // Ingest was down: the first live trade after the restart is 105, 90 s later.
        Assert.Equal(Admission.New, gate.Admit(Stream, 105, time: T0.AddSeconds(90)));
        var open = Assert.Single(await MarkersAsync());
        Assert.Equal(new TradeGap(VenueIds.Coinbase, "BTC-USD", "ids:101-104", GapState.Open, T0, T0.AddSeconds(90), TradeGap.Restart, open.Reason)
        {
            FirstTradeId = 101,
            LastTradeId = 104,
        }, open);
        Assert.Equal("trade ids 101..104 (4 trades) missing (ingest restart: not received while it was down): backfill pending", open.Reason);

        foreach (var id in new long[] { 103, 101, 104, 102 })
        {
            Assert.Equal(Admission.FillsGap, gate.Admit(Stream, id, time: T0.AddSeconds(30)));
        }

        var markers = await MarkersAsync();
        Assert.Equal(2, markers.Count);
        Assert.Equal(open with { State = GapState.Filled, Reason = "trade ids 101..104 (4 trades) (ingest restart: not received while it was down) backfilled" }, markers[1]);
        Assert.Equal(0, gate.OpenGaps);
    }

    [Fact]
    public async Task Without_backfill_the_restart_gap_is_unfilled_at_once_and_a_venue_without_contiguous_ids_is_not_seeded()
    {
        var gate = Gate(GapMode.Report);
        Assert.True(gate.RestoreMark(Stream, 100, T0));
        gate.Admit(Stream, 111, time: T0.AddMinutes(3));
        var marker = Assert.Single(await MarkersAsync());
        Assert.Equal((GapState.Unfilled, TradeGap.Restart, T0, T0.AddMinutes(3), 101L, 110L), (marker.State, marker.Cause, marker.From, marker.To, marker.FirstTradeId!.Value, marker.LastTradeId!.Value));
        Assert.Contains("ingest restart", marker.Reason, StringComparison.Ordinal);

        // Dedup only (Bitstamp, Bybit): a mark proves nothing about the ids below it; the worker marks that downtime itself.
        var dedupOnly = Gate(GapMode.DedupOnly);
        Assert.False(dedupOnly.RestoreMark("bitstamp|BTC-USD", 100, T0));
        Assert.Equal(Admission.New, dedupOnly.Admit("bitstamp|BTC-USD", 500, time: T0));
        Assert.Single(await MarkersAsync()); // still only the one above
    }

    [Fact]
    public void Durable_marks_stay_below_what_Kafka_has_not_acknowledged_and_below_the_lowest_open_gap()
    {
        Assert.Empty(Gate().DurableMarks()); // no tracker: nothing is kept

        var tracker = new DeliveredMarks();
        var gate = Gate(tracker: tracker);
        gate.Admit(Stream, 10, time: T0);
        gate.Admit(Stream, 11, time: T0.AddSeconds(1));
        gate.Admit(Stream, 12, time: T0.AddSeconds(2));
        Assert.Empty(gate.DurableMarks()); // nothing acknowledged yet

        tracker.Delivered(Stream, 10, T0, ok: true);
        tracker.Delivered(Stream, 12, T0.AddSeconds(2), ok: true);
        Assert.Equal(10, Assert.Single(gate.DurableMarks()).TradeId); // 11, still in the producer's buffer, holds it

        tracker.Delivered(Stream, 11, T0.AddSeconds(1), ok: false); // failed for good: no longer holds it
        Assert.Equal(12, Assert.Single(gate.DurableMarks()).TradeId);

        gate.Admit(Stream, 16, time: T0.AddSeconds(6)); // gap 13..15
        tracker.Delivered(Stream, 16, T0.AddSeconds(6), ok: true);
        Assert.Equal(12, Assert.Single(gate.DurableMarks()).TradeId);
        foreach (var id in new long[] { 13, 14, 15 })
        {
            gate.Admit(Stream, id, time: T0.AddSeconds(4));
            tracker.Delivered(Stream, id, T0.AddSeconds(4), ok: true);
        }

        Assert.Equal(new DurableMark(Stream, 16, T0.AddSeconds(6), Contiguous: true) { Floor = 10 }, Assert.Single(gate.DurableMarks()));

        // A stream restored from its stored mark keeps that mark (and its time) until something newer is acknowledged.
        Assert.True(gate.RestoreMark("ETH-USD", 500, T0.AddMinutes(-5)));
        Assert.Contains(new DurableMark("ETH-USD", 500, T0.AddMinutes(-5), Contiguous: true) { Floor = 500 }, gate.DurableMarks());

        // Ids that are not contiguous: the highest acknowledged id, which only dates the downtime.
        var dedupOnly = Gate(GapMode.DedupOnly, tracker);
        dedupOnly.Admit("bitstamp|BTC-USD", 900, time: T0);
        dedupOnly.Admit("bitstamp|BTC-USD", 700, time: T0.AddSeconds(1));
        tracker.Delivered("bitstamp|BTC-USD", 900, T0, ok: true);
        tracker.Delivered("bitstamp|BTC-USD", 700, T0.AddSeconds(1), ok: true);
        Assert.Equal([new DurableMark("bitstamp|BTC-USD", 900, T0, Contiguous: false) { Floor = 900 }], dedupOnly.DurableMarks());
    }

    [Fact]
    public async Task A_gap_reopened_from_the_tail_is_marked_with_the_times_of_the_trades_around_it_and_the_restart_gap_starts_at_the_tails_last_trade()
    {
        var gate = Gate();
        long[] ids = [100, 101, 102, 115, 120, 121, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 122];
        var times = ids.Select(id => T0.AddSeconds(id - 100)).ToList();
        Assert.Equal(1, gate.Restore(Stream, ids, textIds: null, times));

        var reopened = Assert.Single(await MarkersAsync());
        Assert.Equal(("ids:116-119", GapState.Open, TradeGap.TradeIdGap, T0.AddSeconds(15), T0.AddSeconds(20)), (reopened.Id, reopened.State, reopened.Cause, reopened.From, reopened.To));
        Assert.Contains("ingest restart: a gap still open when it stopped", reopened.Reason, StringComparison.Ordinal);

        gate.Admit(Stream, 130, time: T0.AddMinutes(5));
        var downtime = (await MarkersAsync())[^1];
        Assert.Equal(("ids:123-129", TradeGap.Restart, T0.AddSeconds(22), T0.AddMinutes(5)), (downtime.Id, downtime.Cause, downtime.From, downtime.To));
    }

    [Fact]
    public async Task The_previous_runs_unresolved_gaps_are_resolved_under_their_own_ids()
    {
        var gate = Gate();

        // The previous run marked ids:111-120 open, backfilled 111..114 and stopped; it also marked ids:103-104 open and
        // had filled it (the filled marker was lost with the process); ids:50-60 is older than the tail.
        static TradeGap Open(long first, long last) => new(VenueIds.Coinbase, "BTC-USD", $"ids:{first}-{last}", GapState.Open, T0.AddSeconds(first - 101), T0.AddSeconds(last - 99), TradeGap.TradeIdGap, "…")
        {
            FirstTradeId = first,
            LastTradeId = last,
        };
        long[] ids = [100, 101, 102, 105, 106, 107, 108, 109, 110, 121, 103, 104, 111, 112, 113, 114, 122];
        Assert.Equal(1, gate.Restore(Stream, ids, unresolved: [Open(111, 120), Open(103, 104), Open(50, 60)]));

        var markers = await MarkersAsync();
        Assert.Equal(2, markers.Count);
        Assert.Equal(("ids:111-120", GapState.Open, T0.AddSeconds(10), T0.AddSeconds(21), 111L, 120L), (markers[0].Id, markers[0].State, markers[0].From, markers[0].To, markers[0].FirstTradeId!.Value, markers[0].LastTradeId!.Value));
        Assert.Equal(("ids:103-104", GapState.Filled), (markers[1].Id, markers[1].State));
        Assert.Equal([new TradeIdRange(115, 120)], gate.GapsOf(Stream));

        foreach (var id in new long[] { 115, 116, 117, 118, 119, 120 })
        {
            Assert.Equal(Admission.FillsGap, gate.Admit(Stream, id, time: T0.AddSeconds(id - 100)));
        }

        var filled = (await MarkersAsync())[^1];
        Assert.Equal(("ids:111-120", GapState.Filled), (filled.Id, filled.State));
    }

    [Fact]
    public async Task A_filled_marker_waits_until_Kafka_acknowledged_every_trade_that_filled_its_gap()
    {
        var gate = Gate(heldFills: true);
        gate.Admit(Stream, 10, time: T0);
        gate.Admit(Stream, 15, time: T0.AddSeconds(5)); // gap 11..14
        foreach (var id in new long[] { 11, 12, 13, 14 })
        {
            Assert.False(fills.IsPending(Stream, id));
            gate.Admit(Stream, id, time: T0.AddSeconds(id - 10));
            Assert.True(fills.IsPending(Stream, id));
        }

        Assert.Equal([GapState.Open], (await MarkersAsync()).Select(m => m.State));
        Assert.Equal(1, reporter.HeldMarkers);

        fills.Delivered(Stream, 11, ok: true);
        fills.Delivered(Stream, 13, ok: true);
        fills.Delivered(Stream, 14, ok: true);
        Assert.Equal([GapState.Open], (await MarkersAsync()).Select(m => m.State)); // 12 is still in the producer's buffer

        fills.Delivered(Stream, 12, ok: true);
        Assert.Equal([GapState.Open, GapState.Filled], (await MarkersAsync()).Select(m => m.State));
        Assert.Equal((0, 0), (reporter.HeldMarkers, fills.Pending));

        // A filling trade Kafka rejected for good: the gap is not filled after all.
        gate.Admit(Stream, 18, time: T0.AddSeconds(8)); // gap 16..17
        gate.Admit(Stream, 16, time: T0.AddSeconds(6));
        gate.Admit(Stream, 17, time: T0.AddSeconds(7));
        fills.Delivered(Stream, 16, ok: true);
        fills.Delivered(Stream, 17, ok: false);
        var last = (await MarkersAsync())[^1];
        Assert.Equal(("ids:16-17", GapState.Unfilled), (last.Id, last.State));
        Assert.Equal("trade ids 16..17 (2 trades) missing: 1 of the trades that filled the gap were rejected by Kafka", last.Reason);
    }
}
