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
            SourceKind.Replay => Replay(spec.Path!),
            SourceKind.Synthetic => new SyntheticSource(spec.Synthetic!, timeProvider),
            _ => Live(venues.Resolve(spec)),
        };

        // A cryptofeed-format recording (ours too) anywhere in the PATH: every venue in it (IMultiVenueSource); else the raw replay as before.
        IFrameSource Replay(string path) => CryptofeedRecordingSource.AnyRecording(ResolvableFiles(path))
            ? new CryptofeedRecordingSource(path, venues.Venues, o.Replay, timeProvider, loggers.CreateLogger<CryptofeedRecordingSource>(), o.Parser.MaxFrameBytes)
            : new ReplayFileSource(path, o.Replay, timeProvider, loggers.CreateLogger<ReplayFileSource>(), o.Parser.MaxFrameBytes);

        WebSocketFrameSource Live(VenueSource source) => new(
            source.Venue.CreateLiveFeed(source.LiveSource!), o.LiveProducts, o.Live, o.Parser.MaxFrameBytes, status, metrics, loggers.CreateLogger<WebSocketFrameSource>(), timeProvider);
    }

    /// <summary>The files of a replay PATH, or none when it names none (the replay source then fails with the clear error when read).</summary>
    private static IReadOnlyList<string> ResolvableFiles(string path)
    {
        try
        {
            return ReplayFileSource.ResolveFiles(path);
        }
        catch (FileNotFoundException)
        {
            return [];
        }
    }
}
