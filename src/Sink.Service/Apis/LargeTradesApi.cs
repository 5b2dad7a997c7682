using System.ComponentModel;
using System.Globalization;
using System.Text;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Infrastructure;
using BitcoinVolume.Sink.LargeTrades;
using BitcoinVolume.Sink.Model;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Sink.Apis;

/// <summary>
/// <c>GET /api/trades/large</c>: the large single trades the aggregator kept (notional ≥ the threshold of its quote currency,
/// <c>Sink:LargeTrades:MinNotional</c>), newest first. Same product/asset/venue/from/to parsing as <c>/api/volumes</c>; bad
/// input is a 400 with problem details, a store that serves no queries (BigQuery) answers 501.
/// </summary>
public static class LargeTradesApi
{
    /// <summary>Response header with the stored thresholds of the quote currencies the answer covers, e.g. <c>USD=100000</c>.</summary>
    public const string MinNotionalHeader = "X-Min-Notional";

    public const int DefaultLimit = 100;

    public const int MaxLimit = 10_000;

    public static IEndpointRouteBuilder MapLargeTradesApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api").WithTags("Order flow").MapGet("/trades/large", GetLargeTradesAsync)
            .WithName("GetLargeTrades")
            .WithSummary("Large single trades (notional ≥ a threshold per quote currency) of one product or base asset, newest first")
            .WithDescription(
                "Trades whose time is in [from, to), newest first (ties by venue, product, trade id), at most `limit`, each " +
                "`{venue, product, tradeId, time, side, price, size, notional, quote}` with notional = price × size in the quote currency, exact. " +
                "Only trades at or above the stored threshold of their quote currency are kept (Aggregate:LargeTrades:MinNotional, default " +
                "USD/USDT/USDC 100000; a quote without one has none): `minNotional` below it answers what is stored, and the header " +
                $"`{MinNotionalHeader}` lists the stored threshold of each quote currency of the subject (`USD=100000,USDT=100000`, `none` for " +
                "a quote without). With `asset`, `minNotional` applies to each trade in its own quote currency.")
            .Produces<LargeTradeRow[]>(StatusCodes.Status200OK, "application/json", "text/csv")
            .ProducesProblem(StatusCodes.Status501NotImplemented);
        return app;
    }

    public static async Task<Results<Ok<LargeTradeRow[]>, PushStreamHttpResult, ValidationProblem, ProblemHttpResult>> GetLargeTradesAsync(
        [Description("Canonical product id, e.g. BTC-USD. Give product or asset, not both.")] string? product,
        [Description("Base asset, e.g. BTC: the large trades of every stored product of it on the selected venues. Give product or asset, not both.")] string? asset,
        [Description("One venue id, a comma-separated list, spot (default) or all, as on /api/volumes.")] string? venue,
        [Description("Inclusive start (trade time), ISO-8601, e.g. 2026-08-09T21:04:00Z.")] string? from,
        [Description("Exclusive end (trade time), ISO-8601.")] string? to,
        [Description("Only trades with notional (price × size, quote currency) at least this; below the stored threshold it answers what is stored.")] string? minNotional,
        [Description("buy or sell (taker side); default both.")] string? side,
        [Description($"Most trades to return, 1 to 10000 (default 100).")] int? limit,
        [Description("json (default) or csv.")] string? format,
        HttpContext context,
        IVolumeStore volumes,
        ILargeTradeStore trades,
        ProductCatalog catalog,
        IOptions<LargeTradeSinkOptions> options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(volumes);
        ArgumentNullException.ThrowIfNull(trades);
        ArgumentNullException.ThrowIfNull(options);
        if (!volumes.SupportsQueries)
        {
            return VolumesApi.NotImplemented(volumes);
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var subject = VolumesApi.ParseSubject(product, asset, venue, errors);
        var fromTime = VolumesApi.ParseTime("from", from, errors);
        var toTime = VolumesApi.ParseTime("to", to, errors);
        if (fromTime is { } f && toTime is { } t && f >= t)
        {
            errors["to"] = ["to must be later than from."];
        }

        decimal? min = null;
        if (minNotional is { Length: > 0 })
        {
            if (decimal.TryParse(minNotional, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value >= 0)
            {
                min = value;
            }
            else
            {
                errors["minNotional"] = [$"minNotional '{minNotional}' is not a notional: a number >= 0 in the quote currency, e.g. 250000."];
            }
        }

        TakerSide? takerSide = side switch
        {
            null or "" => null,
            "buy" => TakerSide.Buy,
            "sell" => TakerSide.Sell,
            _ => null,
        };
        if (side is { Length: > 0 } and not ("buy" or "sell"))
        {
            errors["side"] = [$"side '{side}' is not supported; use buy or sell (default both)."];
        }

        if (limit is { } l && l is < 1 or > MaxLimit)
        {
            errors["limit"] = [$"limit is 1 to {MaxLimit} (default {DefaultLimit})."];
        }

        if (format is not (null or "json" or "csv"))
        {
            errors["format"] = [$"format '{format}' is not supported; use json (default) or csv."];
        }

        var streams = subject is null ? [] : await VolumesApi.ResolveAsync(subject, catalog, errors, cancellationToken);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid large-trades query.");
        }

        var thresholds = options.Value;
        context.Response.Headers[MinNotionalHeader] = string.Join(
            ',',
            streams.Select(s => Products.QuoteOf(s.Product)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
                .Select(q => thresholds.ThresholdOf(q) is { } m ? string.Create(CultureInfo.InvariantCulture, $"{q}={m}") : $"{q}=none"));
        var found = await trades.GetAsync(streams, fromTime!.Value, toTime!.Value, min, takerSide, limit ?? DefaultLimit, cancellationToken);
        var rows = found.Select(LargeTradeRow.Of).ToArray();
        return format == "csv"
            ? TypedResults.Stream(stream => WriteCsvAsync(stream, rows, cancellationToken), "text/csv; charset=utf-8")
            : TypedResults.Ok(rows);
    }

    private static async Task WriteCsvAsync(Stream stream, LargeTradeRow[] rows, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 16 * 1024);
        var text = new StringBuilder(LargeTradeRow.CsvHeader).Append('\n');
        foreach (var r in rows)
        {
            text.Append(CultureInfo.InvariantCulture, $"{r.Time:yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'},{r.Venue},{r.Product},{r.TradeId},{(r.Side == TakerSide.Buy ? "buy" : "sell")},");
            text.Append(CultureInfo.InvariantCulture, $"{r.Price},{r.Size},{r.Notional},{r.Quote}\n");
        }

        await writer.WriteAsync(text, cancellationToken);
    }
}
