using System.ComponentModel.DataAnnotations;

namespace BitcoinVolume.Aggregate.Windowing;

/// <summary>
/// Settings of section <c>Aggregate:Footprint</c>: volume at price per base window (<see cref="FootprintAggregator"/>),
/// emitted to <c>footprint.1m</c>.
/// </summary>
public sealed class FootprintOptions : IValidatableObject
{
    /// <summary>Compute and emit the footprint (default true). Off: nothing is kept or emitted; the bars are unchanged.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The price step per product (<c>Aggregate:Footprint:Ticks:BTC-USD = 10</c>); a setting replaces the default of its
    /// product. Defaults: BTC-USD, BTC-USDT, BTC-USDC, BTC-EUR 10. Any other product: 1 for <c>ETH-*</c>, otherwise the power of
    /// ten three orders below the price of the stream's first counted trade (<see cref="FootprintAggregator.MagnitudeTick"/>).
    /// A stream's tick is fixed at its first counted trade and kept in the state, so a restart or a rebuild gives the same
    /// levels; changing the setting changes only streams the state has not seen yet.
    /// </summary>
    public Dictionary<string, decimal> Ticks { get; set; } = new(StringComparer.Ordinal)
    {
        ["BTC-USD"] = 10m,
        ["BTC-USDT"] = 10m,
        ["BTC-USDC"] = 10m,
        ["BTC-EUR"] = 10m,
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (product, tick) in Ticks)
        {
            if (tick <= 0)
            {
                yield return new ValidationResult(
                    $"Aggregate:Footprint:Ticks:{product} is {tick}: a tick must be a positive price step (e.g. 10 for BTC-USD, 1 for ETH-USD).",
                    [nameof(Ticks)]);
            }
        }
    }

    /// <summary>The configured or default tick of <paramref name="product"/>, or null when the magnitude rule decides.</summary>
    public decimal? ConfiguredTick(string product) =>
        Ticks.TryGetValue(product, out var tick) ? tick
        : product.StartsWith("ETH-", StringComparison.Ordinal) ? 1m
        : null;
}
