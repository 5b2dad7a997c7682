using System.Globalization;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Sink.Model;

/// <summary>
/// The bar length of a volume query: a whole number of minutes, aligned to the unix epoch (so 1h bars start on the hour,
/// 4h bars at 00:00, 04:00, … UTC, 1d bars at 00:00 UTC and 7m bars every 7 minutes since 1970-01-01T00:00Z).
/// Every interval is computed from the stored 1-minute rows by <see cref="VolumeRollup"/>.
/// </summary>
/// <param name="Name">The canonical name (<c>1m</c>, <c>5m</c>, <c>1h</c>, <c>1d</c>, <c>7m</c>, <c>90m</c>, …).</param>
/// <param name="Length">Bar length; a positive whole number of minutes.</param>
public readonly record struct VolumeInterval(string Name, TimeSpan Length)
{
    /// <summary>The longest bar: 366 days.</summary>
    public const int MaxMinutes = 366 * 24 * 60;

    /// <summary>The stored resolution.</summary>
    public static VolumeInterval OneMinute { get; } = new("1m", WindowVolume.Length);

    /// <summary>The named intervals the dashboard offers; any other whole number of minutes is accepted too.</summary>
    public static IReadOnlyList<VolumeInterval> Common { get; } =
        [OneMinute, FromMinutes(5), FromMinutes(15), FromMinutes(60), FromMinutes(240), FromMinutes(1440)];

    /// <summary>What the API says when an interval does not parse.</summary>
    public static string Syntax =>
        $"a whole number of minutes as <N>m, <N>h, <N>d or a bare <N> (minutes), lowercase, from 1m to {MaxMinutes / 1440}d, " +
        $"e.g. {string.Join(", ", Common.Select(i => i.Name))}, 7m";

    /// <summary>The interval of <paramref name="minutes"/> minutes, named in the largest whole unit.</summary>
    public static VolumeInterval FromMinutes(int minutes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minutes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minutes, MaxMinutes);
        var name = minutes % 1440 == 0 ? $"{minutes / 1440}d" : minutes % 60 == 0 ? $"{minutes / 60}h" : $"{minutes}m";
        return new VolumeInterval(name, TimeSpan.FromMinutes(minutes));
    }

    /// <summary>
    /// Parses <c>&lt;N&gt;m</c>, <c>&lt;N&gt;h</c>, <c>&lt;N&gt;d</c> or a bare <c>&lt;N&gt;</c> (minutes); N is ASCII digits.
    /// <see langword="null"/> means the default, <see cref="OneMinute"/>. Upper case (<c>1M</c> could be read as a month),
    /// signs, spaces, fractions and zero are rejected.
    /// </summary>
    public static bool TryParse(string? text, out VolumeInterval interval)
    {
        interval = default;
        if (text is null)
        {
            interval = OneMinute;
            return true;
        }

        if (text.Length is 0 or > 9)
        {
            return false;
        }

        var unit = text[^1] switch
        {
            'm' => 1,
            'h' => 60,
            'd' => 1440,
            >= '0' and <= '9' => 1,
            _ => 0,
        };
        var digits = char.IsAsciiDigit(text[^1]) ? text : text[..^1];
        if (unit == 0 || digits.Length == 0 || !digits.All(char.IsAsciiDigit)
            || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            return false;
        }

        var minutes = count * unit;
        if (minutes is < 1 or > MaxMinutes)
        {
            return false;
        }

        interval = FromMinutes((int)minutes);
        return true;
    }

    /// <summary>Start of the bar that contains <paramref name="time"/>.</summary>
    public DateTimeOffset BarStart(DateTimeOffset time)
    {
        var sinceEpoch = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var offset = sinceEpoch % Length.Ticks;
        if (offset < 0)
        {
            offset += Length.Ticks;
        }

        return new DateTimeOffset(time.UtcTicks - offset, TimeSpan.Zero);
    }

    /// <summary>The first bar start at or after <paramref name="time"/>.</summary>
    public DateTimeOffset CeilingBarStart(DateTimeOffset time)
    {
        var start = BarStart(time);
        return start < time ? start + Length : start;
    }
}
