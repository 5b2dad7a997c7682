using System.ComponentModel.DataAnnotations;
using BitcoinVolume.Contracts;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Sink.LargeTrades;

/// <summary>Settings of the large single trades (section <c>Sink:LargeTrades</c>, see docs/CONFIGURATION.md).</summary>
public sealed class LargeTradeSinkOptions : IValidatableObject
{
    public const string Section = "Sink:LargeTrades";

    /// <summary>
    /// The thresholds the aggregator keeps large trades at (<c>Sink:LargeTrades:MinNotional:&lt;QUOTE&gt;</c>, which must
    /// equal <c>Aggregate:LargeTrades:MinNotional:&lt;QUOTE&gt;</c>; the AppHost passes the aggregator's to the sink).
    /// <c>GET /api/trades/large</c> says them in its <c>X-Min-Notional</c> header, and a <c>trade</c> alert rule below its
    /// quote's threshold (or on a quote without one) is refused. Defaults: USD, USDT, USDC 100 000.
    /// </summary>
    public Dictionary<string, decimal> MinNotional { get; set; } = new(LargeTrade.DefaultMinNotional, StringComparer.OrdinalIgnoreCase);

    /// <summary>Consumer group of the <c>trades.large</c> consumer: <c>Sink:GroupId</c> + this suffix (default <c>sink-large-trades</c>).</summary>
    public const string GroupSuffix = "-large-trades";

    /// <summary>The stored threshold of <paramref name="quote"/>, or null when no large trades of it are kept.</summary>
    public decimal? ThresholdOf(string quote) => MinNotional.TryGetValue(quote, out var min) ? min : null;

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (quote, min) in MinNotional)
        {
            if (min <= 0)
            {
                yield return new($"Sink:LargeTrades:MinNotional:{quote} must be > 0, not {min} (leave a quote currency out when none of its trades are kept).", [nameof(MinNotional)]);
            }
        }
    }
}

[OptionsValidator]
internal sealed partial class LargeTradeSinkOptionsValidator : IValidateOptions<LargeTradeSinkOptions>;
