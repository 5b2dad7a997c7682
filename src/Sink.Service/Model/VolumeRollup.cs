using BitcoinVolume.Contracts;

namespace BitcoinVolume.Sink.Model;

/// <summary>Builds bars of any <see cref="VolumeInterval"/> from stored base window rows. Pure: no I/O, no clock; decimal only.</summary>
public static class VolumeRollup
{
    /// <summary>Rolls 1-minute rows (the default base window) up: <see cref="Roll(IEnumerable{WindowVolume}, VolumeInterval, WindowSpec)"/> with <see cref="WindowSpec.Default"/>.</summary>
    public static VolumeBar[] Roll(IEnumerable<WindowVolume> windowRows, VolumeInterval interval) => Roll(windowRows, interval, WindowSpec.Default);

    /// <summary>
    /// Rolls <paramref name="windowRows"/> (one venue and product, base windows of <paramref name="window"/>) up into bars of
    /// <paramref name="interval"/>, a whole multiple of the base window, one per (bar, side)
    /// that has at least one row, ordered by start, then side (buy first). Counts and volumes add up; VWAP = quote / base;
    /// open is the open of the row with the lowest first trade id, close the close of the row with the highest last trade
    /// id (trade ids grow with time); high and low are the extremes. Net and imbalance compare the bar's two sides. A bar is
    /// complete only if all its rows are (its reason: theirs, <see cref="Completeness.ReasonOf"/>). Size classes of both sides are
    /// summed into the bar's (<see cref="SizeClassRollup"/>, the same on its two rows).
    /// </summary>
    public static VolumeBar[] Roll(IEnumerable<WindowVolume> windowRows, VolumeInterval interval, WindowSpec window)
    {
        ArgumentNullException.ThrowIfNull(windowRows);
        ArgumentNullException.ThrowIfNull(window);
        if (!VolumeInterval.IsMultipleOf(interval.Length, window))
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, $"An interval is a positive whole multiple of the {window} base window.");
        }

        var bars = new List<VolumeBar>();
        foreach (var bar in windowRows.GroupBy(w => interval.BarStart(w.WindowStart)).OrderBy(g => g.Key))
        {
            var buy = Combine(bar.Key, interval, TakerSide.Buy, bar.Where(w => w.Side == TakerSide.Buy));
            var sell = Combine(bar.Key, interval, TakerSide.Sell, bar.Where(w => w.Side == TakerSide.Sell));
            var buyBase = buy?.BaseVolume ?? 0;
            var sellBase = sell?.BaseVolume ?? 0;
            var net = buyBase - sellBase;
            var total = buyBase + sellBase;
            var imbalance = total == 0 ? 0 : net / total;
            var sizeClasses = SizeClassRollup.OfWindows(bar);
            if (buy is not null)
            {
                bars.Add(buy with { Net = net, Imbalance = imbalance, SizeClasses = sizeClasses });
            }

            if (sell is not null)
            {
                bars.Add(sell with { Net = net, Imbalance = imbalance, SizeClasses = sizeClasses });
            }
        }

        return [.. bars];
    }

    private static VolumeBar? Combine(DateTimeOffset start, VolumeInterval interval, TakerSide side, IEnumerable<WindowVolume> rows)
    {
        WindowVolume? first = null, last = null;
        List<string?>? reasons = null;
        long trades = 0;
        decimal baseVolume = 0, quoteVolume = 0, high = 0, low = 0;
        foreach (var row in rows)
        {
            if (first is null)
            {
                (first, last, high, low) = (row, row, row.High, row.Low);
            }

            if (row.IncompleteReason is { } reason)
            {
                (reasons ??= []).Add(reason);
            }

            trades += row.Trades;
            baseVolume += row.BaseVolume;
            quoteVolume += row.QuoteVolume;
            high = Math.Max(high, row.High);
            low = Math.Min(low, row.Low);
            if (row.FirstTradeId < first.FirstTradeId)
            {
                first = row;
            }

            if (row.LastTradeId > last!.LastTradeId)
            {
                last = row;
            }
        }

        if (first is null)
        {
            return null;
        }

        return new VolumeBar(
            start.UtcDateTime,
            (start + interval.Length).UtcDateTime,
            first.Product,
            side,
            trades,
            baseVolume,
            quoteVolume,
            baseVolume == 0 ? 0 : quoteVolume / baseVolume,
            first.Open,
            high,
            low,
            last!.Close,
            Net: 0,
            Imbalance: 0)
        {
            Venue = first.Venue,
            Venues = [first.Venue],
            IncompleteReason = reasons is null ? null : Completeness.ReasonOf(reasons),
        };
    }
}
