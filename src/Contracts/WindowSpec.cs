using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace BitcoinVolume.Contracts;

/// <summary>
/// The base window of the pipeline: the length of every window the aggregator emits to <see cref="Topics.Volumes1m"/> and
/// the sink stores, and the arithmetic of window starts and ends. It is the ONLY place the base window length lives;
/// everything else asks it (<c>Aggregate:Window</c> and <c>Sink:Window</c>, default <c>1m</c>, must be equal).
/// <para>
/// A window is [<see cref="StartOf(DateTimeOffset)"/>, <see cref="EndOf(DateTimeOffset)"/>) in UTC, aligned to tick 0
/// (0001-01-01T00:00Z). Valid lengths are a whole number of seconds that divides a minute (1s, 2s, 3s, 4s, 5s, 6s, 10s,
/// 12s, 15s, 20s, 30s) or a whole number of minutes that divides a day (1m, 2m, 3m, 4m, 5m, 6m, 8m, 9m, 10m, 12m, 15m,
/// 16m, 18m, 20m, 24m, 30m, 32m, 36m, 40m, 45m, 48m, 1h, 72m, 80m, 90m, 96m, 2h, 144m, 160m, 3h, 4h, 288m, 6h, 8h, 12h,
/// 1d). Every valid length divides a day, so windows are also aligned to the unix epoch and to every midnight UTC: daily
/// rollups never split a window, and a sub-minute window never crosses a minute.
/// </para>
/// <para>
/// Text form: ASCII digits and a lower-case unit, <c>s</c>, <c>m</c>, <c>h</c> or <c>d</c> (<c>10s</c>, <c>1m</c>,
/// <c>90m</c>, <c>1h</c>); <see cref="ToString"/> gives the canonical form in the largest whole unit
/// (<c>60s</c> → <c>1m</c>, <c>60m</c> → <c>1h</c>, <c>1440m</c> → <c>1d</c>).
/// </para>
/// </summary>
[TypeConverter(typeof(WindowSpecConverter))]
public sealed class WindowSpec : IEquatable<WindowSpec>, IParsable<WindowSpec>
{
    /// <summary>What a valid window length is, for messages.</summary>
    public const string Rule =
        "a whole number of seconds that divides a minute (1s, 2s, 3s, 4s, 5s, 6s, 10s, 12s, 15s, 20s, 30s) " +
        "or a whole number of minutes that divides a day (1m, 2m, 5m, 10m, 15m, 30m, 1h, …, 1d)";

    private const long SecondsPerMinute = 60;
    private const long SecondsPerDay = 24 * 60 * 60;

    private readonly long lengthTicks;

    private WindowSpec(long seconds)
    {
        Length = TimeSpan.FromSeconds(seconds);
        lengthTicks = Length.Ticks;
    }

    /// <summary>The default base window: 1 minute.</summary>
    public static WindowSpec Default { get; } = new(SecondsPerMinute);

    /// <summary>
    /// The shortest valid window, 1 second. Every window start of every valid spec is one of its starts (a whole second),
    /// so it is the spec to check or round with where the configured one is not known.
    /// </summary>
    public static WindowSpec Finest { get; } = new(1);

    /// <summary>The window length: a whole number of seconds that divides a minute, or of minutes that divides a day.</summary>
    public TimeSpan Length { get; }

    public static bool operator ==(WindowSpec? left, WindowSpec? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(WindowSpec? left, WindowSpec? right) => !(left == right);

    /// <summary>Whether <paramref name="length"/> is a valid window length (see <see cref="Rule"/>).</summary>
    public static bool IsValidLength(TimeSpan length)
    {
        if (length.Ticks <= 0 || length.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            return false;
        }

        var seconds = length.Ticks / TimeSpan.TicksPerSecond;
        return seconds <= SecondsPerMinute
            ? SecondsPerMinute % seconds == 0
            : seconds % SecondsPerMinute == 0 && SecondsPerDay % seconds == 0;
    }

    /// <summary>The spec of a window of <paramref name="length"/>; throws when it is not a valid length.</summary>
    public static WindowSpec FromLength(TimeSpan length)
    {
        if (!IsValidLength(length))
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"A window length is {Rule}.");
        }

