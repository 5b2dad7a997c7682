using BitcoinVolume.Ingest.Live;
using BitcoinVolume.Ingest.Venues;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Ingest.Sources;

/// <summary>Creates the source an <c>Ingest:Source</c> names; a live source is the shared websocket reader over the feed its venue gives.</summary>
public sealed class FrameSourceFactory(
    IOptions<IngestOptions> options,
    VenueRegistry venues,
    IngestStatus status,
    IngestMetrics metrics,
    ILoggerFactory loggers,
    TimeProvider timeProvider)
{
    public IFrameSource Create(SourceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var o = options.Value;
        return spec.Kind switch
        {
            SourceKind.Replay => new ReplayFileSource(spec.Path!, o.Replay, timeProvider, loggers.CreateLogger<ReplayFileSource>(), o.Parser.MaxFrameBytes),
            SourceKind.Synthetic => new SyntheticSource(spec.Synthetic!, timeProvider),
            _ => Live(venues.Resolve(spec)),
        };

        WebSocketFrameSource Live(VenueSource source) => new(
            source.Venue.CreateLiveFeed(source.LiveSource!), o.LiveProducts, o.Live, o.Parser.MaxFrameBytes, status, metrics, loggers.CreateLogger<WebSocketFrameSource>(), timeProvider);
    }
}
