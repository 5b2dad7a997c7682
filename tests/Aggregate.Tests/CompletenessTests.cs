using BitcoinVolume.Aggregate.State;
using BitcoinVolume.Aggregate.Windowing;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Aggregate.Tests;

/// <summary>Gap markers on <c>trades</c> make exactly the windows they touch incomplete, and complete again when filled.</summary>
public sealed class CompletenessTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 8, 9, 21, 4, 0, TimeSpan.Zero);
    private static readonly WindowingOptions Windowing = new() { Grace = TimeSpan.FromSeconds(5), Retention = TimeSpan.FromHours(1) };

    private readonly string path = Path.Combine(Path.GetTempPath(), "bv-completeness-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    private static Trade T(long id, double seconds, TakerSide side = TakerSide.Buy, string venue = Venues.Coinbase) =>
        new("BTC-USD", id, T0.AddSeconds(seconds), 100m, 0.5m, side) { Venue = venue };

    private static TradeGap Gap(GapState state, double fromSeconds, double toSeconds, string id = "ids:11-12", string venue = Venues.Coinbase) =>
        new(venue, "BTC-USD", id, state, T0.AddSeconds(fromSeconds), T0.AddSeconds(toSeconds), TradeGap.TradeIdGap, $"trade ids 11..12 missing ({state})")
        {
            FirstTradeId = 11,
            LastTradeId = 12,
        };

    private static Dictionary<string, WindowVolume> ByKey(IEnumerable<WindowVolume> windows) => windows.ToDictionary(w => w.Key, StringComparer.Ordinal);

    [Fact]
    public void An_open_gap_makes_the_windows_its_time_range_touches_incomplete_on_both_sides_and_no_other()
    {
        var aggregator = new VolumeAggregator(Windowing);
        aggregator.Apply(T(1, 5));             // 21:04, before the gap's range
        aggregator.Apply(T(10, 70));           // 21:05 buy: the last trade before the hole
        aggregator.Apply(T(9, 65, TakerSide.Sell));
        aggregator.Apply(T(13, 130));          // 21:06: the first trade after it
        aggregator.Apply(T(14, 200));          // 21:07, after it
        var before = ByKey(aggregator.TakeChanges().Windows);
        Assert.All(before.Values, w => Assert.True(w.Complete));

        Assert.Equal(3, aggregator.ApplyGap(Gap(GapState.Open, 70, 130)));
        var changed = ByKey(aggregator.TakeChanges().Windows);

        Assert.Equal(
            [WindowVolume.KeyOf("BTC-USD", TakerSide.Buy, T0.AddMinutes(1)), WindowVolume.KeyOf("BTC-USD", TakerSide.Buy, T0.AddMinutes(2)), WindowVolume.KeyOf("BTC-USD", TakerSide.Sell, T0.AddMinutes(1))],
            changed.Keys.Order(StringComparer.Ordinal));
        Assert.All(changed.Values, w =>
        {
            Assert.False(w.Complete);
            Assert.Equal("trade ids 11..12 missing (Open)", w.IncompleteReason);
            Assert.True(w.Version > before[w.Key].Version, "a completeness change with no new trade still raises the version");
            Assert.Equal(before[w.Key].Trades, w.Trades);
        });
    }

    [Fact]
    public void A_filled_gap_makes_them_complete_again_with_the_backfilled_trades_and_a_higher_version()
    {
        var aggregator = new VolumeAggregator(Windowing);
        aggregator.Apply(T(10, 70));
        aggregator.Apply(T(13, 130));
        aggregator.ApplyGap(Gap(GapState.Open, 70, 130));
        var open = ByKey(aggregator.TakeChanges().Windows);
        Assert.All(open.Values, w => Assert.False(w.Complete));

        aggregator.Apply(T(11, 80));
        aggregator.Apply(T(12, 125));
        aggregator.ApplyGap(Gap(GapState.Filled, 70, 130));
        var filled = ByKey(aggregator.TakeChanges().Windows);

        Assert.Equal(open.Keys.Order(StringComparer.Ordinal), filled.Keys.Order(StringComparer.Ordinal));
        Assert.All(filled.Values, w =>
        {
            Assert.True(w.Complete);
            Assert.Null(w.IncompleteReason);
            Assert.Equal(2, w.Trades);
            Assert.True(w.Version > open[w.Key].Version);
        });
        Assert.Equal(0, aggregator.OpenGaps);
    }

    [Fact]
    public void An_unfilled_gap_stays_incomplete_and_a_window_created_later_in_its_range_is_incomplete_from_the_start()
    {
        var aggregator = new VolumeAggregator(Windowing);
        aggregator.Apply(T(10, 70));
        aggregator.ApplyGap(Gap(GapState.Unfilled, 70, 190));
        aggregator.TakeChanges();

        aggregator.Apply(T(20, 150, TakerSide.Sell)); // 21:06 sell: a new window inside the range
        aggregator.Apply(T(21, 250));                 // 21:08: outside it
        var windows = ByKey(aggregator.TakeChanges().Windows);

        Assert.False(windows[WindowVolume.KeyOf("BTC-USD", TakerSide.Sell, T0.AddMinutes(2))].Complete);
        Assert.Equal("trade ids 11..12 missing (Unfilled)", windows[WindowVolume.KeyOf("BTC-USD", TakerSide.Sell, T0.AddMinutes(2))].IncompleteReason);
        Assert.True(windows[WindowVolume.KeyOf("BTC-USD", TakerSide.Buy, T0.AddMinutes(4))].Complete);
        Assert.Equal(1, aggregator.OpenGaps);
    }

    [Fact]
    public void A_window_touched_by_two_gaps_is_complete_only_when_both_are_filled_and_lists_both_reasons()
    {
        var aggregator = new VolumeAggregator(Windowing);
        aggregator.Apply(T(10, 70));
        aggregator.ApplyGap(Gap(GapState.Open, 60, 75, id: "a") with { Reason = "first" });
        aggregator.ApplyGap(Gap(GapState.Open, 100, 110, id: "b") with { Reason = "second" });
        Assert.Equal("first; second", Assert.Single(aggregator.TakeChanges().Windows).IncompleteReason);

        aggregator.ApplyGap(Gap(GapState.Filled, 60, 75, id: "a"));
        Assert.Equal("second", Assert.Single(aggregator.TakeChanges().Windows).IncompleteReason);
        aggregator.ApplyGap(Gap(GapState.Filled, 100, 110, id: "b"));
        Assert.True(Assert.Single(aggregator.TakeChanges().Windows).Complete);
    }

    [Fact]
    public void Another_venue_or_product_is_not_touched()
    {
        var aggregator = new VolumeAggregator(Windowing);
        aggregator.Apply(T(10, 70));
        aggregator.Apply(T(10, 70, venue: Venues.Kraken));
        aggregator.TakeChanges();

        Assert.Equal(0, aggregator.ApplyGap(Gap(GapState.Open, 0, 300, venue: Venues.Bitstamp)));
        Assert.Empty(aggregator.TakeChanges().Windows);
    }

    [Fact]
    public void Versions_are_deterministic_from_the_input_and_never_below_the_old_formula()
    {
        WindowVolume[] Run()
        {
            var aggregator = new VolumeAggregator(Windowing);
            aggregator.Apply(T(10, 70));
            aggregator.ApplyGap(Gap(GapState.Open, 70, 130));
            aggregator.Apply(T(11, 80));
            aggregator.ApplyGap(Gap(GapState.Filled, 70, 130));
            aggregator.AdvanceWatermark(T0.AddMinutes(10));
            return [.. aggregator.TakeChanges().Windows.OrderBy(w => w.Key, StringComparer.Ordinal)];
        }

        var first = Run();
        Assert.Equal(first, Run());
        var window = Assert.Single(first);
        Assert.True(window.Version > WindowVolume.VersionOf(window.Trades, window.Final), "marks only ever add to the old version");
        Assert.Equal(2, WindowVolume.MarksOf(window));
    }

    [Fact]
    public void Unresolved_gaps_and_window_completeness_survive_a_restart_from_the_state_store()
    {
        var original = new VolumeAggregator(Windowing);
        WindowVolume before;
        using (var store = new PartitionStateStore(path, syncWrites: true))
        {
            original.Apply(T(10, 70));
            original.ApplyGap(Gap(GapState.Open, 70, 190));
            var changes = original.TakeChanges();
            before = Assert.Single(changes.Windows);
            using var batch = PartitionStateStore.NewBatch();
            PartitionStateStore.Add(batch, 0, changes, 2);
            store.Commit(batch);
        }

        using var reopened = new PartitionStateStore(path, syncWrites: false);
        var restored = reopened.Load(0, Windowing)!.Aggregator;
        Assert.Equal(1, restored.OpenGaps);

        // The restored window keeps its reason and marks; a new window in the gap's range is incomplete (the gap came back).
        restored.Apply(T(12, 150));
        var windows = ByKey(restored.TakeChanges().Windows);
        Assert.False(windows[WindowVolume.KeyOf("BTC-USD", TakerSide.Buy, T0.AddMinutes(2))].Complete);

        restored.ApplyGap(Gap(GapState.Filled, 70, 190));
        var filled = ByKey(restored.TakeChanges().Windows);
        var minute = filled[before.Key];
        Assert.True(minute.Complete);
        Assert.Equal(WindowVolume.VersionOf(1, minute.Final, marks: 2), minute.Version);
        Assert.True(minute.Version > before.Version);
        Assert.Equal(0, restored.OpenGaps);
    }

    [Fact]
    public void An_old_window_value_without_completeness_fields_reads_as_complete()
    {
        var old = """{"product":"BTC-USD","side":"buy","windowStart":"2026-08-09T21:04:00+00:00","trades":2,"baseVolume":1,"quoteVolume":100,"open":50,"high":50,"low":50,"close":50,"firstTradeId":1,"lastTradeId":2,"version":4,"final":false}"""u8.ToArray();
        var value = ContractSerializers.WindowDeserializer.Deserialize(old, false, default);
        Assert.True(value.Complete);
        Assert.Null(value.IncompleteReason);
        Assert.Equal(0, WindowVolume.MarksOf(value));
    }
}
