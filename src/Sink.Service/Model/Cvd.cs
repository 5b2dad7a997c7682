using System.Globalization;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Sink.Model;

/// <summary>
/// Cumulative volume delta from the bars of <see cref="VolumeRollup"/> / <see cref="VenueRollup"/>, so it agrees with
/// <c>/api/volumes</c> to the last digit. Pure: no I/O, no clock; decimal only.
/// </summary>
public static class Cvd
{
    /// <summary>Accepted values of the <c>anchor</c> parameter.</summary>
    public const string AnchorSyntax = "range (default: the running sum starts at the first bar of the range), day (each UTC day) or week (each ISO week, Monday 00:00 UTC)";

    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    /// <summary>Parses <c>range</c>, <c>day</c> or <c>week</c> (<see langword="null"/> is <see cref="CvdAnchor.Range"/>).</summary>
    public static bool TryParseAnchor(string? text, out CvdAnchor anchor)
    {
        anchor = CvdAnchor.Range;
        switch (text)
        {
            case null or "range":
                return true;
            case "day":
                anchor = CvdAnchor.Day;
                return true;
            case "week":
                anchor = CvdAnchor.Week;
                return true;
            default:
                return false;
        }
    }

    /// <summary>The parameter text of <paramref name="anchor"/>.</summary>
    public static string Name(CvdAnchor anchor) => anchor.ToString().ToLower(CultureInfo.InvariantCulture);

    /// <summary>
    /// True when bars of <paramref name="interval"/> never straddle a start of <paramref name="anchor"/>: any interval for
    /// <see cref="CvdAnchor.Range"/>, one that divides a day for days and weeks (bars are aligned to the unix epoch, a midnight).
    /// </summary>
    public static bool Fits(CvdAnchor anchor, VolumeInterval interval) =>
        anchor == CvdAnchor.Range || Day.Ticks % interval.Length.Ticks == 0;

    /// <summary>
    /// Start of the anchor period that holds <paramref name="time"/>: <paramref name="rangeStart"/> for
    /// <see cref="CvdAnchor.Range"/>, 00:00 UTC of its day, or Monday 00:00 UTC of its ISO week.
    /// </summary>
    public static DateTimeOffset AnchorStart(CvdAnchor anchor, DateTimeOffset time, DateTimeOffset rangeStart)
    {
        var day = new DateTimeOffset(time.UtcDateTime.Date, TimeSpan.Zero);
        return anchor switch
        {
            CvdAnchor.Range => rangeStart,
            CvdAnchor.Day => day,
            _ => day.AddDays(-(((int)day.DayOfWeek + 6) % 7)), // Monday = 0
        };
    }

    /// <summary>The end (exclusive) of the anchor period that starts at <paramref name="start"/>; 9000-01-01 (the API's limit) for a range.</summary>
    public static DateTimeOffset AnchorEnd(CvdAnchor anchor, DateTimeOffset start) => anchor switch
    {
        CvdAnchor.Range => new DateTimeOffset(9000, 1, 1, 0, 0, 0, TimeSpan.Zero),
        CvdAnchor.Day => start.AddDays(1),
        _ => start.AddDays(7),
    };

    /// <summary>
    /// The deltas of one product's bars (<see cref="VolumeRollup.Roll(IEnumerable{WindowVolume}, VolumeInterval, WindowSpec)"/>
    /// or <see cref="VenueRollup.Sum"/>): per bar, buy − sell of base and quote volume (one product: one quote currency).
    /// </summary>
    public static IReadOnlyList<BarDelta> Deltas(IEnumerable<VolumeBar> bars)
    {
        ArgumentNullException.ThrowIfNull(bars);
        return [.. bars.GroupBy(b => b.Start).OrderBy(g => g.Key).Select(g => new BarDelta(
            new DateTimeOffset(g.Key, TimeSpan.Zero),
            g.Sum(b => Signed(b.Side, b.BaseVolume)),
            g.Sum(b => Signed(b.Side, b.QuoteVolume)),
            g.Sum(b => b.BaseVolume)))];
    }

    /// <summary>
    /// The deltas of one asset's bars (<see cref="VenueRollup.Asset"/>); the quote delta only when
    /// <paramref name="singleQuote"/> (every stream of the subject has the same quote currency), else <see langword="null"/>.
    /// </summary>
    public static IReadOnlyList<BarDelta> Deltas(IEnumerable<AssetBar> bars, bool singleQuote)
    {
        ArgumentNullException.ThrowIfNull(bars);
        return [.. bars.GroupBy(b => b.Start).OrderBy(g => g.Key).Select(g => new BarDelta(
            new DateTimeOffset(g.Key, TimeSpan.Zero),
            g.Sum(b => Signed(b.Side, b.BaseVolume)),
            singleQuote ? g.Sum(b => Signed(b.Side, b.QuoteVolume ?? 0)) : null,
            g.Sum(b => b.BaseVolume)))];
    }

    /// <summary>
    /// Running sums of <paramref name="deltas"/> (ordered by start), restarted at each anchor start, and the bars whose
    /// start is in [<paramref name="from"/>, <paramref name="to"/>) returned. Deltas before <paramref name="from"/> (from the
    /// anchor start on) count in the sums but are not returned. <paramref name="rangeStart"/> is the anchor of
    /// <see cref="CvdAnchor.Range"/>.
    /// </summary>
    public static CvdBar[] Accumulate(
        IEnumerable<BarDelta> deltas, CvdAnchor anchor, DateTimeOffset rangeStart, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        var result = new List<CvdBar>();
        DateTimeOffset? period = null;
        decimal cvdBase = 0;
        decimal? cvdQuote = 0;
        foreach (var delta in deltas)
        {
            if (delta.Start < rangeStart && anchor == CvdAnchor.Range)
            {
                continue;
            }

            var start = AnchorStart(anchor, delta.Start, rangeStart);
            if (start != period)
            {
                (period, cvdBase, cvdQuote) = (start, 0, 0);
            }

            cvdBase += delta.DeltaBase;
            cvdQuote = delta.DeltaQuote is { } q && cvdQuote is { } c ? c + q : null;
            if (delta.Start >= from && delta.Start < to)
            {
                result.Add(new CvdBar(delta.Start.UtcDateTime, delta.DeltaBase, cvdBase, delta.DeltaQuote, delta.DeltaQuote is null ? null : cvdQuote));
            }
        }

        return [.. result];
    }

    private static decimal Signed(TakerSide side, decimal value) => side == TakerSide.Buy ? value : -value;
}
