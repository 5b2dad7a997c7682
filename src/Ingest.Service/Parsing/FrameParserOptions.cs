using System.ComponentModel.DataAnnotations;

namespace BitcoinVolume.Ingest.Parsing;

/// <summary>Limits the parser enforces on input.</summary>
public sealed class FrameParserOptions
{
    /// <summary>
    /// Frames larger than this are dead-lettered as <see cref="DeadLetterReasons.OversizedFrame"/>. 10 MiB by default:
    /// Coinbase's own SDK's limit (a snapshot can be large); the websocket reader keeps at most this plus one byte.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int MaxFrameBytes { get; set; } = DefaultMaxFrameBytes;

    /// <summary>The default of <see cref="MaxFrameBytes"/>: 10 MiB.</summary>
    public const int DefaultMaxFrameBytes = 10 * 1024 * 1024;

    /// <summary>Trades timed before this are absurd (Coinbase opened in 2012).</summary>
    public DateTimeOffset EarliestTradeTime { get; set; } = new(2012, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Trades timed further than this ahead of the wall clock are absurd.</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromDays(1);
}
