using BitcoinVolume.Ingest.Gaps;
using BitcoinVolume.Ingest.Venues;

namespace BitcoinVolume.Ingest.Pipeline;

/// <summary>How the <see cref="TradeGate"/> treats gaps, from the source and what its venue declares.</summary>
public static class GapPolicy
{
    /// <summary>
    /// Replay and synthetic sources only track their gaps (a recording's gaps are history); a live source backfills
    /// them when backfill is on and the venue has REST history, else reports each one unfilled at once. A venue whose
    /// trade ids are not contiguous cannot go through the gate (a jump there is not a gap): refused with a clear error.
    /// </summary>
    public static GapMode For(bool live, IVenue venue, bool backfillEnabled)
    {
        ArgumentNullException.ThrowIfNull(venue);
        if (!venue.ContiguousTradeIds)
        {
            throw new NotSupportedException(
                $"Venue '{venue.Id}' has trade ids that are not contiguous; ingest's gap detection needs contiguous ids (docs/INGEST.md, \"Adding a venue\").");
        }

        return !live ? GapMode.Track : backfillEnabled && venue.History != HistoryCoverage.None ? GapMode.Backfill : GapMode.Report;
    }
}
