using BitcoinVolume.Ingest.Live;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Ingest.Sources;

/// <summary>Creates the source an <c>Ingest:Source</c> names.</summary>
public sealed class FrameSourceFactory(IOptions<IngestOptions> options, IngestStatus status, IngestMetrics metrics, ILoggerFactory loggers, TimeProvider timeProvider)
{
    public IFrameSource Create(SourceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var o = options.Value;
        return spec.Kind switch
        {
            SourceKind.Replay => new ReplayFileSource(spec.Path!, o.Replay, timeProvider, loggers.CreateLogger<ReplayFileSource>(), o.Parser.MaxFrameBytes),
            SourceKind.Synthetic => new SyntheticSource(spec.Synthetic!, timeProvider),
            SourceKind.CoinbaseAdvancedTrade => Live(CoinbaseFeed.AdvancedTrade),
            _ => Live(CoinbaseFeed.Exchange),
        };

        CoinbaseWebSocketSource Live(CoinbaseFeed feed) => new(
            feed, o.LiveProducts, o.Live, o.Parser.MaxFrameBytes, status, metrics, loggers.CreateLogger<CoinbaseWebSocketSource>(), timeProvider);
    }
}
