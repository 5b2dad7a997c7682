using BitcoinVolume.Ingest.Sources;

namespace BitcoinVolume.Ingest.Venues;

/// <summary>A source resolved to the venue that serves it.</summary>
/// <param name="Venue">The venue whose frames the source carries (its parser reads them, its history fills their gaps).</param>
/// <param name="LiveSource">For a live source, its canonical name (aliases resolved); null for replay and synthetic sources.</param>
public sealed record VenueSource(IVenue Venue, string? LiveSource);

/// <summary>
/// The registered venues (every <see cref="IVenue"/> in the container, see
/// <see cref="VenueServiceExtensions.AddIngestVenues"/>), looked up by venue id or by the source an <c>Ingest:Source</c>
/// names. Unknown names give an <see cref="ArgumentException"/> that lists what is known. Checked when built: venue ids and
/// live source names (with aliases) are unique.
/// </summary>
public sealed class VenueRegistry
{
    /// <summary>
    /// The venue whose frame format replay and synthetic sources carry: the recordings ingest makes today and the
    /// synthetic generator's frames are Coinbase frames.
    /// </summary>
    public const string RecordedFramesVenue = "coinbase";

    private readonly Dictionary<string, IVenue> byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (IVenue Venue, string Name)> bySource = new(StringComparer.Ordinal);

    public VenueRegistry(IEnumerable<IVenue> venues)
    {
        ArgumentNullException.ThrowIfNull(venues);
        Venues = [.. venues];
        foreach (var venue in Venues)
        {
            if (!byId.TryAdd(venue.Id, venue))
            {
                throw new ArgumentException($"Venue '{venue.Id}' is registered twice.", nameof(venues));
            }

            foreach (var source in venue.LiveSources)
            {
                foreach (var name in source.Aliases.Prepend(source.Name))
                {
                    if (!bySource.TryAdd(name, (venue, source.Name)))
                    {
                        throw new ArgumentException($"Live source '{name}' of venue '{venue.Id}' is already registered by venue '{bySource[name].Venue.Id}'.", nameof(venues));
                    }
                }
            }
        }

        Help = $"Ingest:Source must be {(Venues.Count == 0 ? "" : LiveSourceList() + ", ")}{SourceSpec.OtherForms}";
    }

    /// <summary>The registered venues, in registration order.</summary>
    public IReadOnlyList<IVenue> Venues { get; }

    /// <summary>What <c>Ingest:Source</c> accepts, with the registered live sources.</summary>
    public string Help { get; }

    /// <summary>The venue with this id; throws <see cref="ArgumentException"/> naming the known ones.</summary>
    public IVenue Get(string id) => byId.TryGetValue(id, out var venue)
        ? venue
        : throw new ArgumentException($"Unknown venue '{id}'; registered venues: {(byId.Count == 0 ? "none" : string.Join(", ", byId.Keys))}.", nameof(id));

    /// <summary>The venue with this id, if one is registered.</summary>
    public bool TryGet(string id, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out IVenue venue) => byId.TryGetValue(id, out venue);

    /// <summary>The venue (and canonical live source name) of a parsed <c>Ingest:Source</c>; throws <see cref="ArgumentException"/> with <see cref="Help"/> for an unknown live source.</summary>
    public VenueSource Resolve(SourceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!spec.IsLive)
        {
            return new VenueSource(Get(RecordedFramesVenue), null);
        }

        var name = spec.Name ?? SourceSpec.DefaultLive;
        return bySource.TryGetValue(name, out var found)
            ? new VenueSource(found.Venue, found.Name)
            : throw new ArgumentException($"Unknown live source '{name}'. {Help}.", nameof(spec));
    }

    /// <summary>Parses and resolves an <c>Ingest:Source</c> setting in one step.</summary>
    public (SourceSpec Spec, VenueSource Source) Resolve(string? setting)
    {
        var spec = SourceSpec.Parse(setting);
        return (spec, Resolve(spec));
    }

    private string LiveSourceList() => string.Join(", ", Venues.SelectMany(v => v.LiveSources).Select(s =>
        s.Aliases.Count == 0 ? $"'{s.Name}'" : $"{string.Join(", ", s.Aliases.Select(a => $"'{a}'"))} (= '{s.Name}')"));
}
