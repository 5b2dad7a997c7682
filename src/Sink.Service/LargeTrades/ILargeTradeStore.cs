using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Infrastructure;

namespace BitcoinVolume.Sink.LargeTrades;

/// <summary>
/// Durable large single trades (table <c>large_trades</c>, primary key venue, product, trade id) in the volume database.
/// Writes are idempotent: a trade already stored (a replay of <c>trades.large</c>) is left as it is.
/// </summary>
public interface ILargeTradeStore
{
    /// <summary>Stores <paramref name="trades"/> in one transaction; returns how many were new.</summary>
    Task<int> UpsertAsync(IReadOnlyList<LargeTrade> trades, CancellationToken cancellationToken);

    /// <summary>
    /// The stored trades of <paramref name="streams"/> with time in [from, to), notional ≥ <paramref name="minNotional"/>
    /// (when given) and of <paramref name="side"/> (when given), newest first (ties: venue, product, trade id, ordinal), at most
    /// <paramref name="limit"/>.
    /// </summary>
    Task<IReadOnlyList<LargeTrade>> GetAsync(
        IReadOnlyList<StoredStream> streams, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, decimal? minNotional, TakerSide? side, int limit,
        CancellationToken cancellationToken);
}
