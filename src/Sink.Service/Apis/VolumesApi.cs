using System.ComponentModel;
using System.Globalization;
using System.Text;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Infrastructure;
using BitcoinVolume.Sink.Live;
using BitcoinVolume.Sink.Model;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Sink.Apis;

/// <summary>
/// The HTTP API over the stored volumes: <c>GET /api/volumes</c> (JSON or CSV, any interval), <c>GET /api/products</c> and
/// <c>GET /api/volumes/stream</c> (Server-Sent Events), <c>GET /api/volumes/extent</c> and <c>GET /api/config</c> (the base
/// window). Bad input is a 400 with problem details; a store that serves no
/// queries (BigQuery) answers 501.
/// </summary>
public static class VolumesApi
{
    /// <summary>Earliest and latest accepted times: keeps bar arithmetic far from <see cref="DateTimeOffset"/>'s limits.</summary>
    private static readonly DateTimeOffset MinTime = DateTimeOffset.UnixEpoch;

    private static readonly DateTimeOffset MaxTime = new(9000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    // ISO-8601 only (no culture-dependent forms). A time without offset is UTC.
    private static readonly string[] TimeFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd",
    ];

    public static IEndpointRouteBuilder MapVolumesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Volumes");

        api.MapGet("/volumes", GetVolumesAsync)
            .WithName("GetVolumes")
            .WithSummary("Buy and sell (taker) volume of one product per time bar")
            .WithDescription(
                "One row per (bar, side) that has trades, for bars whose start is in [from, to), ordered by start, then side " +
                "(buy first); each bar is complete (all its base windows), even when it ends after `to`. Bars are rolled up from the " +
                "stored base windows (Sink:Window, 1m by default; see /api/config): counts and volumes add up, vwap = quoteVolume / baseVolume, " +
                "open/close come from the first/last window, high/low are the extremes. `net` (buy − sell base volume) and `imbalance` " +
                "((buy − sell) / (buy + sell)) describe the whole bar and repeat on its buy and sell rows. Times are ISO-8601 UTC; " +
                "decimals are exact (JSON numbers, or plain text in CSV).")
            .Produces<VolumeBar[]>(StatusCodes.Status200OK, "application/json", "text/csv")
            .ProducesProblem(StatusCodes.Status501NotImplemented);

        api.MapGet("/volumes/stream", StreamVolumesAsync)
            .WithName("StreamVolumes")
            .WithSummary("Live base windows (1-minute by default) of one product (Server-Sent Events)")
            .WithDescription(
                "text/event-stream. Each window committed to the database is pushed as `event: volume` with `id: <product>|<side>|<start>#<version>` " +
                "and the window as JSON data (a bar of one base window plus `version` and `final`). A client too slow to keep up gets `event: resync` " +
                "(re-read with /api/volumes). A comment line is sent every Sink:StreamHeartbeatSeconds when idle.");

        api.MapGet("/volumes/extent", GetExtentAsync)
            .WithName("GetVolumeExtent")
            .WithSummary("First and last stored window of one product")
            .WithDescription("Start times (ISO-8601 UTC) of the earliest and the latest stored base window: where to point a chart.")
            .ProducesProblem(StatusCodes.Status501NotImplemented);

        api.MapGet("/config", GetConfig)
            .WithName("GetConfig")
            .WithSummary("The base window of the stored volumes and the bar intervals offered with it")
            .WithDescription(
                "`window`: the base window (Sink:Window, e.g. 1m or 10s), the resolution of the stored rows and the default " +
                "interval; `windowSeconds`: its length; `intervals`: the usual intervals that are whole multiples of it (the " +
                "base window first). Any whole multiple of the base window is a valid `interval`.");

        api.MapGet("/products", GetProductsAsync)
            .WithName("GetProducts")
            .WithSummary("Product ids that have stored volumes")
            .ProducesProblem(StatusCodes.Status501NotImplemented);

