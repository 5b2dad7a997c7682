namespace BitcoinVolume.Contracts;

/// <summary>
/// One size class of a <see cref="WindowVolume"/> (issue 17, "whales vs retail"): the trades of the window's side whose
/// notional (price × size, in the product's quote currency) is in [<paramref name="Min"/>, <paramref name="Max"/>), and
/// their base volume. The classes of a value cover [0, ∞) without overlap, in ascending order (the first has min 0, the
/// last has no max), so their trades and base volumes add up to the window's exactly. The boundaries travel with the
/// value: a window keeps the boundaries it was created with, whatever the settings are later.
/// </summary>
/// <param name="Min">Inclusive lower bound of the notional (quote currency); 0 for the first class.</param>
/// <param name="Max">Exclusive upper bound of the notional, or null for the open top class.</param>
/// <param name="Trades">Trades of the class.</param>
/// <param name="BaseVolume">Σ size of those trades.</param>
public sealed record SizeClassVolume(decimal Min, decimal? Max, long Trades, decimal BaseVolume)
{
    /// <summary>
    /// Whether <paramref name="classes"/> is a well-formed class list for a window of <paramref name="trades"/> trades and
    /// <paramref name="baseVolume"/> base volume: at least one class, the first from 0, each max the next min (strictly
    /// rising), the last open, no negative count or volume, and the sums equal to the window's. Null is well-formed ("no
    /// classes"). <paramref name="problem"/> says what is wrong.
    /// </summary>
    public static bool IsValid(IReadOnlyList<SizeClassVolume>? classes, long trades, decimal baseVolume, out string problem)
    {
        problem = string.Empty;
        if (classes is null)
        {
            return true;
        }

        if (classes.Count == 0)
        {
            problem = "sizeClasses is empty (null means no classes)";
            return false;
        }

        long tradeSum = 0;
        decimal baseSum = 0;
        for (var i = 0; i < classes.Count; i++)
        {
            var c = classes[i];
            if (c is null || c.Trades < 0 || c.BaseVolume < 0)
            {
                problem = $"sizeClasses[{i}] is null or has a negative count or volume";
                return false;
            }

            var expectedMin = i == 0 ? 0m : classes[i - 1].Max;
            if (c.Min != expectedMin || (c.Max is { } max ? max <= c.Min || i == classes.Count - 1 : i != classes.Count - 1))
            {
                problem = $"sizeClasses[{i}] [{c.Min}, {c.Max?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "∞"}) does not continue the classes before it (first from 0, rising, last open)";
                return false;
            }

            tradeSum += c.Trades;
            baseSum += c.BaseVolume;
        }

        if (tradeSum != trades || baseSum != baseVolume)
        {
            problem = $"sizeClasses add up to {tradeSum} trades and {baseSum} base, the window has {trades} and {baseVolume}";
            return false;
        }

        return true;
    }

    /// <summary>The boundaries of a class list: every class's min but the first (0), ascending.</summary>
    public static decimal[] BoundariesOf(IReadOnlyList<SizeClassVolume> classes)
    {
        ArgumentNullException.ThrowIfNull(classes);
        var boundaries = new decimal[Math.Max(0, classes.Count - 1)];
        for (var i = 1; i < classes.Count; i++)
        {
            boundaries[i - 1] = classes[i].Min;
        }

        return boundaries;
    }
}
