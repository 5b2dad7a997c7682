using System.Buffers.Text;
using System.Text.Json;

namespace BitcoinVolume.Contracts;

/// <summary>
/// Writes decimals as JSON numbers byte for byte as <see cref="Utf8JsonWriter.WriteNumber(JsonEncodedText, decimal)"/>
/// does (the general format: every digit of the value's scale, trailing zeros kept, no exponent), but through a 64-bit
/// integer where the value's digits fit one (prices and sizes do, and most notionals): the record writers' hot path spent most
/// of its time in the general decimal formatter. Values that do not fit (and negative zero) take the framework's formatter.
/// </summary>
public static class Utf8Decimal
{
    /// <summary>Longest output: 29 digits, a sign, a point and "0." padding for scale 28.</summary>
    public const int MaxLength = 64;

    /// <summary>Writes property <paramref name="name"/> with <paramref name="value"/> as a JSON number.</summary>
    public static void WriteNumber(Utf8JsonWriter json, JsonEncodedText name, decimal value)
    {
        ArgumentNullException.ThrowIfNull(json);
        Span<byte> buffer = stackalloc byte[MaxLength];
        json.WritePropertyName(name);
        json.WriteRawValue(buffer[..Format(value, buffer)], skipInputValidation: true);
    }

    /// <summary>Formats <paramref name="value"/> into <paramref name="destination"/> (at least <see cref="MaxLength"/> bytes); returns the bytes written.</summary>
    public static int Format(decimal value, Span<byte> destination)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var negative = bits[3] < 0;
        var mantissa = ((ulong)(uint)bits[1] << 32) | (uint)bits[0];
        if (bits[2] != 0 || (negative && mantissa == 0))
        {
            return Utf8Formatter.TryFormat(value, destination, out var written) ? written : throw new ArgumentException("The destination is too short.", nameof(destination));
        }

        var scale = (bits[3] >> 16) & 0xFF;
        var count = DigitCount(mantissa);
        var position = negative ? 1 : 0;
        if (negative)
        {
            destination[0] = (byte)'-';
        }

        // Digits right to left, with the point after the whole part ("0." and zeros in front when there is none).
        var length = position + (scale == 0 ? count : count > scale ? count + 1 : scale + 2);
        var end = length;
        for (var i = 0; i < Math.Max(count, scale); i++)
        {
            if (i == scale && scale > 0)
            {
                destination[--end] = (byte)'.';
            }

            destination[--end] = (byte)('0' + (int)(mantissa % 10));
            mantissa /= 10;
        }

        if (count <= scale && scale > 0)
        {
            destination[--end] = (byte)'.';
            destination[--end] = (byte)'0';
        }

        return length;
    }

    private static int DigitCount(ulong value)
    {
        var count = 1;
        while (value >= 10)
        {
            value /= 10;
            count++;
        }

        return count;
    }
}
