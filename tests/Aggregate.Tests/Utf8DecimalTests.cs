using System.Buffers.Text;
using System.Text;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Aggregate.Tests;

/// <summary>
/// The record writers' decimal formatter (<see cref="Utf8Decimal"/>) against the framework's (what
/// <see cref="System.Text.Json.Utf8JsonWriter"/> writes for a decimal): the same bytes for every scale, sign and size,
/// including the values that take the framework's path (beyond 64 bits, negative zero).
/// </summary>
public class Utf8DecimalTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("0.00")]
    [InlineData("1")]
    [InlineData("-1")]
    [InlineData("0.00000001")]
    [InlineData("-0.5")]
    [InlineData("64000.10")]
    [InlineData("18446744073709551615")]
    [InlineData("18446744073709551616")]
    [InlineData("0.18446744073709551615")]
    [InlineData("79228162514264337593543950335")]
    [InlineData("-79228162514264337593543950335")]
    [InlineData("0.0000000000000000000000000001")]
    [InlineData("7.9228162514264337593543950335")]
    public void Writes_what_the_framework_writes(string text)
    {
        AssertSame(decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Negative_zero_of_any_scale_is_written_as_the_framework_writes_it()
    {
        for (byte scale = 0; scale <= 28; scale++)
        {
            AssertSame(new decimal(0, 0, 0, true, scale));
            AssertSame(new decimal(0, 0, 0, false, scale));
        }
    }

    [Fact]
    public void Random_values_of_every_scale_are_written_as_the_framework_writes_them()
    {
        var random = new Random(16);
        for (var i = 0; i < 20_000; i++)
        {
            var lo = random.Next();
            var mid = random.Next(4) == 0 ? 0 : random.Next();
            var hi = random.Next(3) == 0 ? random.Next() : 0;
            AssertSame(new decimal(lo, mid, hi, random.Next(2) == 0, (byte)random.Next(29)));
        }
    }

    private static void AssertSame(decimal value)
    {
        Span<byte> expected = stackalloc byte[Utf8Decimal.MaxLength];
        Assert.True(Utf8Formatter.TryFormat(value, expected, out var length));
        Span<byte> actual = stackalloc byte[Utf8Decimal.MaxLength];
        var written = Utf8Decimal.Format(value, actual);
        Assert.Equal(Encoding.UTF8.GetString(expected[..length]), Encoding.UTF8.GetString(actual[..written]));
    }
}
