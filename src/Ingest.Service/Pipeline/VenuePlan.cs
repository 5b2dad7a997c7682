using BitcoinVolume.Contracts;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BitcoinVolume.Ingest.Pipeline;

/// <summary>A venue ingest reads live in the multi-venue mode, with its products (canonical ids).</summary>
public sealed record PlannedVenue(string Id, IReadOnlyList<string> Products);

/// <summary>
/// Which venues ingest reads live when <c>Ingest:Source</c> is not set (or is the default <c>live</c>): every venue of
/// <see cref="Contracts.Venues.All"/> that is <see cref="VenueInfo.EnabledByDefault"/> or has
/// <c>Ingest:Venues:&lt;id&gt;:Enabled=true</c> (and not <c>false</c>), each with <c>Ingest:Venues:&lt;id&gt;:Products</c>
/// (a comma list or an array of canonical ids), else its <see cref="VenueInfo.DefaultProducts"/>, else <c>BTC-USD</c>.
/// A venue id outside the contract's list is planned only with <c>Enabled=true</c> (a venue registered by a test host or a
/// new adapter not yet in the list); without an adapter it is reported <c>unavailable: no adapter</c>.
/// Any other <c>Ingest:Source</c> (a venue's live source, replay, synthetic) is the single-source mode: no plan.
/// </summary>
public static class VenuePlan
{
    public const string Section = "Ingest:Venues";

    /// <summary>The product a venue enabled without default products reads when none is configured.</summary>
    public const string FallbackProduct = "BTC-USD";

    /// <summary>True when <c>Ingest:Source</c> asks for every enabled venue (unset, empty or <c>live</c>).</summary>
    public static bool IsMultiVenue(string? source) => string.IsNullOrWhiteSpace(source) || source.Trim() == Sources.SourceSpec.DefaultLive;

    /// <summary>The enabled venues and their products, or null in the single-source mode.</summary>
    public static IReadOnlyList<PlannedVenue>? From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (!IsMultiVenue(configuration[$"{IngestOptions.Section}:{nameof(IngestOptions.Source)}"]))
        {
            return null;
        }

        var plan = new List<PlannedVenue>();
        var extra = configuration.GetSection(Section).GetChildren()
            .Where(c => !Contracts.Venues.IsKnown(c.Key) && bool.TryParse(c["Enabled"], out var on) && on)
            .Select(c => new VenueInfo(c.Key, MarketType.Spot, c.Key, ContiguousTradeIds: false, []));
        foreach (var info in Contracts.Venues.All.Concat(extra))
        {
            var section = configuration.GetSection($"{Section}:{info.Id}");
            var enabled = section["Enabled"] is { Length: > 0 } flag
                ? bool.TryParse(flag, out var on) ? on : throw new ArgumentException($"{Section}:{info.Id}:Enabled must be true or false; got '{flag}'.")
                : info.EnabledByDefault;
            if (enabled)
            {
                var products = ProductsOf(section.GetSection("Products"));
                plan.Add(new PlannedVenue(info.Id, products.Count > 0 ? products : info.DefaultProducts.Count > 0 ? info.DefaultProducts : [FallbackProduct]));
            }
        }

        return plan;
    }

    /// <summary>The problems of a plan's settings (a product that is not canonical, an unknown venue id under the section).</summary>
    public static IEnumerable<string> Problems(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        foreach (var child in configuration.GetSection(Section).GetChildren())
        {
            if (!Contracts.Venues.IsKnown(child.Key) && !bool.TryParse(child["Enabled"], out _))
            {
                yield return $"{Section}:{child.Key}: unknown venue (set Enabled=true to read one outside the list); known: {string.Join(", ", Contracts.Venues.All.Select(v => v.Id))}";
                continue;
            }

            foreach (var product in ProductsOf(child.GetSection("Products")).Where(p => !Products.IsCanonical(p)))
            {
                yield return $"{Section}:{child.Key}:Products: '{product}' is not a canonical BASE-QUOTE product id";
            }
        }
    }

    private static List<string> ProductsOf(IConfigurationSection section)
    {
        var items = section.Value is { } list
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : section.GetChildren().Select(c => c.Value?.Trim()).OfType<string>().Where(v => v.Length > 0);
        return [.. items.Distinct(StringComparer.Ordinal)];
    }
}

/// <summary>
/// The status of each venue of the <see cref="VenuePlan"/> (one <see cref="IngestStatus"/> each, counting also into the
/// service's), for <c>/api/ingest/status</c> and the health checks <c>ingest-&lt;venue&gt;</c>. Empty in the
/// single-source mode.
/// </summary>
public sealed class IngestVenueStatuses
{
    private readonly Dictionary<string, IngestStatus> byVenue = new(StringComparer.Ordinal);

    public IngestVenueStatuses(IReadOnlyList<PlannedVenue>? plan, IngestStatus service, int unhealthyAfterFailures)
    {
        Plan = plan ?? [];
        foreach (var venue in Plan)
        {
            byVenue.Add(venue.Id, new IngestStatus(service) { Venue = venue.Id, Products = venue.Products, UnhealthyAfterFailures = unhealthyAfterFailures });
        }
    }

    /// <summary>The planned venues, in display order.</summary>
    public IReadOnlyList<PlannedVenue> Plan { get; }

    public bool IsMultiVenue => Plan.Count > 0;

    /// <summary>The venue statuses, in plan order.</summary>
    public IEnumerable<IngestStatus> All => Plan.Select(v => byVenue[v.Id]);

    public IngestStatus Of(string venue) => byVenue[venue];

    /// <summary>The health check name of a venue.</summary>
    public static string HealthCheckName(string venue) => $"ingest-{venue}";

    /// <summary>Registers one health check per planned venue.</summary>
    public static void AddHealthChecks(IHealthChecksBuilder checks, IReadOnlyList<PlannedVenue>? plan)
    {
        ArgumentNullException.ThrowIfNull(checks);
        foreach (var venue in plan ?? [])
        {
            checks.Add(new HealthCheckRegistration(HealthCheckName(venue.Id), sp => sp.GetRequiredService<IngestVenueStatuses>().Of(venue.Id), failureStatus: null, tags: null));
        }
    }
}
