namespace BitcoinVolume.Ingest.Sources;

/// <summary>
/// One raw websocket text frame (UTF-8), where it came from (for dead-letter records and logs), and when it was
/// received (live: the socket read; replay: the recorded receive time when the recording has one; else default).
/// <see cref="Venue"/> names the venue whose frame it is when a source carries several (a cryptofeed or venue-tagged
/// recording); null = the venue the source was resolved to.
/// </summary>
public readonly record struct RawFrame(ReadOnlyMemory<byte> Data, string Origin, DateTimeOffset ReceivedAt = default, string? Venue = null)
{
    /// <summary>
    /// Set (to the cause, e.g. <c>connection_lost</c>, <c>sequence_gap</c>) on the no-data frame a live source hands on when
    /// a connection ended: not a venue frame (never parsed or recorded); the pipeline marks what the loss can mean (gap markers).
    /// </summary>
    public string? SessionEnded { get; init; }

    /// <summary>The no-data frame that says a live connection (<paramref name="origin"/>) ended with <paramref name="cause"/>.</summary>
    public static RawFrame EndOfSession(string origin, DateTimeOffset at, string cause) => new(ReadOnlyMemory<byte>.Empty, origin, at) { SessionEnded = cause };
}

/// <summary>
/// A source that carries several venues' frames (a cryptofeed recording, a venue-tagged recording of ours) and knows
/// their instruments (the recording's REST instrument lists). Ingest gives each venue its own parser, gate and
/// <see cref="Venues.SymbolMap"/> filled from <see cref="Instruments"/> before the first frame of that venue.
/// </summary>
public interface IMultiVenueSource : IFrameSource
{
    /// <summary>The venues whose frames the source carries (venue ids), known once the source is opened.</summary>
    IReadOnlyList<string> Venues { get; }

    /// <summary>Instruments per venue id, from the recording's instrument lists (empty list when it had none).</summary>
    IReadOnlyDictionary<string, IReadOnlyList<Venues.Instrument>> Instruments { get; }
}

/// <summary>A stream of raw frames: a replay file, a venue's live websocket, or a synthetic generator.</summary>
public interface IFrameSource
{
    /// <summary>What this source is, for logs.</summary>
    string Description { get; }

    IAsyncEnumerable<RawFrame> ReadFramesAsync(CancellationToken cancellationToken);
}
