using System.Collections.Frozen;
using System.Globalization;

namespace BitcoinVolume.Aggregate.Windowing;

/// <summary>
/// The size class boundaries per quote currency (setting <c>Aggregate:SizeClasses</c>, issue 17): ascending notional
/// boundaries b₁ &lt; … &lt; bₙ (in the quote currency) make the classes [0, b₁), [b₁, b₂), …, [bₙ, ∞). Pure.
/// <para>Defaults: 1,000 / 10,000 / 100,000 / 1,000,000 for the USD-like quotes (<see cref="UsdLikeQuotes"/>: USD, the
/// dollar stablecoins USDT, USDC, FDUSD, DAI, and EUR, GBP — within a factor of two of the dollar, so the same round
/// boundaries say the same thing); 0.01 / 0.1 / 1 / 10 for BTC-quoted products (≈ the dollar boundaries at a BTC price of
/// 100,000). Any other quote currency has no classes unless configured. A configured currency replaces its default; a
/// currency configured as the single boundary 0 (<c>Aggregate:SizeClasses:EUR = [0]</c>) has no classes (the configuration
/// binder drops an empty list, so it cannot say "none").</para>
/// </summary>
public sealed class SizeClassTable
{
    /// <summary>Most boundaries per currency (so at most 17 classes).</summary>
    public const int MaxBoundaries = 16;

    /// <summary>The quote currencies with the dollar defaults.</summary>
    public static readonly IReadOnlyList<string> UsdLikeQuotes = ["USD", "USDT", "USDC", "FDUSD", "DAI", "EUR", "GBP"];

    private static readonly decimal[] UsdBoundaries = [1_000m, 10_000m, 100_000m, 1_000_000m];
    private static readonly decimal[] BtcBoundaries = [0.01m, 0.1m, 1m, 10m];

    private readonly FrozenDictionary<string, decimal[]> boundaries;

    private SizeClassTable(Dictionary<string, decimal[]> boundaries) =>
        this.boundaries = boundaries.Where(kv => kv.Value.Length > 0).ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>The defaults alone.</summary>
    public static SizeClassTable Default { get; } = Create(null);

    /// <summary>No classes for any currency.</summary>
    public static SizeClassTable None { get; } = new([]);

    /// <summary>The default boundaries per quote currency (a copy).</summary>
    public static Dictionary<string, decimal[]> Defaults()
    {
        var defaults = new Dictionary<string, decimal[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var quote in UsdLikeQuotes)
        {
            defaults[quote] = [.. UsdBoundaries];
        }

        defaults["BTC"] = [.. BtcBoundaries];
        return defaults;
    }

    /// <summary>The defaults with <paramref name="configured"/> laid over them (a configured currency replaces its default; empty: none).</summary>
    public static SizeClassTable Create(IReadOnlyDictionary<string, decimal[]?>? configured)
    {
        var table = Defaults();
        foreach (var (quote, values) in configured ?? new Dictionary<string, decimal[]?>())
        {
            table[quote] = values is null or [0m] ? [] : values;
        }

        return new SizeClassTable(table);
    }

    /// <summary>What is wrong with a configured boundary list (null when it is fine): each &gt; 0, strictly rising, at most <see cref="MaxBoundaries"/>.</summary>
    public static string? ProblemOf(string quote, decimal[]? values)
    {
        if (values is null or [] or [0m])
        {
            return null;
        }

        if (values.Length > MaxBoundaries)
        {
            return $"Aggregate:SizeClasses:{quote} has {values.Length} boundaries; at most {MaxBoundaries}.";
        }

        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] <= 0 || (i > 0 && values[i] <= values[i - 1]))
            {
                return $"Aggregate:SizeClasses:{quote} must be notional boundaries > 0 in strictly rising order, not [{string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture)))}].";
            }
        }

        return null;
    }

    /// <summary>The boundaries of quote currency <paramref name="quote"/>, or null when it has no classes. Do not modify.</summary>
    public decimal[]? BoundariesOf(string quote) => boundaries.GetValueOrDefault(quote);

    /// <summary>
    /// The class of a notional: the number of boundaries ≤ it (0 … n), i.e. the index of [bᵢ, bᵢ₊₁) with b₀ = 0, bₙ₊₁ = ∞.
    /// </summary>
    public static int ClassOf(decimal[] boundaries, decimal notional)
    {
        ArgumentNullException.ThrowIfNull(boundaries);
        var i = 0;
        while (i < boundaries.Length && notional >= boundaries[i])
        {
            i++;
        }

        return i;
    }
}
