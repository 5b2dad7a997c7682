using System.Globalization;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;

namespace BitcoinVolume.Ingest.Venues.Okx;

/// <summary>
/// OKX's trade history, <c>GET /api/v5/market/history-trades?instId=&amp;type=1&amp;after=&amp;limit=</c>: pagination by
/// tradeId (<c>type=1</c>), <c>after=X</c> returns the trades older than X, newest first, at most 100, from the last 3
/// months. The cursor to the next, older page is the page's oldest id.
/// </summary>
public sealed class OkxRestClient(HttpClient http, OkxFrameParser parser) : ITradeHistory
{
    /// <summary>OKX's page size limit.</summary>
    public const int MaxPageSize = 100;

    int ITradeHistory.MaxPageSize => MaxPageSize;

    public async Task<TradesPage> GetTradesAsync(string product, long before, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        limit = Math.Min(limit, MaxPageSize);
        var uri = string.Create(CultureInfo.InvariantCulture, $"api/v5/market/history-trades?instId={Uri.EscapeDataString(product)}&type=1&after={before}&limit={limit}");
        var body = await VenueJson.GetBodyAsync(http, uri, cancellationToken).ConfigureAwait(false);
        var trades = new List<Trade>(limit);
        var result = parser.ParseRestTrades(body, product, trades);
        if (result.Kind == FrameKind.Invalid && result.Reason == VenueJson.VenueError)
        {
            throw new HttpRequestException($"GET {uri}: {result.Detail}");
        }

        return new TradesPage(trades, trades.Count > 0 ? trades.Min(t => t.TradeId) : null, result.Kind == FrameKind.Invalid ? $"{result.Reason}: {result.Detail}" : null);
    }
}
