namespace BitcoinVolume.Ingest.Sources;

/// <summary>
/// One raw websocket text frame (UTF-8), where it came from (for dead-letter records and logs), and when it was
/// received (live: the socket read; replay: the recorded receive time when the recording has one; else default).
/// </summary>
public readonly record struct RawFrame(ReadOnlyMemory<byte> Data, string Origin, DateTimeOffset ReceivedAt = default);

/// <summary>A stream of raw frames: a replay file, a venue's live websocket, or a synthetic generator.</summary>
public interface IFrameSource
{
    /// <summary>What this source is, for logs.</summary>
    string Description { get; }

    IAsyncEnumerable<RawFrame> ReadFramesAsync(CancellationToken cancellationToken);
}
