using BitcoinVolume.Ingest.Gaps;
using BitcoinVolume.Ingest.Venues;

namespace BitcoinVolume.Ingest.Pipeline;

/// <summary>How the <see cref="TradeGate"/> treats gaps, from the source and what its venue declares.</summary>
public static class GapPolicy
{
    /// <summary>
    /// A venue whose trade ids are not contiguous (Bitstamp, Bybit: a jump there is not a gap) is only deduplicated
    /// (<see cref="GapMode.DedupOnly"/>, bounded by <c>Ingest:Gaps:DedupHorizon</c>), live or replayed. Otherwise replay and
    /// synthetic sources only track their gaps (a recording's gaps are history); a live source backfills them when
    /// backfill is on and the venue has REST history, else reports each one unfilled at once.
    /// </summary>
    public static GapMode For(bool live, IVenue venue, bool backfillEnabled)
    {
        ArgumentNullException.ThrowIfNull(venue);
        if (!venue.ContiguousTradeIds)
        {
            return GapMode.DedupOnly;
        }

        return !live ? GapMode.Track : backfillEnabled && venue.History != HistoryCoverage.None ? GapMode.Backfill : GapMode.Report;
    }
}
