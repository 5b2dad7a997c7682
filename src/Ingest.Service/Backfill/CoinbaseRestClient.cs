using System.Globalization;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;

namespace BitcoinVolume.Ingest.Backfill;

/// <summary>One page of <c>GET /products/{id}/trades</c>: its trades (newest first) and the cursor to the older page.</summary>
/// <param name="Trades">The page's valid trades (taker side).</param>
/// <param name="After">The <c>CB-AFTER</c> cursor: pass it as <c>after</c> for the next, older page.</param>
/// <param name="Invalid">The first bad element of the page, if any (its good trades are still in <paramref name="Trades"/>).</param>
public sealed record TradesPage(IReadOnlyList<Trade> Trades, long? After, string? Invalid);

/// <summary>
/// The Coinbase Exchange REST endpoint <c>GET /products/{id}/trades?limit=&amp;after=</c>, used by both feeds'
/// backfill (the Advanced Trade public API has no trade-id cursor; spot trade ids are the same on both). Pages are
/// newest first; <c>after=X</c> returns trades with ids below X. Retries, timeouts and the circuit breaker come from
/// the standard resilience handler every HttpClient gets in ServiceDefaults; this client adds nothing but the call.
/// </summary>
public sealed class CoinbaseRestClient(HttpClient http, CoinbaseFrameParser parser)
{
    /// <summary>Coinbase's page size limit.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>Trades of <paramref name="product"/> with ids below <paramref name="after"/>, newest first, at most <paramref name="limit"/>.</summary>
    public async Task<TradesPage> GetTradesAsync(string product, long after, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        limit = Math.Min(limit, MaxPageSize);
        var uri = string.Create(CultureInfo.InvariantCulture, $"products/{Uri.EscapeDataString(product)}/trades?limit={limit}&after={after}");
        using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {uri} answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var trades = new List<Trade>(limit);
        var result = parser.ParseRestTrades(body, product, trades);
        long? cursor = response.Headers.TryGetValues("CB-AFTER", out var values)
            && long.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var next) ? next : null;
        return new TradesPage(trades, cursor, result.Kind == FrameKind.Invalid ? $"{result.Reason}: {result.Detail}" : null);
    }
}