        var seconds = length.Ticks / TimeSpan.TicksPerSecond;
        return seconds == SecondsPerMinute ? Default : new WindowSpec(seconds);
    }

    /// <summary>Parses <c>&lt;N&gt;s</c>, <c>&lt;N&gt;m</c>, <c>&lt;N&gt;h</c> or <c>&lt;N&gt;d</c>; throws <see cref="FormatException"/> naming the value and the rule.</summary>
    public static WindowSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var spec) ? spec : throw new FormatException(InvalidMessage(text));
    }

    static WindowSpec IParsable<WindowSpec>.Parse(string s, IFormatProvider? provider) => Parse(s);

    /// <summary>Like <see cref="Parse(string)"/>, without throwing. Surrounding white space is ignored.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out WindowSpec? spec)
    {
        spec = null;
        var span = text.AsSpan().Trim();
        if (span.Length is < 2 or > 10)
        {
            return false;
        }

        var unit = span[^1] switch
        {
            's' => 1,
            'm' => SecondsPerMinute,
            'h' => 60 * SecondsPerMinute,
            'd' => SecondsPerDay,
            _ => 0L,
        };
        var digits = span[..^1];
        if (unit == 0 || digits.ContainsAnyExceptInRange('0', '9')
            || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || count is < 1 or > SecondsPerDay)
        {
            return false;
        }

        var length = TimeSpan.FromSeconds(count * unit);
        if (!IsValidLength(length))
        {
            return false;
        }

        spec = FromLength(length);
        return true;
    }

    static bool IParsable<WindowSpec>.TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, [MaybeNullWhen(false)] out WindowSpec result) =>
        TryParse(s, out result);

    /// <summary>The error text for a value that is not a valid window, e.g. <c>'7s' is not a valid window: use …</c>.</summary>
    public static string InvalidMessage(string? text) => $"'{text}' is not a valid window: use {Rule}.";

    /// <summary>Start (UTC) of the window that contains <paramref name="time"/>.</summary>
    public DateTimeOffset StartOf(DateTimeOffset time) => new(StartOf(time.UtcTicks), TimeSpan.Zero);

    /// <summary>
    /// Start, in ticks, of the window that contains <paramref name="ticks"/>: the multiple of the length at or below it
    /// (negative tick counts round down too). Throws when that is below <see cref="long.MinValue"/>.
    /// </summary>
    public long StartOf(long ticks)
    {
        var remainder = ticks % lengthTicks;
        if (remainder >= 0)
        {
            return ticks - remainder;
        }

        var towardZero = ticks - remainder;
        if (towardZero < long.MinValue + lengthTicks)
        {
            throw new ArgumentOutOfRangeException(nameof(ticks), ticks, $"The {this} window of this tick count starts below long.MinValue.");
        }

        return towardZero - lengthTicks;
    }

    /// <summary>
    /// Exclusive end (UTC) of the window that contains <paramref name="time"/>. Throws for the last window of the
    /// calendar, which ends at 10000-01-01 (one tick after <see cref="DateTimeOffset.MaxValue"/>).
    /// </summary>
    public DateTimeOffset EndOf(DateTimeOffset time)
    {
        var end = EndOf(time.UtcTicks);
        if (end > DateTimeOffset.MaxValue.UtcTicks)
        {
            throw new ArgumentOutOfRangeException(nameof(time), time, $"The {this} window of this time ends after DateTimeOffset.MaxValue.");
        }

        return new DateTimeOffset(end, TimeSpan.Zero);
    }

    /// <summary>Exclusive end, in ticks, of the window that contains <paramref name="ticks"/>. Throws when that is beyond <see cref="long.MaxValue"/>.</summary>
    public long EndOf(long ticks)
    {
        var start = StartOf(ticks);
        if (start > long.MaxValue - lengthTicks)
        {
            throw new ArgumentOutOfRangeException(nameof(ticks), ticks, $"The {this} window of this tick count ends beyond long.MaxValue.");
        }

        return start + lengthTicks;
    }

    /// <summary>Whether <paramref name="time"/> is the start of a window.</summary>
    public bool IsStart(DateTimeOffset time) => IsStart(time.UtcTicks);

    /// <summary>Whether <paramref name="ticks"/> is the start of a window (a multiple of the length).</summary>
    public bool IsStart(long ticks) => ticks % lengthTicks == 0;

    public bool Equals(WindowSpec? other) => other is not null && other.lengthTicks == lengthTicks;

    public override bool Equals(object? obj) => Equals(obj as WindowSpec);

    public override int GetHashCode() => lengthTicks.GetHashCode();

    /// <summary>The canonical text: <c>&lt;N&gt;s</c> below a minute, else the largest whole unit of <c>m</c>, <c>h</c>, <c>d</c>.</summary>
    public override string ToString()
    {
        var seconds = lengthTicks / TimeSpan.TicksPerSecond;
        if (seconds < SecondsPerMinute)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{seconds}s");
        }

        var minutes = seconds / SecondsPerMinute;
        return minutes % (24 * 60) == 0 ? string.Create(CultureInfo.InvariantCulture, $"{minutes / (24 * 60)}d")
            : minutes % 60 == 0 ? string.Create(CultureInfo.InvariantCulture, $"{minutes / 60}h")
            : string.Create(CultureInfo.InvariantCulture, $"{minutes}m");
    }
}

/// <summary>Converts <see cref="WindowSpec"/> from and to its text, so that configuration binds <c>Aggregate:Window=10s</c>.</summary>
public sealed class WindowSpecConverter : TypeConverter
{
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) =>
        sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

    public override bool CanConvertTo(ITypeDescriptorContext? context, [NotNullWhen(true)] Type? destinationType) =>
        destinationType == typeof(string) || base.CanConvertTo(context, destinationType);

    /// <summary>Parses the text; an invalid value throws <see cref="FormatException"/> naming the value and the rule.</summary>
    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string text ? WindowSpec.Parse(text) : base.ConvertFrom(context, culture, value);

    public override object? ConvertTo(ITypeDescriptorContext? context, CultureInfo? culture, object? value, Type destinationType) =>
        value is WindowSpec spec && destinationType == typeof(string) ? spec.ToString() : base.ConvertTo(context, culture, value, destinationType);
}
