using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;

namespace BitcoinVolume.Ingest.Venues;

/// <summary>The parse of one frame by a venue parser, after the shared guards (see <see cref="FrameParsing.Guarded"/>).</summary>
/// <param name="frame">The frame, at most <see cref="FrameParserOptions.MaxFrameBytes"/> long.</param>
/// <param name="trades">Where its trades go.</param>
/// <param name="start">How many trades the list held before this frame.</param>
public delegate FrameResult FrameParse(ReadOnlySpan<byte> frame, List<Trade> trades, int start);

/// <summary>What every venue's <see cref="IFrameParser"/> does the same way around its own reading of a frame.</summary>
public static class FrameParsing
{
    /// <summary>
    /// Runs <paramref name="parse"/> with the guards of the <see cref="IFrameParser"/> contract: an oversized frame is
    /// refused unread; a JSON error (<see cref="Utf8JsonReader"/> throws <see cref="InvalidOperationException"/> for a token
    /// of an unexpected kind) or a number that does not parse or fit (<see cref="FormatException"/>, <see cref="OverflowException"/>) becomes <see cref="DeadLetterReasons.MalformedJson"/> and drops the frame's trades; a result
    /// that is not trades and kept none drops any it appended.
    /// </summary>
    public static FrameResult Guarded(ReadOnlySpan<byte> frame, List<Trade> trades, FrameParserOptions options, FrameParse parse)
    {
        ArgumentNullException.ThrowIfNull(trades);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(parse);
        if (frame.Length > options.MaxFrameBytes)
        {
            return FrameResult.Invalid(DeadLetterReasons.OversizedFrame, $"frame of {frame.Length} bytes exceeds {options.MaxFrameBytes}");
        }

        var start = trades.Count;
        try
        {
            var result = parse(frame, trades, start);
            if (result.Kind != FrameKind.Trades && result.Trades == 0)
            {
                trades.RemoveRange(start, trades.Count - start);
            }

            return result;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or OverflowException)
        {
            trades.RemoveRange(start, trades.Count - start);
            return FrameResult.Invalid(DeadLetterReasons.MalformedJson, e.Message);
        }
    }

    /// <summary>A millisecond Unix time as a trade time, when it is plausible (<see cref="FrameParserOptions"/>); else the invalid result.</summary>
    public static bool TryTradeTime(long unixMs, FrameParserOptions options, TimeProvider clock, out DateTimeOffset time, out FrameResult invalid)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clock);
        invalid = default;
        time = default;
        if (unixMs is < 0 or > 253402300799999)
        {
            invalid = FrameResult.Invalid(DeadLetterReasons.InvalidTime, $"{unixMs} is not a millisecond timestamp");
            return false;
        }

        time = DateTimeOffset.FromUnixTimeMilliseconds(unixMs);
        if (time < options.EarliestTradeTime || time > clock.GetUtcNow() + options.MaxClockSkew)
        {
            invalid = FrameResult.Invalid(DeadLetterReasons.AbsurdTime, $"time {time:O} is outside the plausible range");
            return false;
        }

        return true;
    }

    /// <summary>
    /// As <see cref="ReadString"/>, for a value frames repeat (a product id): an unescaped value comes from
    /// <see cref="Utf8StringCache"/> without allocating; an escaped one (or one the cache does not take) is read as before.
    /// </summary>
    public static string? ReadRepeatedString(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return (!reader.ValueIsEscaped && !reader.HasValueSequence ? Utf8StringCache.Get(reader.ValueSpan) : null) ?? reader.GetString();
        }

        reader.Skip();
        return null;
    }

    /// <summary>Reads the value of the property the reader is on: its text when it is a JSON string, else null (the value is skipped).</summary>
    public static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }
}
