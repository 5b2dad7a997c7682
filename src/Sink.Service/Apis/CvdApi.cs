using System.ComponentModel;
using System.Reflection;
using System.Text;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Infrastructure;
using BitcoinVolume.Sink.Live;
using BitcoinVolume.Sink.Model;
using BitcoinVolume.Sink.OrderFlow;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Sink.Apis;

/// <summary>
/// Cumulative volume delta: <c>GET /api/cvd</c> (per bar buy − sell and its running sum since the anchor) and
/// <c>GET /api/cvd/stream</c> (Server-Sent Events of the bars that committed windows change). Computed from the same
/// rollups as <c>/api/volumes</c>; bad input is a 400 with problem details, a store that serves no queries answers 501.
/// </summary>
public static class CvdApi
{
    private const string AnchorDescription =
        "Where the running sum starts at zero: range (default: the first bar of [from, to)), day (00:00 UTC of each day) or week " +
        "(Monday 00:00 UTC of each ISO week). With day or week the part of the day/week before `from` is counted, and the interval must divide a day.";

    public static IEndpointRouteBuilder MapCvdApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Order flow");

        api.MapGet("/cvd", GetCvdAsync)
            .WithName("GetCvd")
            .WithSummary("Cumulative volume delta (taker buy − sell) of one product or base asset per bar")
            .WithDescription(
                "One row per bar with trades whose start is in [from, to): `deltaBase` = buy − sell base volume (equal to `net` of " +
                "/api/volumes for the same parameters, to the last digit), `cvdBase` = the running sum of `deltaBase` since the anchor; " +
                "`deltaQuote`/`cvdQuote` the same in quote volume, only when the subject has a single quote currency (else null). " +
                "Same product/asset/venue/interval/from/to rules and limits as /api/volumes.")
            .Produces<CvdBar[]>(StatusCodes.Status200OK, "application/json")
            .ProducesProblem(StatusCodes.Status501NotImplemented);

        api.MapGet("/cvd/stream", StreamCvdAsync)
            .WithName("StreamCvd")
            .WithSummary("Live cumulative volume delta of one product or base asset (Server-Sent Events)")
            .WithDescription(
                "text/event-stream. After each database commit that changes windows of the subject, `event: cvd` per changed bar and " +
                "every later bar of its anchor period (a late correction moves their running sums), `id: <bar start>`, data a CvdBar. " +
                "anchor=range needs `from` (the anchor); day and week do not. `event: resync` when the client was too slow (re-read /api/cvd).");

