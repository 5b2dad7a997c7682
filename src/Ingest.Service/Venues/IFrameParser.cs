using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;

namespace BitcoinVolume.Ingest.Venues;

/// <summary>
/// Turns one raw frame of a venue (live websocket text or a recorded line) into <see cref="Trade"/>s. The pipeline
/// (<see cref="Pipeline.FrameProcessor"/>) calls it for every frame without knowing the venue; what it gets back is a
/// <see cref="FrameResult"/>: trades (appended to the list), a heartbeat (optionally a product's latest trade id, a
/// high-water mark that reveals a gap even when no trade follows), an ignored frame, or an invalid one (dead-lettered
/// with its reason; a multi-trade frame with one bad trade keeps its good trades).
/// </summary>
/// <remarks>
/// Contract every venue's parser keeps: the trade's side is the TAKER's (the venue's own rule, in exactly one place);
/// price and size are exact <see cref="decimal"/>s parsed from the venue's text (never through <see cref="double"/>);
/// products are canonical <c>BASE-QUOTE</c> (upper case); it never throws on input, and it enforces
/// <see cref="FrameParserOptions"/> (size limit, plausible times). Not required to be thread-safe per call site, but the
/// implementations here are stateless and may be shared.
/// </remarks>
public interface IFrameParser
{
    /// <summary>Parses one frame, appending its trades to <paramref name="trades"/>.</summary>
    FrameResult Parse(ReadOnlySpan<byte> frame, List<Trade> trades);

    /// <summary>
    /// Tells the parser which canonical products its pipeline reads, once before the first frame (a parser may map a
    /// venue's alias back to the configured product: Coinbase Advanced Trade serves <c>BTC-USDC</c> as <c>BTC-USD</c>).
    /// Returns warnings for the log (e.g. two configured products the venue cannot tell apart). The default does nothing.
    /// </summary>
    IReadOnlyList<string> UseProducts(IReadOnlySet<string> products) => [];
}
