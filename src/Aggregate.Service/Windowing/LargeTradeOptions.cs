using System.ComponentModel.DataAnnotations;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Aggregate.Windowing;

/// <summary>Which single trades are kept as events on <c>trades.large</c> (section <c>Aggregate:LargeTrades</c>).</summary>
public sealed class LargeTradeOptions : IValidatableObject
{
    /// <summary>
    /// Per quote currency (<c>Aggregate:LargeTrades:MinNotional:&lt;QUOTE&gt;</c>, e.g. <c>…:MinNotional:EUR=90000</c>): a
    /// counted trade whose notional (price × size, in the quote currency) is at least this is a large trade. Defaults
    /// <c>USD</c>, <c>USDT</c>, <c>USDC</c> 100 000; a setting replaces the default of its quote and adds others. A quote
    /// currency without a value keeps no large trades. Every value must be &gt; 0.
    /// </summary>
    public Dictionary<string, decimal> MinNotional { get; set; } = new(LargeTrade.DefaultMinNotional, StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (quote, min) in MinNotional)
        {
            if (min <= 0)
            {
                yield return new($"Aggregate:LargeTrades:MinNotional:{quote} must be > 0, not {min} (leave a quote currency out to keep none of its trades).", [nameof(MinNotional)]);
            }

            if (quote.Length == 0 || !quote.All(char.IsAsciiLetterOrDigit))
            {
                yield return new($"Aggregate:LargeTrades:MinNotional:{quote}: '{quote}' is not a quote currency code (letters and digits, e.g. USD).", [nameof(MinNotional)]);
            }
        }
    }
}
