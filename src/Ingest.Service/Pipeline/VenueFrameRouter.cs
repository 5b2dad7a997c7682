using BitcoinVolume.Ingest.Sources;

namespace BitcoinVolume.Ingest.Pipeline;

/// <summary>
/// Routes the frames of a source that carries several venues (<see cref="IMultiVenueSource"/>) by
/// <see cref="RawFrame.Venue"/> (null = the venue the source was resolved to) to that venue's own
/// <see cref="FrameProcessor"/> (its parser, gate and symbols), created on the venue's first frame by
/// <paramref name="create"/>. Frames of a venue without an adapter (<paramref name="create"/> gives null) are skipped,
/// reported once through <paramref name="unknown"/>. Not thread-safe: one reader loop owns it.
/// </summary>
public sealed class VenueFrameRouter(string resolvedVenue, FrameProcessor resolved, Func<string, FrameProcessor?> create, Action<string> unknown)
{
    private readonly Dictionary<string, FrameProcessor?> byVenue = new(StringComparer.Ordinal) { [resolvedVenue] = resolved };

    /// <summary>The processors made so far (the resolved venue's first).</summary>
    public IReadOnlyList<FrameProcessor> Processors => [.. byVenue.Values.OfType<FrameProcessor>()];

    /// <summary>Frames skipped because their venue has no adapter.</summary>
    public long Skipped { get; private set; }

    public ValueTask ProcessAsync(RawFrame frame, CancellationToken cancellationToken)
    {
        var venue = frame.Venue ?? resolvedVenue;
        if (!byVenue.TryGetValue(venue, out var processor))
        {
            processor = create(venue);
            byVenue.Add(venue, processor);
            if (processor is null)
            {
                unknown(venue);
            }
        }

        if (processor is null)
        {
            Skipped++;
            return ValueTask.CompletedTask;
        }

        return processor.ProcessAsync(frame, cancellationToken);
    }
}
