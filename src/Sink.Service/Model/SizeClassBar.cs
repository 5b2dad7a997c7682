using BitcoinVolume.Contracts;

namespace BitcoinVolume.Sink.Model;

/// <summary>
/// One size class of a bar (issue 17, "whales vs retail"): the bar's taker buy and sell trades whose notional (price × size,
/// in the quote currency of the bar's product) is in [<paramref name="Min"/>, <paramref name="Max"/>), and their base volume.
/// A bar's classes describe the whole bar (both sides) and repeat on its buy and sell rows, like net and imbalance.
/// </summary>
/// <param name="Min">Inclusive lower bound of the notional; 0 for the first class.</param>
/// <param name="Max">Exclusive upper bound, null for the open top class.</param>
/// <param name="BuyTrades">Taker buy trades of the class.</param>
/// <param name="BuyBase">Their Σ size.</param>
/// <param name="SellTrades">Taker sell trades of the class.</param>
/// <param name="SellBase">Their Σ size.</param>
public sealed record SizeClassBar(decimal Min, decimal? Max, long BuyTrades, decimal BuyBase, long SellTrades, decimal SellBase);

/// <summary>
/// The classes of one quote currency in an <see cref="AssetBar"/> (notional classes of different currencies are never added).
/// </summary>
/// <param name="Quote">The quote currency, e.g. <c>USD</c>.</param>
/// <param name="SizeClasses">The classes of every (venue, product) of the bar with that quote currency, summed.</param>
public sealed record QuoteSizeClasses(string Quote, IReadOnlyList<SizeClassBar> SizeClasses);

/// <summary>The CSV cell of a bar's size classes (no commas, quotes or line breaks, so never quoted).</summary>
public static class SizeClassCsv
{
    /// <summary>Classes joined by <c>;</c>, each <c>min|max|buyTrades|buyBase|sellTrades|sellBase</c> (max empty when open); empty for none.</summary>
    public static string Of(IReadOnlyList<SizeClassBar>? classes) =>
        classes is null
            ? string.Empty
            : string.Join(';', classes.Select(c => string.Create(
                System.Globalization.CultureInfo.InvariantCulture, $"{c.Min}|{c.Max}|{c.BuyTrades}|{c.BuyBase}|{c.SellTrades}|{c.SellBase}")));

    /// <summary>Per quote currency <c>QUOTE=</c> + <see cref="Of"/>, joined by spaces.</summary>
    public static string Of(IReadOnlyList<QuoteSizeClasses> byQuote) =>
        string.Join(' ', byQuote.Select(q => q.Quote + "=" + Of(q.SizeClasses)));
}

/// <summary>
/// Rolls size classes up exactly. Pure; decimal only.
/// <para>Parts with different boundaries (a settings change between windows, or venues summed) are merged into their
/// common coarsening: the boundaries that every part has. Each part's class [a, b) lies inside exactly one class of the
/// coarsening (its bounds are boundaries of the part, and the coarsening's are a subset), so the sums are exact and no
/// trade is ever relabelled; only detail that not every part has is given up. With no common boundary the result is the
/// one class [0, ∞). When any part has no classes (a window stored before size classes existed, or of a quote currency
/// without classes) the result is null ("no classes"): a partial split would not add up to the bar.</para>
/// </summary>
public static class SizeClassRollup
{
    /// <summary>The classes of one side's base window as bar classes (the other side zero); null when it has none.</summary>
    public static SizeClassBar[]? OfWindow(WindowVolume window)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (window.SizeClasses is not { } classes)
        {
            return null;
        }

        var buy = window.Side == TakerSide.Buy;
        var bars = new SizeClassBar[classes.Count];
        for (var i = 0; i < bars.Length; i++)
        {
            var c = classes[i];
            bars[i] = buy ? new SizeClassBar(c.Min, c.Max, c.Trades, c.BaseVolume, 0, 0m) : new SizeClassBar(c.Min, c.Max, 0, 0m, c.Trades, c.BaseVolume);
        }

        return bars;
    }

    /// <summary>The classes of base window rows (both sides, one quote currency), merged; null when there are none or any row has none.</summary>
    public static SizeClassBar[]? OfWindows(IEnumerable<WindowVolume> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return Merge(rows.Select(OfWindow));
    }

    /// <summary>
    /// Sums <paramref name="parts"/> (class lists of one quote currency) into their common coarsening; null when there are no
    /// parts or any part is null.
    /// </summary>
    public static SizeClassBar[]? Merge(IEnumerable<IReadOnlyList<SizeClassBar>?> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var list = parts.ToList();
        if (list.Count == 0 || list.Any(p => p is null || p.Count == 0))
        {
            return null;
        }

        // Boundaries common to every part (a part's boundaries: the mins of its classes but the first).
        IEnumerable<decimal> common = list[0]!.Skip(1).Select(c => c.Min);
        foreach (var part in list.Skip(1))
        {
            common = common.Intersect(part!.Skip(1).Select(c => c.Min));
        }

        var bounds = common.Order().ToArray();
        var buyTrades = new long[bounds.Length + 1];
        var sellTrades = new long[bounds.Length + 1];
        var buyBase = new decimal[bounds.Length + 1];
        var sellBase = new decimal[bounds.Length + 1];
        foreach (var part in list)
        {
            foreach (var c in part!)
            {
                // The coarse class holding [min, max): the number of common boundaries ≤ min.
                var i = 0;
                while (i < bounds.Length && c.Min >= bounds[i])
                {
                    i++;
                }

                buyTrades[i] += c.BuyTrades;
                buyBase[i] += c.BuyBase;
                sellTrades[i] += c.SellTrades;
                sellBase[i] += c.SellBase;
            }
        }

        var result = new SizeClassBar[bounds.Length + 1];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = new SizeClassBar(i == 0 ? 0m : bounds[i - 1], i < bounds.Length ? bounds[i] : null, buyTrades[i], buyBase[i], sellTrades[i], sellBase[i]);
        }

        return result;
    }
}
