using System.ComponentModel;
using System.Globalization;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Footprint;
using BitcoinVolume.Sink.Infrastructure;
using BitcoinVolume.Sink.Model;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Sink.Apis;

/// <summary>
/// Volume at price: <c>GET /api/footprint</c>, bars of one (venue, product) rolled up from the stored footprint windows
/// (<c>footprint</c> table) at any multiple of the stored tick, with point of control, value area and diagonal
/// imbalances. Bad input is a 400 with problem details; a store that serves no queries (BigQuery) answers 501.
/// </summary>
public static class FootprintApi
{
    public static IEndpointRouteBuilder MapFootprintApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api").WithTags("Order flow").MapGet("/footprint", GetFootprintAsync)
            .WithName("GetFootprint")
            .WithSummary("Volume at price (footprint) of one product on one venue per bar")
            .WithDescription(
                "One bar per interval with trades whose start is in [from, to): `levels` ascending by price, each trades in [price, price + tick) " +
                "with buy/sell (taker) base volume and trade counts, `buyImbalance` (buyBase ≥ Sink:Footprint:ImbalanceRatio × sellBase one tick below) " +
                "and `sellImbalance` (sellBase ≥ ratio × buyBase one tick above); `poc` the level with the largest volume (ties: lowest price); " +
                "`valueAreaLow`/`valueAreaHigh` the lowest/highest level of the 70 % value area grown from the POC (docs/SINK.md). `tick` " +
                "(default: the stored tick) must be a whole multiple of the stored tick; `interval` as on /api/volumes.")
            .Produces<FootprintBar[]>(StatusCodes.Status200OK, "application/json")
            .ProducesProblem(StatusCodes.Status501NotImplemented);
        return app;
    }

    public static async Task<Results<Ok<FootprintBar[]>, ValidationProblem, ProblemHttpResult>> GetFootprintAsync(
        [Description("Canonical product id, e.g. BTC-USD (see /api/products).")] string? product,
        [Description("One venue id, e.g. coinbase. Default: coinbase when it has the product, else the only venue that has it.")] string? venue,
        [Description("Bar length, as on /api/volumes (default: the base window).")] string? interval,
        [Description("Inclusive start, ISO-8601.")] string? from,
        [Description("Exclusive end, ISO-8601.")] string? to,
        [Description("Price step of the levels: a whole multiple of the stored tick (e.g. 10, 50, 100 for BTC-USD). Default: the stored tick.")] string? tick,
        IVolumeStore store,
        ProductCatalog catalog,
        IOptions<SinkOptions> options,
        IOptions<FootprintOptions> footprintOptions,
        IServiceProvider services,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(footprintOptions);
        if (!store.SupportsQueries || services.GetService<IFootprintStore>() is not { } footprints)
        {
            return VolumesApi.NotImplemented(store);
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var settings = options.Value;
        var limits = footprintOptions.Value;
        var productId = product?.Trim();
        if (string.IsNullOrEmpty(productId))
        {
            errors["product"] = ["product is required: one canonical product id such as BTC-USD (see /api/products)."];
        }

        var venueId = venue?.Trim();
        if (venueId is { Length: > 0 } && !VenueIds.IsWellFormed(venueId))
        {
            errors["venue"] = [$"venue '{venue}' is not one venue id (e.g. coinbase); the footprint is per venue (see /api/venues)."];
        }

        if (!VolumeInterval.TryParse(interval, settings.Window, out var barInterval))
        {
            errors["interval"] = [$"interval '{interval}' is not supported; use {VolumeInterval.SyntaxFor(settings.Window)}."];
        }

        decimal? requestedTick = null;
        if (tick is { Length: > 0 })
        {
            if (decimal.TryParse(tick.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var parsed) && parsed > 0)
            {
                requestedTick = parsed;
            }
            else
            {
                errors["tick"] = [$"tick '{tick}' is not a positive decimal price step such as 10 or 0.5."];
            }
        }

        var fromTime = VolumesApi.ParseTime("from", from, errors);
        var toTime = VolumesApi.ParseTime("to", to, errors);
        DateTimeOffset firstBar = default, endBar = default;
        if (fromTime is { } f && toTime is { } t && !errors.ContainsKey("interval"))
        {
            firstBar = barInterval.CeilingBarStart(f);
            endBar = barInterval.CeilingBarStart(t);
            var bars = (endBar - firstBar).Ticks / barInterval.Length.Ticks;
            var windows = (endBar - firstBar).Ticks / settings.Window.Length.Ticks;
            if (f >= t)
            {
                errors["to"] = ["to must be later than from."];
            }
            else if (bars > settings.MaxRows)
            {
                errors["to"] = [$"The range covers up to {bars} {barInterval.Name} bars; the limit is {settings.MaxRows} (Sink:MaxRows). Narrow the range or use a longer interval."];
            }
            else if (windows > limits.MaxWindows)
            {
                errors["to"] = [$"The range covers up to {windows} stored {settings.Window} footprint windows; the limit is {limits.MaxWindows} (Sink:Footprint:MaxWindows). Narrow the range."];
            }
        }

        if (productId is { Length: > 0 } && !errors.ContainsKey("venue"))
        {
            venueId = await ResolveVenueAsync(productId, venueId, catalog, errors, cancellationToken);
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid footprint query.");
        }

        var stored = await footprints.ReadAsync(venueId!, productId!, firstBar, endBar, cancellationToken);
        var storedTicks = stored.Select(w => w.Tick).Distinct().Order().ToArray();
        var barTick = requestedTick ?? (storedTicks.Length > 0 ? storedTicks[^1] : 1m);
        if (storedTicks.FirstOrDefault(s => decimal.Remainder(barTick, s) != 0) is var bad && bad != 0)
        {
            errors["tick"] =
            [
                $"tick {barTick.ToString(CultureInfo.InvariantCulture)} is not a whole multiple of the stored tick {bad.ToString(CultureInfo.InvariantCulture)} " +
                $"of {venueId} {productId} (Aggregate:Footprint:Ticks); use a multiple of it, e.g. {(bad * 5).ToString(CultureInfo.InvariantCulture)}.",
            ];
            return TypedResults.ValidationProblem(errors, title: "Invalid footprint query.");
        }

        return TypedResults.Ok(FootprintRollup.Bars(stored, barInterval, barTick, limits.ImbalanceRatio));
    }

    /// <summary>The venue given, else coinbase when it has the product, else the only venue with the product (errors otherwise).</summary>
    private static async Task<string?> ResolveVenueAsync(
        string product, string? venue, ProductCatalog catalog, Dictionary<string, string[]> errors, CancellationToken cancellationToken)
    {
        var venues = (await catalog.GetStreamsAsync(cancellationToken)).Where(s => s.Product == product).Select(s => s.Venue).Distinct().Order(StringComparer.Ordinal).ToArray();
        if (venues.Length == 0)
        {
            errors["product"] = [$"product '{product}' has no stored volumes; see /api/products."];
            return null;
        }

        if (venue is { Length: > 0 })
        {
            if (!venues.Contains(venue, StringComparer.Ordinal))
            {
                errors["venue"] = [$"venue '{venue}' has no stored volumes of {product}; it is on {string.Join(", ", venues)}."];
            }

            return venue;
        }

        if (venues.Contains(Venues.Coinbase, StringComparer.Ordinal) || venues.Length == 1)
        {
            return venues.Contains(Venues.Coinbase, StringComparer.Ordinal) ? Venues.Coinbase : venues[0];
        }

        errors["venue"] = [$"{product} is on several venues ({string.Join(", ", venues)}): give one venue id."];
        return null;
    }
}
