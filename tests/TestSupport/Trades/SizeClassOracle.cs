using BitcoinVolume.Contracts;

namespace BitcoinVolume.TestSupport;

/// <summary>
/// The size classes (issue 17) straight from the definition, independent of the product's code: a trade of notional
/// price × size is in [min, max) of the class list built from the boundaries; per class its count and Σ size. The default
/// boundaries are restated here from docs/CONFIGURATION.md (1k / 10k / 100k / 1M for USD, USDT, USDC, FDUSD, DAI, EUR,
/// GBP; 0.01 / 0.1 / 1 / 10 for BTC; none else), not read from the aggregator.
/// </summary>
public static class SizeClassOracle
{
    /// <summary>The documented default boundaries of a quote currency, or null (no classes).</summary>
    public static decimal[]? DefaultBoundariesOf(string quote) => quote switch
    {
        "USD" or "USDT" or "USDC" or "FDUSD" or "DAI" or "EUR" or "GBP" => [1000m, 10000m, 100000m, 1000000m],
        "BTC" => [0.01m, 0.1m, 1m, 10m],
        _ => null,
    };

    /// <summary>The quote currency of a product id (after the dash; none without one).</summary>
    public static string QuoteOf(string product) => product.Contains('-', StringComparison.Ordinal) ? product[(product.IndexOf('-', StringComparison.Ordinal) + 1)..] : string.Empty;

    /// <summary>The classes of <paramref name="trades"/> (one window side) for <paramref name="boundaries"/>; null without boundaries.</summary>
    public static SizeClassVolume[]? Classes(IEnumerable<Trade> trades, decimal[]? boundaries)
    {
        if (boundaries is null)
        {
            return null;
        }

        var mins = new[] { 0m }.Concat(boundaries).ToArray();
        return [.. mins.Select((min, i) =>
        {
            decimal? max = i + 1 < mins.Length ? mins[i + 1] : null;
            var inClass = trades.Where(t => t.Price * t.Size >= min && (max is null || t.Price * t.Size < max)).ToList();
            return new SizeClassVolume(min, max, inClass.Count, inClass.Sum(t => t.Size));
        })];
    }
}
