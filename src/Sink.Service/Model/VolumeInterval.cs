using System.Globalization;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Sink.Model;

/// <summary>
/// The bar length of a volume query: a whole multiple of the base window (<see cref="SinkOptions.Window"/>; with the
/// default 1-minute window, any whole number of minutes), aligned to the unix epoch (so 1h bars start on the hour, 4h bars
/// at 00:00, 04:00, … UTC, 1d bars at 00:00 UTC and 7m bars every 7 minutes since 1970-01-01T00:00Z). Every interval is
/// computed from the stored base windows by <see cref="VolumeRollup"/>.
/// </summary>
/// <param name="Name">The canonical name (<c>1m</c>, <c>5m</c>, <c>1h</c>, <c>1d</c>, <c>7m</c>, <c>90m</c>, <c>10s</c>, …).</param>
/// <param name="Length">Bar length; a positive whole number of seconds (of minutes unless the base window is shorter).</param>
public readonly record struct VolumeInterval(string Name, TimeSpan Length)
{
    /// <summary>The longest bar: 366 days.</summary>
    public const int MaxMinutes = 366 * 24 * 60;

    private const long SecondsPerMinute = 60;

    /// <summary>Lengths (seconds) of the named intervals the dashboard offers, where they are multiples of the base window.</summary>
    private static readonly long[] CommonSeconds = [1, 5, 10, 15, 30, 60, 5 * 60, 15 * 60, 60 * 60, 4 * 60 * 60, 24 * 60 * 60];

    /// <summary>The 1-minute interval (the stored resolution with the default base window).</summary>
    public static VolumeInterval OneMinute { get; } = new("1m", TimeSpan.FromSeconds(SecondsPerMinute));

    /// <summary>The named intervals the dashboard offers with the default base window; any other whole number of minutes is accepted too.</summary>
    public static IReadOnlyList<VolumeInterval> Common { get; } = CommonFor(WindowSpec.Default);

    /// <summary>What the API says when an interval does not parse (default base window).</summary>
    public static string Syntax => SyntaxFor(WindowSpec.Default);

    /// <summary>The interval of one base window: the stored resolution, and the default of a query.</summary>
    public static VolumeInterval ForWindow(WindowSpec window)
    {
        ArgumentNullException.ThrowIfNull(window);
        return FromSeconds(window.Length.Ticks / TimeSpan.TicksPerSecond);
    }

    /// <summary>The base window's interval, then the usual ones (5m, 15m, 1h, 4h, 1d, and 5s … 30s below a minute) that are whole multiples of it.</summary>
    public static IReadOnlyList<VolumeInterval> CommonFor(WindowSpec window)
    {
        var first = ForWindow(window);
        return [first, .. CommonSeconds.Select(FromSeconds).Where(i => i.Length > first.Length && IsMultipleOf(i.Length, window))];
    }

    /// <summary>What the API says when an interval does not parse, for <paramref name="window"/> as the base window.</summary>
    public static string SyntaxFor(WindowSpec window)
    {
        ArgumentNullException.ThrowIfNull(window);
        var examples = string.Join(", ", CommonFor(window).Select(i => i.Name));
        return window == WindowSpec.Default
            ? $"a whole number of minutes as <N>m, <N>h, <N>d or a bare <N> (minutes), lowercase, from 1m to {MaxMinutes / 1440}d, e.g. {examples}, 7m"
            : $"a whole multiple of the {window} base window as {(AllowsSeconds(window) ? "<N>s, " : string.Empty)}<N>m, <N>h, <N>d " +
              $"or a bare <N> (minutes), lowercase, from {ForWindow(window).Name} to {MaxMinutes / 1440}d, e.g. {examples}";
    }

    /// <summary>The interval of <paramref name="minutes"/> minutes, named in the largest whole unit.</summary>
    public static VolumeInterval FromMinutes(int minutes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minutes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minutes, MaxMinutes);
        var name = minutes % 1440 == 0 ? $"{minutes / 1440}d" : minutes % 60 == 0 ? $"{minutes / 60}h" : $"{minutes}m";
        return new VolumeInterval(name, TimeSpan.FromMinutes(minutes));
    }

    /// <summary>The interval of <paramref name="seconds"/> seconds: named <c>&lt;N&gt;s</c> unless it is whole minutes (then as <see cref="FromMinutes"/>).</summary>
    public static VolumeInterval FromSeconds(long seconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seconds, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(seconds, MaxMinutes * SecondsPerMinute);
        return seconds % SecondsPerMinute == 0
            ? FromMinutes((int)(seconds / SecondsPerMinute))
            : new VolumeInterval(string.Create(CultureInfo.InvariantCulture, $"{seconds}s"), TimeSpan.FromSeconds(seconds));
    }

    /// <summary>
    /// Parses <c>&lt;N&gt;m</c>, <c>&lt;N&gt;h</c>, <c>&lt;N&gt;d</c> or a bare <c>&lt;N&gt;</c> (minutes); N is ASCII digits.
    /// <see langword="null"/> means the default, <see cref="OneMinute"/>. Upper case (<c>1M</c> could be read as a month),
    /// signs, spaces, fractions, seconds and zero are rejected. This is <see cref="TryParse(string?, WindowSpec, out VolumeInterval)"/>
    /// with the default 1-minute base window.
    /// </summary>
    public static bool TryParse(string? text, out VolumeInterval interval) => TryParse(text, WindowSpec.Default, out interval);

    /// <summary>
    /// Parses an interval that is a whole multiple of <paramref name="window"/>: <c>&lt;N&gt;m</c>, <c>&lt;N&gt;h</c>,
    /// <c>&lt;N&gt;d</c>, a bare <c>&lt;N&gt;</c> (minutes), and <c>&lt;N&gt;s</c> when the base window is shorter than a
    /// minute; N is ASCII digits. <see langword="null"/> means the default, one base window (<see cref="ForWindow"/>).
    /// Upper case (<c>1M</c> could be read as a month), signs, spaces, fractions, zero and lengths that are not a multiple
    /// of the base window are rejected.
    /// </summary>
    public static bool TryParse(string? text, WindowSpec window, out VolumeInterval interval)
    {
        ArgumentNullException.ThrowIfNull(window);
        interval = default;
        if (text is null)
        {
            interval = ForWindow(window);
            return true;
        }

        if (text.Length is 0 or > 9)
        {
            return false;
        }

        var unit = text[^1] switch
        {
            's' when AllowsSeconds(window) => 1,
            'm' => SecondsPerMinute,
            'h' => 60 * SecondsPerMinute,
            'd' => 1440 * SecondsPerMinute,
            >= '0' and <= '9' => SecondsPerMinute,
            _ => 0,
        };
        var digits = char.IsAsciiDigit(text[^1]) ? text : text[..^1];
        if (unit == 0 || digits.Length == 0 || !digits.All(char.IsAsciiDigit)
            || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            return false;
        }

        var seconds = count * unit;
        if (seconds is < 1 or > MaxMinutes * SecondsPerMinute || !IsMultipleOf(TimeSpan.FromSeconds(seconds), window))
        {
            return false;
        }

        interval = FromSeconds(seconds);
        return true;
    }

    /// <summary>Whether bars of <paramref name="length"/> are made of whole base windows of <paramref name="window"/>.</summary>
    public static bool IsMultipleOf(TimeSpan length, WindowSpec window)
    {
        ArgumentNullException.ThrowIfNull(window);
        return length > TimeSpan.Zero && length.Ticks % window.Length.Ticks == 0;
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

    /// <summary>Seconds (<c>&lt;N&gt;s</c>) are accepted only with a base window shorter than a minute, as before with 1 minute.</summary>
    private static bool AllowsSeconds(WindowSpec window) => window.Length.Ticks < SecondsPerMinute * TimeSpan.TicksPerSecond;
}
