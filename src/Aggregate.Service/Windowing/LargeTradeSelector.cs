using BitcoinVolume.Contracts;

namespace BitcoinVolume.Aggregate.Windowing;

/// <summary>
/// Picks the large single trades, pure (no I/O, no clock): a trade is large when the aggregator COUNTED it (outcome
/// <see cref="ApplyOutcome.Counted"/> or <see cref="ApplyOutcome.Correction"/>: never a duplicate, never a too-late trade) and
/// its notional, price × size in the product's quote currency (exact decimal), is at least the threshold of that quote
/// currency (<see cref="LargeTradeOptions.MinNotional"/>). A quote currency without a threshold has no large trades.
/// </summary>
public sealed class LargeTradeSelector
{
    private readonly Dictionary<string, decimal> thresholds;

    public LargeTradeSelector(LargeTradeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        thresholds = new Dictionary<string, decimal>(options.MinNotional, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The large-trade event of <paramref name="trade"/>, or null when it is not one (or was not counted).</summary>
    public LargeTrade? Select(Trade trade, ApplyOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(trade);
        if (outcome is not (ApplyOutcome.Counted or ApplyOutcome.Correction) || thresholds.Count == 0
            || !thresholds.TryGetValue(Products.QuoteOf(trade.Product), out var min))
        {
            return null;
        }

        var notional = trade.Price * trade.Size;
        return notional >= min ? LargeTrade.Of(trade, notional) : null;
    }
}
