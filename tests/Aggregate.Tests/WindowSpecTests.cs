using System.ComponentModel;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Aggregate.Tests;

public sealed class WindowSpecTests
{
    private static readonly DateTimeOffset T0 = new(2026, 8, 9, 21, 4, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("1s", 1, "1s")]
    [InlineData("2s", 2, "2s")]
    [InlineData("3s", 3, "3s")]
    [InlineData("4s", 4, "4s")]
    [InlineData("5s", 5, "5s")]
    [InlineData("6s", 6, "6s")]
    [InlineData("10s", 10, "10s")]
    [InlineData("12s", 12, "12s")]
    [InlineData("15s", 15, "15s")]
    [InlineData("20s", 20, "20s")]
    [InlineData("30s", 30, "30s")]
    [InlineData("60s", 60, "1m")]
    [InlineData("120s", 120, "2m")]
    [InlineData("1m", 60, "1m")]
    [InlineData("01m", 60, "1m")]
    [InlineData("5m", 300, "5m")]
    [InlineData("45m", 2700, "45m")]
    [InlineData("60m", 3600, "1h")]
    [InlineData("90m", 5400, "90m")]
    [InlineData("1h", 3600, "1h")]
    [InlineData("8h", 28800, "8h")]
    [InlineData("12h", 43200, "12h")]
    [InlineData("1440m", 86400, "1d")]
    [InlineData("1d", 86400, "1d")]
    [InlineData(" 10s ", 10, "10s")]
    public void Parses_lengths_that_divide_a_minute_or_whole_minutes_that_divide_a_day(string text, int seconds, string canonical)
    {
        var spec = WindowSpec.Parse(text);

        Assert.Equal(TimeSpan.FromSeconds(seconds), spec.Length);
        Assert.Equal(canonical, spec.ToString());
        Assert.True(WindowSpec.TryParse(text, out var again));
        Assert.Equal(spec, again);
        Assert.Equal(spec, WindowSpec.Parse(spec.ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("0s")]
    [InlineData("0m")]
    [InlineData("7s")]
    [InlineData("8s")]
    [InlineData("9s")]
    [InlineData("25s")]
    [InlineData("45s")]
    [InlineData("90s")]
    [InlineData("7m")]
    [InlineData("11m")]
    [InlineData("25m")]
    [InlineData("5h")]
    [InlineData("7h")]
    [InlineData("2d")]
    [InlineData("10")]
    [InlineData("s")]
    [InlineData("m")]
    [InlineData("1M")]
    [InlineData("10S")]
    [InlineData("-1m")]
    [InlineData("+1m")]
    [InlineData("1.5m")]
    [InlineData("1 m")]
    [InlineData("1w")]
    [InlineData("00:01:00")]
    [InlineData("99999999999999999999s")]
    [InlineData("\u0661m")]
    public void Rejects_everything_else_with_a_message_that_names_the_value_and_the_rule(string text)
    {
        Assert.False(WindowSpec.TryParse(text, out var spec));
        Assert.Null(spec);
        var error = Assert.Throws<FormatException>(() => WindowSpec.Parse(text));
        Assert.Contains($"'{text}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("whole number of seconds that divides a minute", error.Message, StringComparison.Ordinal);
        Assert.Contains("whole number of minutes that divides a day", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_does_not_parse()
    {
        Assert.False(WindowSpec.TryParse(null, out _));
        Assert.Throws<ArgumentNullException>(() => WindowSpec.Parse(null!));
    }

    [Fact]
    public void The_default_is_one_minute()
    {
        Assert.Equal(TimeSpan.FromMinutes(1), WindowSpec.Default.Length);
        Assert.Equal("1m", WindowSpec.Default.ToString());
        Assert.Same(WindowSpec.Default, WindowSpec.Parse("1m"));
        Assert.Equal(TimeSpan.FromSeconds(1), WindowSpec.Finest.Length);
    }

    [Fact]
    public void Equality_is_by_length()
    {
        Assert.Equal(WindowSpec.Parse("60m"), WindowSpec.Parse("1h"));
        Assert.True(WindowSpec.Parse("10s") == WindowSpec.FromLength(TimeSpan.FromSeconds(10)));
        Assert.True(WindowSpec.Parse("10s") != WindowSpec.Default);
        Assert.Equal(WindowSpec.Parse("15s").GetHashCode(), WindowSpec.FromLength(TimeSpan.FromSeconds(15)).GetHashCode());
        Assert.False(WindowSpec.Default.Equals(null));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(7)]
    [InlineData(90)]
    [InlineData(172_800)]
    public void FromLength_rejects_invalid_lengths(int seconds)
    {
        Assert.False(WindowSpec.IsValidLength(TimeSpan.FromSeconds(seconds)));
        Assert.Throws<ArgumentOutOfRangeException>(() => WindowSpec.FromLength(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void FromLength_rejects_fractions_of_a_second()
    {
        Assert.False(WindowSpec.IsValidLength(TimeSpan.FromMilliseconds(500)));
        Assert.False(WindowSpec.IsValidLength(TimeSpan.FromSeconds(10) + TimeSpan.FromTicks(1)));
    }

    [Fact]
    public void Every_valid_length_divides_a_day_and_is_seconds_dividing_a_minute_or_whole_minutes()
    {
        var valid = Enumerable.Range(1, 86_400).Where(s => WindowSpec.IsValidLength(TimeSpan.FromSeconds(s))).ToList();

        Assert.Equal([1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30], valid.Where(s => s < 60));
        Assert.All(valid, s => Assert.Equal(0, 86_400 % s));
        Assert.All(valid.Where(s => s >= 60), s => Assert.Equal(0, s % 60));
        Assert.Equal(Enumerable.Range(1, 1440).Where(m => 1440 % m == 0).Select(m => m * 60), valid.Where(s => s >= 60));
    }

    [Theory]
    [InlineData("1m", "2026-08-09T21:04:00Z", "2026-08-09T21:04:00Z", "2026-08-09T21:05:00Z")]
    [InlineData("1m", "2026-08-09T21:04:59.9999999Z", "2026-08-09T21:04:00Z", "2026-08-09T21:05:00Z")]
    [InlineData("10s", "2026-08-09T21:04:00Z", "2026-08-09T21:04:00Z", "2026-08-09T21:04:10Z")]
    [InlineData("10s", "2026-08-09T21:04:09.9999999Z", "2026-08-09T21:04:00Z", "2026-08-09T21:04:10Z")]
    [InlineData("10s", "2026-08-09T21:04:55Z", "2026-08-09T21:04:50Z", "2026-08-09T21:05:00Z")]
    [InlineData("15m", "2026-08-09T23:59:00Z", "2026-08-09T23:45:00Z", "2026-08-10T00:00:00Z")]
    [InlineData("1d", "2026-08-09T21:04:00Z", "2026-08-09T00:00:00Z", "2026-08-10T00:00:00Z")]
    public void StartOf_and_EndOf_bound_the_window_that_contains_a_time(string spec, string time, string start, string end)
    {
        var window = WindowSpec.Parse(spec);
        var t = DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture), window.StartOf(t));
        Assert.Equal(DateTimeOffset.Parse(end, System.Globalization.CultureInfo.InvariantCulture), window.EndOf(t));
        Assert.Equal(TimeSpan.Zero, window.StartOf(t).Offset);
        Assert.Equal(window.StartOf(t).UtcTicks, window.StartOf(t.UtcTicks));
        Assert.Equal(window.EndOf(t).UtcTicks, window.EndOf(t.UtcTicks));
        Assert.True(window.IsStart(window.StartOf(t)));
    }

    [Fact]
    public void StartOf_works_in_utc_whatever_the_offset_of_the_time()
    {
        var local = new DateTimeOffset(2026, 8, 9, 23, 4, 37, TimeSpan.FromHours(2));

        Assert.Equal(new DateTimeOffset(2026, 8, 9, 21, 4, 30, TimeSpan.Zero), WindowSpec.Parse("10s").StartOf(local));
        Assert.Equal(new DateTimeOffset(2026, 8, 9, 0, 0, 0, TimeSpan.Zero), WindowSpec.Parse("1d").StartOf(local));
    }

    [Fact]
    public void Windows_are_aligned_to_the_unix_epoch_and_to_midnight()
    {
        foreach (var spec in new[] { "1s", "10s", "30s", "1m", "45m", "1h", "1d" }.Select(WindowSpec.Parse))
        {
            Assert.True(spec.IsStart(DateTimeOffset.UnixEpoch));
            Assert.True(spec.IsStart(T0.Date));
        }
    }

    [Fact]
    public void IsStart_is_true_only_on_window_boundaries()
    {
        var tenSeconds = WindowSpec.Parse("10s");

        Assert.True(tenSeconds.IsStart(T0.AddSeconds(30)));
        Assert.False(tenSeconds.IsStart(T0.AddSeconds(35)));
        Assert.False(tenSeconds.IsStart(T0.AddTicks(1)));
        Assert.True(WindowSpec.Finest.IsStart(T0.AddSeconds(35)));
        Assert.False(WindowSpec.Default.IsStart(T0.AddSeconds(30)));
    }

    [Fact]
    public void Tick_arithmetic_floors_negative_ticks()
    {
        var tenSeconds = WindowSpec.Parse("10s");
        var length = tenSeconds.Length.Ticks;

        Assert.Equal(0, tenSeconds.StartOf(0L));
        Assert.Equal(length, tenSeconds.EndOf(0L));
        Assert.Equal(-length, tenSeconds.StartOf(-1L));
        Assert.Equal(0, tenSeconds.EndOf(-1L));
        Assert.Equal(-length, tenSeconds.StartOf(-length));
        Assert.Equal(-2 * length, tenSeconds.StartOf(-length - 1));
        Assert.True(tenSeconds.IsStart(-length));
        Assert.False(tenSeconds.IsStart(-1L));
    }

    [Fact]
    public void Tick_arithmetic_at_the_limits_of_long_throws_instead_of_wrapping()
    {
        var spec = WindowSpec.Default;

        Assert.Throws<ArgumentOutOfRangeException>(() => spec.StartOf(long.MinValue));
        Assert.Throws<ArgumentOutOfRangeException>(() => spec.EndOf(long.MinValue));
        Assert.Equal(long.MaxValue - (long.MaxValue % spec.Length.Ticks), spec.StartOf(long.MaxValue));
        Assert.Throws<ArgumentOutOfRangeException>(() => spec.EndOf(long.MaxValue));

        // The lowest tick count that still has a representable window start.
        var lowest = long.MinValue - (long.MinValue % spec.Length.Ticks);
        Assert.Equal(lowest, spec.StartOf(lowest));
        Assert.Throws<ArgumentOutOfRangeException>(() => spec.StartOf(lowest - 1));
    }

    [Fact]
    public void The_first_and_the_last_windows_of_DateTimeOffset()
    {
        var spec = WindowSpec.Parse("10s");
        var last = new DateTimeOffset(9999, 12, 31, 23, 59, 50, TimeSpan.Zero);

        Assert.Equal(DateTimeOffset.MinValue, spec.StartOf(DateTimeOffset.MinValue));
        Assert.Equal(DateTimeOffset.MinValue.AddSeconds(10), spec.EndOf(DateTimeOffset.MinValue));
        Assert.Equal(last, spec.StartOf(DateTimeOffset.MaxValue));
        Assert.Equal(DateTimeOffset.MaxValue.UtcTicks + 1, spec.EndOf(DateTimeOffset.MaxValue.UtcTicks));

        // The last window ends at 10000-01-01, one tick after DateTimeOffset.MaxValue: not representable.
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => spec.EndOf(DateTimeOffset.MaxValue));
        Assert.Contains("DateTimeOffset.MaxValue", error.Message, StringComparison.Ordinal);
        Assert.Equal(last, spec.EndOf(last.AddTicks(-1)));
    }

    [Fact]
    public void Configuration_binds_it_from_text_through_its_type_converter()
    {
        var converter = TypeDescriptor.GetConverter(typeof(WindowSpec));

        Assert.True(converter.CanConvertFrom(typeof(string)));
        Assert.Equal(WindowSpec.Parse("10s"), converter.ConvertFromInvariantString("10s"));
        Assert.Equal("5m", converter.ConvertToInvariantString(WindowSpec.Parse("5m")));
        var error = Assert.Throws<FormatException>(() => converter.ConvertFromInvariantString("7s"));
        Assert.Contains("'7s'", error.Message, StringComparison.Ordinal);
    }
}
