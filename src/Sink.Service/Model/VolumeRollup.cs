using BitcoinVolume.Contracts;

namespace BitcoinVolume.Sink.Model;

/// <summary>Builds bars of any <see cref="VolumeInterval"/> from 1-minute rows. Pure: no I/O, no clock.</summary>
public static class VolumeRollup
{
    /// <summary>
    /// Rolls <paramref name="minuteRows"/> (one product) up into bars of <paramref name="interval"/>, one per (bar, side)
    /// that has at least one row, ordered by start, then side (buy first). Counts and volumes add up; open is the open of
    /// the row with the lowest first trade id, close the close of the row with the highest last trade id.
    /// </summary>
    public static VolumeBar[] Roll(IEnumerable<WindowVolume> minuteRows, VolumeInterval interval)
    {
        ArgumentNullException.ThrowIfNull(minuteRows);
        if (interval.Length <= TimeSpan.Zero || interval.Length.Ticks % WindowVolume.Length.Ticks != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "An interval is a positive whole number of minutes.");
        }

        if (interval.Length == WindowVolume.Length)
        {
            return minuteRows
                .OrderBy(w => w.WindowStart)
                .ThenBy(w => w.Side)
                .Select(VolumeBar.FromWindow)
                .ToArray();
        }

        return minuteRows
            .GroupBy(w => (Start: interval.BarStart(w.WindowStart), w.Side))
            .OrderBy(g => g.Key.Start)
            .ThenBy(g => g.Key.Side)
            .Select(g => Combine(g.Key.Start, interval, g.Key.Side, g.ToList()))
            .ToArray();
    }

    private static VolumeBar Combine(DateTimeOffset start, VolumeInterval interval, TakerSide side, List<WindowVolume> rows)
    {
        var first = rows[0];
        var last = rows[0];
        long trades = 0;
        decimal baseVolume = 0, quoteVolume = 0, high = first.High, low = first.Low;
        foreach (var row in rows)
        {
            trades += row.Trades;
            baseVolume += row.BaseVolume;
            quoteVolume += row.QuoteVolume;
            high = Math.Max(high, row.High);
            low = Math.Min(low, row.Low);
            if (row.FirstTradeId < first.FirstTradeId)
            {
                first = row;
            }

            if (row.LastTradeId > last.LastTradeId)
            {
                last = row;
            }
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
            last.Close);
    }
}
