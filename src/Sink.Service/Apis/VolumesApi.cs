using System.ComponentModel;
using System.Globalization;
using BitcoinVolume.Sink.Infrastructure;
using BitcoinVolume.Sink.Model;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Sink.Apis;

/// <summary>The HTTP API over the stored volumes: <c>GET /api/volumes</c> and <c>GET /api/products</c>.</summary>
public static class VolumesApi
{
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
                "One object per (bar, side) that has trades, for bars whose start is in [from, to), ordered by start, then side " +
                "(buy first). Times are ISO-8601 UTC; decimals are exact JSON numbers. interval: 1m (default).");

        api.MapGet("/products", GetProductsAsync)
            .WithName("GetProducts")
            .WithSummary("Product ids that have stored volumes");

        return app;
    }

    public static async Task<Results<Ok<VolumeBar[]>, ValidationProblem>> GetVolumesAsync(
        [Description("Product id, e.g. BTC-USD.")] string? product,
        [Description("Bar length: 1m (default).")] string? interval,
        [Description("Inclusive start, ISO-8601, e.g. 2026-08-09T21:04:00Z (no offset means UTC).")] string? from,
        [Description("Exclusive end, ISO-8601, e.g. 2026-08-09T21:07:00Z.")] string? to,
        IVolumeStore store,
        IOptions<SinkOptions> options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(product))
        {
            errors["product"] = ["product is required, e.g. product=BTC-USD."];
        }

        if (!VolumeInterval.TryParse(interval, out var barInterval))
        {
            errors["interval"] =
                [$"interval '{interval}' is not supported; use one of: {string.Join(", ", VolumeInterval.Supported.Select(i => i.Name))}."];
        }

        var fromTime = ParseTime("from", from, errors);
        var toTime = ParseTime("to", to, errors);
        if (fromTime is { } f && toTime is { } t && errors.Count == 0)
        {
            if (f >= t)
            {
                errors["to"] = ["to must be later than from."];
            }
            else
            {
                var bars = CeilingDivide((t - f).Ticks, barInterval.Length.Ticks);
                var rows = bars * 2;
                var maxRows = options.Value.MaxRows;
                if (rows > maxRows)
                {
                    errors["to"] =
                    [
                        $"The range covers up to {rows} rows ({bars} {barInterval.Name} bars x 2 sides); the limit is {maxRows}. " +
                        "Narrow the range.",
                    ];
                }
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid volume query.");
        }

        var minuteRows = await store.GetMinuteRowsAsync(product!.Trim(), fromTime!.Value, toTime!.Value, cancellationToken);
        return TypedResults.Ok(VolumeRollup.Roll(minuteRows, barInterval));
    }

    public static async Task<Ok<string[]>> GetProductsAsync(IVolumeStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var products = await store.GetProductsAsync(cancellationToken);
        return TypedResults.Ok(products.ToArray());
    }

    private static DateTimeOffset? ParseTime(string name, string? text, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            errors[name] = [$"{name} is required: an ISO-8601 time such as 2026-08-09T21:04:00Z."];
            return null;
        }

        if (DateTimeOffset.TryParseExact(
                text.Trim(), TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
        {
            return value.ToUniversalTime();
        }

        errors[name] = [$"{name} '{text}' is not an ISO-8601 time such as 2026-08-09T21:04:00Z."];
        return null;
    }

    private static long CeilingDivide(long numerator, long denominator) => (numerator + denominator - 1) / denominator;
}
