using System.Globalization;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;

namespace BitcoinVolume.Ingest.Venues.Coinbase;

/// <summary>
/// Coinbase's trade history: the Exchange REST endpoint <c>GET /products/{id}/trades?limit=&amp;after=</c>, used by both
/// feeds' backfill (the Advanced Trade public API has no trade-id cursor; spot trade ids are the same on both). Pages are
/// newest first; <c>after=X</c> returns trades with ids below X, and the <c>CB-AFTER</c> header is the cursor to the
/// next, older page. Retries, timeouts and the circuit breaker come from the standard resilience handler every
/// HttpClient gets in ServiceDefaults; this client adds nothing but the call.
/// </summary>
public sealed class CoinbaseRestClient(HttpClient http, CoinbaseFrameParser parser) : ITradeHistory
{
    /// <summary>Coinbase's page size limit.</summary>
    public const int MaxPageSize = 1000;

    int ITradeHistory.MaxPageSize => MaxPageSize;

    /// <summary>Trades of <paramref name="product"/> with ids below <paramref name="before"/> (Coinbase's <c>after</c>), newest first, at most <paramref name="limit"/>.</summary>
    public async Task<TradesPage> GetTradesAsync(string product, long before, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        limit = Math.Min(limit, MaxPageSize);
        var uri = string.Create(CultureInfo.InvariantCulture, $"products/{Uri.EscapeDataString(product)}/trades?limit={limit}&after={before}");
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