        return app;
    }

    public static async Task<Results<Ok<CvdBar[]>, ValidationProblem, ProblemHttpResult>> GetCvdAsync(
        [Description("Canonical product id, e.g. BTC-USD. Give product or asset, not both.")] string? product,
        [Description("Base asset, e.g. BTC: every stored product of it on the selected venues, summed. Give product or asset, not both.")] string? asset,
        [Description("One venue id, a comma-separated list, spot (default) or all, as on /api/volumes.")] string? venue,
        [Description("Bar length, as on /api/volumes (default: the base window).")] string? interval,
        [Description("Inclusive start, ISO-8601.")] string? from,
        [Description("Exclusive end, ISO-8601.")] string? to,
        [Description(AnchorDescription)] string? anchor,
        IVolumeStore store,
        ProductCatalog catalog,
        IOptions<SinkOptions> options,
        IServiceProvider services,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        if (!store.SupportsQueries)
        {
            return VolumesApi.NotImplemented(store);
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var subject = VolumesApi.ParseSubject(product, asset, venue, errors);
        var settings = options.Value;
        var barInterval = ParseInterval(interval, anchor, settings.Window, errors, out var cvdAnchor);
        var fromTime = VolumesApi.ParseTime("from", from, errors);
        var toTime = VolumesApi.ParseTime("to", to, errors);
        DateTimeOffset firstBar = default, endBar = default, readFrom = default;
        if (fromTime is { } f && toTime is { } t && barInterval is { } i)
        {
            if (f >= t)
            {
                errors["to"] = ["to must be later than from."];
            }
            else
            {
                firstBar = i.CeilingBarStart(f);
                endBar = i.CeilingBarStart(t);
                readFrom = Cvd.AnchorStart(cvdAnchor, firstBar, firstBar);
                var bars = (endBar - firstBar).Ticks / i.Length.Ticks;
                if (bars > settings.MaxRows)
                {
                    errors["to"] = [$"The range covers up to {bars} {i.Name} bars; the limit is {settings.MaxRows} (Sink:MaxRows). Narrow the range or use a longer interval."];
                }
            }
        }

        var streams = subject is null ? [] : await VolumesApi.ResolveAsync(subject, catalog, errors, cancellationToken);
        var windowRows = (endBar - readFrom).Ticks / settings.Window.Length.Ticks * 2 * Math.Max(1, streams.Count);
        if (!errors.ContainsKey("to") && windowRows > settings.MaxMinuteRows)
        {
            errors["to"] =
            [
                $"The range covers up to {windowRows} stored {settings.Window} rows to read (from the anchor start {readFrom.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}, " +
                $"{streams.Count} venue/product streams); the limit is {settings.MaxMinuteRows} (Sink:MaxMinuteRows). Narrow the range or the venues.",
            ];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid CVD query.");
        }

        var reader = services.GetRequiredService<CvdReader>();
        return TypedResults.Ok(await reader.ReadAsync(subject!, streams, barInterval!.Value, cvdAnchor, firstBar, endBar, cancellationToken));
    }

    public static async Task<Results<CvdStreamResult, ValidationProblem, ProblemHttpResult>> StreamCvdAsync(
        [Description("Canonical product id, e.g. BTC-USD. Give product or asset, not both.")] string? product,
        [Description("Base asset, e.g. BTC. Give product or asset, not both.")] string? asset,
        [Description("One venue id, a comma-separated list, spot (default) or all.")] string? venue,
        [Description("Bar length, as on /api/volumes (default: the base window).")] string? interval,
        [Description("The anchor of anchor=range (required with it), ISO-8601; bars before it are not sent.")] string? from,
        [Description(AnchorDescription)] string? anchor,
        IVolumeStore store,
        ProductCatalog catalog,
        VolumeUpdateHub hub,
        IOptions<SinkOptions> options,
        IServiceProvider services,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        if (!store.SupportsQueries)
        {
            return VolumesApi.NotImplemented(store);
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var subject = VolumesApi.ParseSubject(product, asset, venue, errors);
        var settings = options.Value;
        var barInterval = ParseInterval(interval, anchor, settings.Window, errors, out var cvdAnchor);
        DateTimeOffset rangeStart = default;
        if (cvdAnchor == CvdAnchor.Range || from is not null)
        {
            rangeStart = VolumesApi.ParseTime("from", from, errors) is { } f && barInterval is { } i ? i.CeilingBarStart(f) : default;
        }

        if (subject is not null)
        {
            await VolumesApi.ResolveAsync(subject, catalog, errors, cancellationToken);
        }

        if (errors.Count > 0 || subject is null)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid CVD stream request.");
        }

        var tracker = new CvdTracker(
            services.GetRequiredService<CvdReader>(),
            subject,
            async token => [.. (await catalog.GetStreamsAsync(token)).Where(s => subject.Matches(s.Venue, s.Product))],
            barInterval!.Value,
            cvdAnchor,
            rangeStart);
        return new CvdStreamResult(
            hub, $"CVD of {subject} ({barInterval.Value.Name}, anchor={Cvd.Name(cvdAnchor)})", subject.Matches, tracker, barInterval.Value,
            settings.StreamClientBuffer, TimeSpan.FromSeconds(settings.StreamHeartbeatSeconds));
    }

    private static VolumeInterval? ParseInterval(
        string? interval, string? anchor, WindowSpec window, Dictionary<string, string[]> errors, out CvdAnchor cvdAnchor)
    {
        if (!Cvd.TryParseAnchor(anchor, out cvdAnchor))
        {
            errors["anchor"] = [$"anchor '{anchor}' is not supported; use {Cvd.AnchorSyntax}."];
        }

        if (!VolumeInterval.TryParse(interval, window, out var barInterval))
        {
            errors["interval"] = [$"interval '{interval}' is not supported; use {VolumeInterval.SyntaxFor(window)}."];
            return null;
        }

        if (!errors.ContainsKey("anchor") && !Cvd.Fits(cvdAnchor, barInterval))
        {
            errors["interval"] = [$"interval '{barInterval.Name}' does not divide a day, so its bars would straddle a {Cvd.Name(cvdAnchor)} start; use one that does (e.g. 1m, 5m, 1h, 4h, 1d) or anchor=range."];
            return null;
        }

        return barInterval;
    }
}

/// <summary>
/// <c>/api/cvd/stream</c>: per group of committed windows of the subject, <c>event: cvd</c> for each CVD bar they change
/// (<see cref="CvdTracker"/>), <c>id</c> the bar start.
/// </summary>
public sealed class CvdStreamResult : ServerSentEventsResult<WindowVolume>, IEndpointMetadataProvider
{
    private readonly VolumeUpdateHub hub;
    private readonly Func<WindowVolume, bool> filter;
    private readonly CvdTracker tracker;
    private readonly VolumeInterval interval;
    private readonly int buffer;

    internal CvdStreamResult(
        VolumeUpdateHub hub, string description, Func<WindowVolume, bool> filter, CvdTracker tracker, VolumeInterval interval, int buffer, TimeSpan heartbeat)
        : base(description, heartbeat)
    {
        this.hub = hub;
        this.filter = filter;
        this.tracker = tracker;
        this.interval = interval;
        this.buffer = buffer;
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(CvdBar), ["text/event-stream"]));
    }

    protected override UpdateSubscription<WindowVolume> Subscribe() => hub.Subscribe(Description, filter, buffer);

    protected override async ValueTask AppendAsync(StringBuilder text, IReadOnlyList<WindowVolume> updates, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(updates);
        foreach (var bar in await tracker.UpdateAsync(updates.Select(w => interval.BarStart(w.WindowStart)), token))
        {
            text.Append("id: ").Append(bar.Start.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
            text.Append("event: cvd\ndata: ").Append(JsonSerializer.Serialize(bar, SinkJsonContext.Default.CvdBar)).Append("\n\n");
        }
    }
}
