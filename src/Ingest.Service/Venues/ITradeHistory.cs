using BitcoinVolume.Contracts;

namespace BitcoinVolume.Ingest.Venues;

/// <summary>How much of a venue's trade history its REST API can give back (what a gap can be repaired from).</summary>
public enum HistoryCoverage
{
    /// <summary>Any range of trade ids can be paged (contiguous ids and an id cursor, e.g. Coinbase <c>after</c>): gaps are backfilled.</summary>
    Full,

    /// <summary>
    /// Only the latest trades are served (no cursor into the past): the backfiller takes what the venue still has and a
    /// gap it cannot close is reported unfilled like any other.
    /// </summary>
    Recent,

    /// <summary>No REST trade history: every gap is reported unfilled at once (the backfiller does not run).</summary>
    None,
}

/// <summary>One page of a venue's REST trade history.</summary>
/// <param name="Trades">The page's valid trades (taker side), in any order.</param>
/// <param name="Next">The venue's cursor to the next, older page, if it gave one: the next request asks for ids below it.</param>
/// <param name="Invalid">The first bad element of the page, if any (its good trades are still in <paramref name="Trades"/>).</param>
public sealed record TradesPage(IReadOnlyList<Trade> Trades, long? Next, string? Invalid);

/// <summary>
/// A venue's REST trade history, as the <see cref="Backfill.Backfiller"/> uses it to fill a gap: pages of trades going
/// down from the gap's newest id. A venue without one says so with <see cref="IVenue.History"/> =
/// <see cref="HistoryCoverage.None"/> and never has this created.
/// </summary>
public interface ITradeHistory
{
    /// <summary>The largest page the venue serves (the configured page size is clamped to it).</summary>
    int MaxPageSize { get; }

    /// <summary>
    /// The newest trades of <paramref name="product"/> (canonical <c>BASE-QUOTE</c>) with ids below
    /// <paramref name="before"/>, at most <paramref name="limit"/> of them. Throws on a failed request (it is counted
    /// and the gap is fetched again later).
    /// </summary>
    Task<TradesPage> GetTradesAsync(string product, long before, int limit, CancellationToken cancellationToken);
}