        return app;
    }

    public static async Task<Results<Ok<VolumeBar[]>, PushStreamHttpResult, ValidationProblem, ProblemHttpResult>> GetVolumesAsync(
        [Description("Product id with stored volumes, e.g. BTC-USD (see /api/products).")] string? product,
        [Description("Bar length: a whole multiple of the base window (Sink:Window, default 1m, which is also the default interval): 1m, 5m, 15m, 1h, 4h, 1d, or any whole number of minutes as <N>m, <N>h, <N>d or a bare <N> (minutes), e.g. 7m; <N>s too when the base window is shorter than a minute, e.g. 10s.")] string? interval,
        [Description("Inclusive start, ISO-8601, e.g. 2026-08-09T21:04:00Z (no offset means UTC).")] string? from,
        [Description("Exclusive end, ISO-8601, e.g. 2026-08-09T21:07:00Z.")] string? to,
        [Description("json (default) or csv.")] string? format,
        IVolumeStore store,
        ProductCatalog catalog,
        IOptions<SinkOptions> options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        if (!store.SupportsQueries)
        {
            return NotImplemented(store);
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var productId = product?.Trim();
        if (string.IsNullOrEmpty(productId))
        {
            errors["product"] = ["product is required, e.g. product=BTC-USD."];
        }

        var settings = options.Value;
        var window = settings.Window;
        if (!VolumeInterval.TryParse(interval, window, out var barInterval))
        {
            errors["interval"] = [$"interval '{interval}' is not supported; use {VolumeInterval.SyntaxFor(window)}."];
        }

        var csv = false;
        switch (format)
        {
            case null or "json":
                break;
            case "csv":
                csv = true;
                break;
            default:
                errors["format"] = [$"format '{format}' is not supported; use json (default) or csv."];
                break;
        }

        var fromTime = ParseTime("from", from, errors);
        var toTime = ParseTime("to", to, errors);
        DateTimeOffset firstBar = default, endBar = default;
        if (fromTime is { } f && toTime is { } t && !errors.ContainsKey("interval"))
        {
            if (f >= t)
            {
                errors["to"] = ["to must be later than from."];
            }
            else
            {
                // Bars whose start is in [from, to), each complete: base windows [firstBar, endBar).
                firstBar = barInterval.CeilingBarStart(f);
                endBar = barInterval.CeilingBarStart(t);
                var bars = (endBar - firstBar).Ticks / barInterval.Length.Ticks;
                var rows = bars * 2;
                var windowRows = (endBar - firstBar).Ticks / window.Length.Ticks * 2;
                if (rows > settings.MaxRows)
                {
                    errors["to"] =
                    [
                        $"The range covers up to {rows} rows ({bars} {barInterval.Name} bars x 2 sides); the limit is {settings.MaxRows}. " +
                        "Narrow the range or use a longer interval.",
                    ];
                }
                else if (windowRows > settings.MaxMinuteRows)
                {
                    errors["to"] =
                    [
                        $"The range covers up to {windowRows} stored {window} rows to roll up; the limit is {settings.MaxMinuteRows} (Sink:MaxMinuteRows). Narrow the range.",
                    ];
                }
            }
        }

        if (!string.IsNullOrEmpty(productId) && !await catalog.IsKnownAsync(productId, cancellationToken))
        {
            errors["product"] = [$"product '{productId}' has no stored volumes; see /api/products."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid volume query.");
        }

        var windowRowsRead = firstBar < endBar
            ? await store.GetWindowRowsAsync(productId!, firstBar, endBar, cancellationToken)
            : [];
        var result = VolumeRollup.Roll(windowRowsRead, barInterval, window);
        return csv
            ? TypedResults.Stream(stream => WriteCsvAsync(stream, result, cancellationToken), "text/csv; charset=utf-8")
            : TypedResults.Ok(result);
    }

    /// <summary>The base window and the intervals the dashboard offers (no store access: works with every store).</summary>
    public static Ok<SinkConfig> GetConfig(IOptions<SinkOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var window = options.Value.Window;
        return TypedResults.Ok(new SinkConfig(
            window.ToString(), window.Length.Ticks / TimeSpan.TicksPerSecond, [.. VolumeInterval.CommonFor(window).Select(i => i.Name)]));
    }

    public static async Task<Results<Ok<string[]>, ProblemHttpResult>> GetProductsAsync(IVolumeStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (!store.SupportsQueries)
        {
            return NotImplemented(store);
        }

        var products = await store.GetProductsAsync(cancellationToken);
        return TypedResults.Ok(products.ToArray());
    }

    public static async Task<Results<Ok<VolumeExtent>, ValidationProblem, ProblemHttpResult>> GetExtentAsync(
        [Description("Product id, e.g. BTC-USD.")] string? product,
        IVolumeStore store,
        ProductCatalog catalog,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(catalog);
        if (!store.SupportsQueries)
        {
            return NotImplemented(store);
        }

        var productId = product?.Trim();
        if (string.IsNullOrEmpty(productId) || !await catalog.IsKnownAsync(productId, cancellationToken)
            || await store.GetExtentAsync(productId, cancellationToken) is not { } extent)
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]>
                {
                    ["product"] = [string.IsNullOrEmpty(productId) ? "product is required, e.g. product=BTC-USD." : $"product '{productId}' has no stored volumes; see /api/products."],
                },
                title: "Invalid extent request.");
        }

        return TypedResults.Ok(new VolumeExtent(productId, extent.First.UtcDateTime, extent.Last.UtcDateTime));
    }

    public static async Task<Results<VolumeStreamResult, ValidationProblem>> StreamVolumesAsync(
        [Description("Product id, e.g. BTC-USD.")] string? product,
        IVolumeStore store,
        ProductCatalog catalog,
        VolumeUpdateHub hub,
        IOptions<SinkOptions> options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        var productId = product?.Trim();
        if (string.IsNullOrEmpty(productId))
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["product"] = ["product is required, e.g. product=BTC-USD."] }, title: "Invalid stream request.");
        }

        // A write-only store (BigQuery) cannot say which products exist: any product id may be followed.
        if (store.SupportsQueries && !await catalog.IsKnownAsync(productId, cancellationToken))
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["product"] = [$"product '{productId}' has no stored volumes; see /api/products."] },
                title: "Invalid stream request.");
        }

        var settings = options.Value;
        return new VolumeStreamResult(hub, productId, settings.StreamClientBuffer, TimeSpan.FromSeconds(settings.StreamHeartbeatSeconds), settings.Window);
    }

    private static ProblemHttpResult NotImplemented(IVolumeStore store) => TypedResults.Problem(
        statusCode: StatusCodes.Status501NotImplemented,
        title: "Queries are not served by this store.",
        detail: $"Sink:Store is {store.Name}, which this service only writes to. Query the latest-version view in the database itself " +
                "(see docs/SINK.md); /api/volumes/stream still pushes windows as they are written.");

    private static async Task WriteCsvAsync(Stream stream, VolumeBar[] bars, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 64 * 1024);
        await writer.WriteAsync(VolumeBar.CsvHeader.AsMemory(), cancellationToken);
        await writer.WriteAsync("\n".AsMemory(), cancellationToken);
        var line = new StringBuilder(256);
        foreach (var b in bars)
        {
            line.Clear();
            line.Append(CultureInfo.InvariantCulture, $"{b.Start:yyyy-MM-dd'T'HH:mm:ss'Z'},{b.End:yyyy-MM-dd'T'HH:mm:ss'Z'},");
            line.Append(Csv(b.Product)).Append(',').Append(b.Side == BitcoinVolume.Contracts.TakerSide.Buy ? "buy" : "sell").Append(',');
            line.Append(CultureInfo.InvariantCulture, $"{b.Trades},{b.BaseVolume},{b.QuoteVolume},{b.Vwap},{b.Open},{b.High},{b.Low},{b.Close},{b.Net},{b.Imbalance}\n");
            await writer.WriteAsync(line, cancellationToken);
        }
    }

    /// <summary>RFC 4180 quoting when needed (product ids are plain in practice).</summary>
    private static string Csv(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static DateTimeOffset? ParseTime(string name, string? text, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            errors[name] = [$"{name} is required: an ISO-8601 time such as 2026-08-09T21:04:00Z."];
            return null;
        }

        if (!DateTimeOffset.TryParseExact(
                text.Trim(), TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
        {
            errors[name] = [$"{name} '{text}' is not an ISO-8601 time such as 2026-08-09T21:04:00Z."];
            return null;
        }

        value = value.ToUniversalTime();
        if (value < MinTime || value >= MaxTime)
        {
            errors[name] = [$"{name} must be between {MinTime:yyyy-MM-dd} and {MaxTime:yyyy-MM-dd} (UTC)."];
            return null;
        }

        return value;
    }
}
