using System.Buffers.Text;
using System.Text.Json;

namespace BitcoinVolume.Contracts;

/// <summary>
/// Writes decimals as JSON numbers byte for byte as <see cref="Utf8JsonWriter.WriteNumber(JsonEncodedText, decimal)"/>
/// does (the general format: every digit of the value's scale, trailing zeros kept, no exponent), but through a 64-bit
/// integer where the value fits one (prices, sizes and notionals always do): the record writers' hot path spent most of its
/// time in the general decimal formatter. Values that do not fit (and negative zero) take the framework's formatter.
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
        var position = 0;
        if (negative)
        {
            destination[position++] = (byte)'-';
        }

        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(mantissa, digits, out var count);
        if (scale == 0)
        {
            digits[..count].CopyTo(destination[position..]);
            return position + count;
        }

        if (count > scale)
        {
            var whole = count - scale;
            digits[..whole].CopyTo(destination[position..]);
            position += whole;
            destination[position++] = (byte)'.';
            digits[whole..count].CopyTo(destination[position..]);
            return position + scale;
        }

        destination[position++] = (byte)'0';
        destination[position++] = (byte)'.';
        destination.Slice(position, scale - count).Fill((byte)'0');
        position += scale - count;
        digits[..count].CopyTo(destination[position..]);
        return position + count;
    }
}
