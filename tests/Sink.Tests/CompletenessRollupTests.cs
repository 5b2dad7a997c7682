using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Model;
using static BitcoinVolume.Sink.Tests.TestData;

namespace BitcoinVolume.Sink.Tests;

/// <summary>A rollup (any interval, several venues, the asset view) is complete only if all its parts are; the reason is theirs.</summary>
public sealed class CompletenessRollupTests
{
    private static readonly DateTimeOffset Bar = T0.AddMinutes(1); // 21:05, a start of a 5-minute bar

    private const string Gap = "trade ids 11..12 (2 trades) missing: backfill pending";

    [Fact]
    public void A_five_minute_bar_with_one_incomplete_minute_is_incomplete_with_that_reason_and_the_next_bar_is_complete()
    {
        WindowVolume[] rows =
        [
            Window(start: Bar, firstTradeId: 1, lastTradeId: 1),
            Window(start: Bar.AddMinutes(2), firstTradeId: 2, lastTradeId: 2) with { IncompleteReason = Gap },
            Window(start: Bar.AddMinutes(6), firstTradeId: 3, lastTradeId: 3),
        ];

        var bars = VolumeRollup.Roll(rows, VolumeInterval.FromMinutes(5));

        Assert.Equal([(false, Gap), (true, null)], bars.Select(b => (b.Complete, b.IncompleteReason)));
    }

    [Fact]
    public void Distinct_reasons_of_the_parts_are_listed_once()
    {
        WindowVolume[] rows =
        [
            Window(start: Bar) with { IncompleteReason = Gap },
            Window(start: Bar.AddMinutes(1)) with { IncompleteReason = Gap },
            Window(start: Bar.AddMinutes(2)) with { IncompleteReason = "disconnected" },
        ];

        Assert.Equal(Gap + "; disconnected", Assert.Single(VolumeRollup.Roll(rows, VolumeInterval.FromMinutes(5))).IncompleteReason);
    }

    [Fact]
    public void A_sum_over_venues_and_the_asset_view_are_incomplete_when_one_venue_is_and_name_it()
    {
        var coinbase = VolumeRollup.Roll([Window()], VolumeInterval.OneMinute);
        var kraken = VolumeRollup.Roll([Window(venue: Venues.Kraken) with { IncompleteReason = Gap }], VolumeInterval.OneMinute);

        var sum = Assert.Single(VenueRollup.Sum([coinbase, kraken]));
        Assert.False(sum.Complete);
        Assert.Equal($"kraken: {Gap}", sum.IncompleteReason);

        var asset = Assert.Single(VenueRollup.Asset("BTC", [coinbase, kraken]));
        Assert.False(asset.Complete);
        Assert.Equal($"kraken: {Gap}", asset.IncompleteReason);

        Assert.True(Assert.Single(VenueRollup.Sum([coinbase, coinbase])).Complete);
    }
}
