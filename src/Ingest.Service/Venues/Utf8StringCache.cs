using System.Collections.Concurrent;
using System.Text;
using System.Text.Unicode;

namespace BitcoinVolume.Ingest.Venues;

/// <summary>
/// The strings frames repeat on every trade (product ids, symbols) made once: a UTF-8 value found here costs a hash and a
/// compare, no allocation. Bounded (<see cref="MaxEntries"/>); past the bound, or for values longer than
/// <see cref="MaxLength"/> or not valid UTF-8, a new string is made each time (as without the cache). Thread-safe.
/// </summary>
public static class Utf8StringCache
{
    /// <summary>At most this many distinct strings are kept.</summary>
    public const int MaxEntries = 16_384;

    /// <summary>Values longer than this (in bytes) are not cached.</summary>
    public const int MaxLength = 128;

    private static readonly ConcurrentDictionary<string, string> Strings = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> ByChars = Strings.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The string of <paramref name="utf8"/>; null when it is not valid UTF-8 (the caller decides what that means).</summary>
    public static string? Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxLength)
        {
            return Decode(utf8);
        }

        Span<char> chars = stackalloc char[MaxLength];
        if (Utf8.ToUtf16(utf8, chars, out _, out var written, replaceInvalidSequences: false) != System.Buffers.OperationStatus.Done)
        {
            return null;
        }

        var text = chars[..written];
        if (ByChars.TryGetValue(text, out var known))
        {
            return known;
        }

        var made = new string(text);
        return Strings.Count < MaxEntries ? Strings.GetOrAdd(made, made) : made;
    }

    private static string? Decode(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return Strict.GetString(utf8);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
