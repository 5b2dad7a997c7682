using System.Globalization;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;

namespace BitcoinVolume.Ingest.Venues.Kraken;

/// <summary>
/// Kraken's trade history: <c>GET /0/public/Trades?pair=&amp;since=&amp;count=</c>. Kraken's cursor is a TIME, not an id:
/// <c>since</c> (nanoseconds since the epoch) returns up to <c>count</c> (≤ 1000) trades after it, oldest first, each row
/// with its <c>trade_id</c> (sequential per pair), and <c>last</c> is the cursor of the next, newer page; without
/// <c>since</c> it returns the latest trades. To give the newest trades below an id, one page here is a short search:
/// the latest trades first (a fresh gap is in them); when the gap is older, <c>since</c> steps back in time from the
/// oldest trade seen (doubling from a minute) until the page holds ids below the gap's end, and forward by <c>last</c>
/// until it reaches it; at most <see cref="KrakenOptions.MaxRequestsPerPage"/> requests, else it throws (the backfiller
/// counts the failure and tries again later). The whole history is reachable this way: <see cref="HistoryCoverage.Full"/>.
/// </summary>
public sealed class KrakenRestClient(HttpClient http, KrakenFrameParser parser, int maxRequests) : ITradeHistory
{
    /// <summary>Kraken's largest <c>count</c>.</summary>
    public const int MaxPageSize = 1000;

    private static readonly TimeSpan FirstLookBack = TimeSpan.FromMinutes(1);

    int ITradeHistory.MaxPageSize => MaxPageSize;

    /// <summary>Kraken's REST pair of a canonical product (its altname: <c>BTC-USD</c> → <c>XBTUSD</c>).</summary>
    public static string RestPair(string product) => RestAsset(Products.BaseOf(product)) + RestAsset(Products.QuoteOf(product));

    public async Task<TradesPage> GetTradesAsync(string product, long before, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        limit = Math.Min(limit, MaxPageSize);
        long? since = null;
        var lookBack = FirstLookBack;
        string? invalid = null;
        for (var request = 0; request < maxRequests; request++)
        {
            var (trades, last, bad) = await FetchAsync(product, since, cancellationToken).ConfigureAwait(false);
            invalid ??= bad;
            if (trades.Count == 0)
            {
                // Nothing after `since` (or nothing at all): no trade below `before` is there to give.
                return new TradesPage([], null, invalid);
            }

            var below = trades.Where(t => t.TradeId < before).OrderBy(t => t.TradeId).ToList();
            var reaches = trades.Any(t => t.TradeId >= before - 1) || since is null;
            if (below.Count > 0 && reaches)
            {
                var page = below.Count > limit ? below.GetRange(below.Count - limit, limit) : below;
                return new TradesPage(page, null, invalid);
            }

            if (below.Count > 0)
            {
                // The page ends before the gap's end: go on from Kraken's cursor.
                since = last ?? Nanoseconds(trades.Max(t => t.Time));
            }
            else
            {
                // Every trade here is at or above `before`: step back in time from the oldest one.
                since = Nanoseconds(trades.Min(t => t.Time) - lookBack);
                lookBack *= 2;
            }
        }

        throw new InvalidOperationException($"Kraken Trades: trades of {product} below id {before} not located within {maxRequests} requests");
    }

    private async Task<(List<Trade> Trades, long? Last, string? Invalid)> FetchAsync(string product, long? since, CancellationToken cancellationToken)
    {
        var uri = string.Create(CultureInfo.InvariantCulture, $"0/public/Trades?pair={RestPair(product)}&count={MaxPageSize}{(since is { } s ? $"&since={s}" : "")}");
        using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {uri} answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var trades = new List<Trade>(MaxPageSize);
        var result = parser.ParseRestTrades(body, product, trades, out var last);
        return (trades, last, result.Kind == FrameKind.Invalid ? $"{result.Reason}: {result.Detail}" : null);
    }

    private static long Nanoseconds(DateTimeOffset time) => Math.Max(0, (time - DateTimeOffset.UnixEpoch).Ticks) * 100;

    private static string RestAsset(string asset) => asset switch
    {
        "BTC" => "XBT",
        "DOGE" => "XDG",
        _ => asset,
    };
}
