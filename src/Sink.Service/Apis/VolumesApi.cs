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
/// The HTTP API over the stored volumes: <c>GET /api/volumes</c> (JSON or CSV, any interval, per venue or summed, per product
/// or per base asset), <c>GET /api/products</c>, <c>GET /api/venues</c> and
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

    private const string ProductDescription =
        "Canonical product id (BASE-QUOTE, upper case) with stored volumes, e.g. BTC-USD or BTC-USDT (see /api/products). " +
        "Give product or asset, not both.";

    private const string AssetDescription =
        "Base asset, e.g. BTC: every stored product BTC-<quote> on the selected venues, in one row per (bar, side) with trades and " +
        "baseVolume summed and byVenue per (venue, product) with quoteVolume in its own quote currency. The top-level quoteVolume/vwap " +
        "appear only when all share one quote currency. Give product or asset, not both.";

    private const string VenueDescription =
        "Venues to read: one venue id (e.g. coinbase, bybit-linear: that venue's rows as they are), a comma-separated list " +
        "(e.g. binance,okx: rows summed, each with the venues it covers), spot (the default: every spot venue; derivative markets " +
        "and venue ids the sink does not know are never counted as spot) or all (every venue, derivatives too). See /api/venues.";

    public static IEndpointRouteBuilder MapVolumesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Volumes");

        api.MapGet("/volumes", GetVolumesAsync)
            .WithName("GetVolumes")
            .WithSummary("Buy and sell (taker) volume of one product, or of one base asset across venues, per time bar")
            .WithDescription(
                "One row per (bar, side) that has trades, for bars whose start is in [from, to), ordered by start, then side " +
                "(buy first); each bar is complete (all its base windows), even when it ends after `to`. Bars are rolled up from the " +
                "stored base windows (Sink:Window, 1m by default; see /api/config): counts and volumes add up, vwap = quoteVolume / baseVolume, " +
                "open/close come from the first/last window, high/low are the extremes. `net` (buy − sell base volume) and `imbalance` " +
                "((buy − sell) / (buy + sell)) describe the whole bar and repeat on its buy and sell rows. Times are ISO-8601 UTC; " +
                "decimals are exact (JSON numbers, or plain text in CSV). With `venue` (default spot) several venues are summed per (bar, side): " +
                "`venues` lists those that had trades, `venue` is set when it is one; high/low are the extremes, open/close those of the venue " +
                "with the largest base volume. With `asset` the rows are AssetBar (trades, baseVolume, byVenue). `sizeClasses` " +
                "([{min, max, buyTrades, buyBase, sellTrades, sellBase}], max null for the open top class) split the bar's buy and sell " +
                "trades by notional (price × size in the quote currency, boundaries per quote currency: Aggregate:SizeClasses) and repeat on " +
                "its two rows; null when a window of the bar has none. Windows with different boundaries merge into the boundaries they " +
                "share. With `asset`, sizeClasses only when one quote currency, and sizeClassesByQuote per currency.")
            .Produces<VolumeBar[]>(StatusCodes.Status200OK, "application/json", "text/csv")
            .ProducesProblem(StatusCodes.Status501NotImplemented);

        api.MapGet("/volumes/stream", StreamVolumesAsync)
            .WithName("StreamVolumes")
            .WithSummary("Live base windows (1-minute by default) of one product or base asset on the selected venues (Server-Sent Events)")
            .WithDescription(
                "text/event-stream. Each window committed to the database is pushed as `event: volume` with `id: <venue>|<product>|<side>|<start>#<version>` " +
                "(Coinbase's without `<venue>|`; one event per venue's window, with `venue`: sum them client-side) " +
                "and the window as JSON data (a bar of one base window plus `version` and `final`). A client too slow to keep up gets `event: resync` " +
                "(re-read with /api/volumes). A comment line is sent every Sink:StreamHeartbeatSeconds when idle.");

        api.MapGet("/volumes/extent", GetExtentAsync)
            .WithName("GetVolumeExtent")
            .WithSummary("First and last stored window of one product or asset on the selected venues")
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
            .WithSummary("Product ids that have stored volumes (on the venues given, or on any venue)")
            .ProducesProblem(StatusCodes.Status501NotImplemented);

        api.MapGet("/venues", GetVenuesAsync)
            .WithName("GetVenues")
            .WithSummary("Venues: id, market (spot | linear-perpetual | unknown), name, stored products and status")
            .WithDescription(
                "Every venue the sink knows, then any other venue id with stored rows (market `unknown`: never counted as spot). " +
                "`status.lastWindowAt` is the start of the venue's latest stored window (null when none); live ingest status is not known here.")
            .ProducesProblem(StatusCodes.Status501NotImplemented);

        return app;
    }

    public static async Task<Results<Ok<VolumeBar[]>, Ok<AssetBar[]>, PushStreamHttpResult, ValidationProblem, ProblemHttpResult>> GetVolumesAsync(
        [Description(ProductDescription)] string? product,
        [Description(AssetDescription)] string? asset,
        [Description(VenueDescription)] string? venue,
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
        var subject = ParseSubject(product, asset, venue, errors);

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
        long windowRows = 0;
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
                windowRows = (endBar - firstBar).Ticks / window.Length.Ticks * 2;
                if (rows > settings.MaxRows)
                {
                    errors["to"] =
                    [
                        $"The range covers up to {rows} rows ({bars} {barInterval.Name} bars x 2 sides); the limit is {settings.MaxRows}. " +
                        "Narrow the range or use a longer interval.",
                    ];
                }
            }
        }

        var streams = subject is null ? [] : await ResolveAsync(subject, catalog, errors, cancellationToken);
        if (!errors.ContainsKey("to") && windowRows * Math.Max(1, streams.Count) > settings.MaxMinuteRows)
        {
            errors["to"] =
            [
                $"The range covers up to {windowRows * Math.Max(1, streams.Count)} stored {window} rows to roll up ({streams.Count} venue/product streams); " +
                $"the limit is {settings.MaxMinuteRows} (Sink:MaxMinuteRows). Narrow the range or the venues.",
            ];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid volume query.");
        }

        var perStream = new List<VolumeBar[]>(streams.Count);
        foreach (var stream in streams)
        {
            var rows = firstBar < endBar
                ? await store.GetWindowRowsAsync(stream.Venue, stream.Product, firstBar, endBar, cancellationToken)
                : [];
            perStream.Add(VolumeRollup.Roll(rows, barInterval, window));
        }

        if (subject!.Asset is { } assetId)
        {
            var assetBars = VenueRollup.Asset(assetId, perStream);
            return csv
                ? TypedResults.Stream(stream => WriteAssetCsvAsync(stream, assetBars, cancellationToken), "text/csv; charset=utf-8")
                : TypedResults.Ok(assetBars);
        }

        var result = perStream.Count == 1 ? perStream[0] : VenueRollup.Sum(perStream);
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

    public static async Task<Results<Ok<string[]>, ValidationProblem, ProblemHttpResult>> GetProductsAsync(
        [Description("Only the products of these venues: one id, a comma-separated list, spot or all. Without it: every product on every venue.")] string? venue,
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

        if (venue is null)
        {
            var products = await store.GetProductsAsync(cancellationToken);
            return TypedResults.Ok(products.ToArray());
        }

        if (!VenueSelection.TryParse(venue, out var selection, out var error))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["venue"] = [error] }, title: "Invalid products request.");
        }

        var streams = await catalog.GetStreamsAsync(cancellationToken);
        return TypedResults.Ok(streams.Where(s => selection.Includes(s.Venue)).Select(s => s.Product)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray());
    }

    /// <summary>Every venue the contract knows, and any other venue with stored rows, with its stored products.</summary>
    public static async Task<Results<Ok<VenueSummary[]>, ProblemHttpResult>> GetVenuesAsync(
        IVolumeStore store, ProductCatalog catalog, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(catalog);
        if (!store.SupportsQueries)
        {
            return NotImplemented(store);
        }

        var streams = await catalog.GetStreamsAsync(cancellationToken);
        var ids = Venues.All.Select(v => v.Id)
            .Concat(streams.Select(s => s.Venue).Where(v => !Venues.IsKnown(v)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        var summaries = new List<VenueSummary>();
        foreach (var id in ids)
        {
            var products = streams.Where(s => s.Venue == id).Select(s => s.Product).ToArray();
            DateTimeOffset? last = null;
            foreach (var p in products)
            {
                if (await store.GetExtentAsync(id, p, cancellationToken) is { } extent && (last is null || extent.Last > last))
                {
                    last = extent.Last;
                }
            }

            summaries.Add(new VenueSummary(id, VenueIds.MarketOf(id), Venues.Find(id)?.Name ?? id, products, new VenueStatus(last?.UtcDateTime)));
        }

        return TypedResults.Ok(summaries.ToArray());
    }

    public static async Task<Results<Ok<VolumeExtent>, ValidationProblem, ProblemHttpResult>> GetExtentAsync(
        [Description(ProductDescription)] string? product,
        [Description(AssetDescription)] string? asset,
        [Description(VenueDescription)] string? venue,
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

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var subject = ParseSubject(product, asset, venue, errors);
        var streams = subject is null ? [] : await ResolveAsync(subject, catalog, errors, cancellationToken);
        DateTimeOffset? first = null, last = null;
        foreach (var stream in streams)
        {
            if (await store.GetExtentAsync(stream.Venue, stream.Product, cancellationToken) is { } extent)
            {
                first = first is null || extent.First < first ? extent.First : first;
                last = last is null || extent.Last > last ? extent.Last : last;
            }
        }

        if (errors.Count > 0 || first is null || last is null)
        {
            if (errors.Count == 0)
            {
                errors["product"] = ["no stored volumes; see /api/products."];
            }

            return TypedResults.ValidationProblem(errors, title: "Invalid extent request.");
        }

        return TypedResults.Ok(new VolumeExtent(subject!.Product ?? subject.Asset!, first.Value.UtcDateTime, last.Value.UtcDateTime));
    }

    public static async Task<Results<VolumeStreamResult, ValidationProblem>> StreamVolumesAsync(
        [Description(ProductDescription)] string? product,
        [Description(AssetDescription)] string? asset,
        [Description(VenueDescription)] string? venue,
        IVolumeStore store,
        ProductCatalog catalog,
        VolumeUpdateHub hub,
        IOptions<SinkOptions> options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var subject = ParseSubject(product, asset, venue, errors);

        // A write-only store (BigQuery) cannot say which products exist: any well-formed product or asset may be followed.
        if (subject is not null && store.SupportsQueries)
        {
            await ResolveAsync(subject, catalog, errors, cancellationToken);
        }

        if (errors.Count > 0 || subject is null)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid stream request.");
        }

        var settings = options.Value;
        return new VolumeStreamResult(
            hub, subject.ToString(), subject.Matches, settings.StreamClientBuffer, TimeSpan.FromSeconds(settings.StreamHeartbeatSeconds), settings.Window);
    }

    /// <summary>
    /// Reads <c>product</c> or <c>asset</c> (exactly one) and <c>venue</c>; records what is wrong in <paramref name="errors"/>
    /// under the parameter's name. Null when the subject is invalid.
    /// </summary>
    internal static QuerySubject? ParseSubject(string? product, string? asset, string? venue, Dictionary<string, string[]> errors)
    {
        var productId = product?.Trim();
        var assetId = asset?.Trim();
        if (!VenueSelection.TryParse(venue, out var selection, out var venueError))
        {
            errors["venue"] = [venueError];
        }

        if (!string.IsNullOrEmpty(productId) && !string.IsNullOrEmpty(assetId))
        {
            errors["asset"] = ["give product (one market, e.g. product=BTC-USD) or asset (every market of a base asset, e.g. asset=BTC), not both."];
            return null;
        }

        if (!string.IsNullOrEmpty(assetId))
        {
            if (assetId.Length > 16 || !assetId.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c)))
            {
                errors["asset"] = [$"asset '{assetId}' is not an asset code (upper-case letters and digits, e.g. BTC)."];
                return null;
            }

            return errors.ContainsKey("venue") ? null : new QuerySubject(null, assetId, selection);
        }

        if (string.IsNullOrEmpty(productId))
        {
            errors["product"] = ["product is required, e.g. product=BTC-USD (or asset=BTC for every market of bitcoin)."];
            return null;
        }

        return errors.ContainsKey("venue") ? null : new QuerySubject(productId, null, selection);
    }

    /// <summary>The stored streams of <paramref name="subject"/>, ordinal by venue then product; an empty answer is an error.</summary>
    internal static async Task<IReadOnlyList<StoredStream>> ResolveAsync(
        QuerySubject subject, ProductCatalog catalog, Dictionary<string, string[]> errors, CancellationToken cancellationToken)
    {
        var streams = (await catalog.GetStreamsAsync(cancellationToken)).Where(s => subject.Matches(s.Venue, s.Product)).ToArray();
        if (streams.Length > 0)
        {
            return streams;
        }

        if (subject.Product is { } p && !await catalog.IsKnownAsync(p, cancellationToken))
        {
            errors["product"] = [$"product '{p}' has no stored volumes; see /api/products."];
        }
        else if (subject.Product is null && !(await catalog.GetStreamsAsync(cancellationToken)).Any(s => subject.Matches(s.Venue, s.Product, anyVenue: true)))
        {
            errors["asset"] = [$"asset '{subject.Asset}' has no stored volumes; see /api/products."];
        }
        else
        {
            errors["venue"] = [$"{subject} has no stored volumes; see /api/venues (spot, the default, leaves out derivative and unknown markets: use venue=all or name them)."];
        }

        return streams;
    }

    internal static ProblemHttpResult NotImplemented(IVolumeStore store) => TypedResults.Problem(
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
            line.Append(CultureInfo.InvariantCulture, $"{b.Trades},{b.BaseVolume},{b.QuoteVolume},{b.Vwap},{b.Open},{b.High},{b.Low},{b.Close},{b.Net},{b.Imbalance},");
            line.Append(b.Venue).Append(',').AppendJoin(' ', b.Venues).Append(',');
            line.Append(b.Complete ? "true" : "false").Append(',').Append(b.IncompleteReason is { } reason ? Csv(reason) : string.Empty).Append(',');
            line.Append(SizeClassCsv.Of(b.SizeClasses)).Append('\n');
            await writer.WriteAsync(line, cancellationToken);
        }
    }

    private static async Task WriteAssetCsvAsync(Stream stream, AssetBar[] bars, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 64 * 1024);
        await writer.WriteAsync(AssetBar.CsvHeader.AsMemory(), cancellationToken);
        await writer.WriteAsync("\n".AsMemory(), cancellationToken);
        var line = new StringBuilder(256);
        foreach (var b in bars)
        {
            line.Clear();
            line.Append(CultureInfo.InvariantCulture, $"{b.Start:yyyy-MM-dd'T'HH:mm:ss'Z'},{b.End:yyyy-MM-dd'T'HH:mm:ss'Z'},{b.Asset},{(b.Side == TakerSide.Buy ? "buy" : "sell")},");
            line.Append(CultureInfo.InvariantCulture, $"{b.Trades},{b.BaseVolume},{b.Quote},{b.QuoteVolume},{b.Vwap},{b.Net},{b.Imbalance},");
            line.AppendJoin(' ', b.Venues).Append(',');
            line.Append(b.Complete ? "true" : "false").Append(',').Append(b.IncompleteReason is { } reason ? Csv(reason) : string.Empty).Append(',');
            line.Append(SizeClassCsv.Of(b.SizeClassesByQuote)).Append('\n');
            await writer.WriteAsync(line, cancellationToken);
        }
    }

    /// <summary>RFC 4180 quoting when needed (product ids are plain in practice).</summary>
    private static string Csv(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    internal static DateTimeOffset? ParseTime(string name, string? text, Dictionary<string, string[]> errors)
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
