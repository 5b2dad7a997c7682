using System.Globalization;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;

namespace BitcoinVolume.Ingest.Venues.Bitstamp;

/// <summary>
/// Bitstamp's trade history: <c>GET /api/v2/transactions/{pair}/?time=minute|hour|day</c> — the trades of the last
/// minute, hour or day, newest first, no cursor into the past (<see cref="HistoryCoverage.Recent"/>). A page here is the
/// newest trades of that window with ids below <c>before</c>; what is older than the window cannot be fetched. Times
/// are whole seconds (REST has no finer <c>date</c>).
/// </summary>
public sealed class BitstampRestClient(HttpClient http, BitstampFrameParser parser, Func<string, string> symbolOf, string window) : ITradeHistory
{
    /// <summary>No page limit of Bitstamp's; the largest page handed to the backfiller.</summary>
    public const int MaxPageSize = 1000;

    int ITradeHistory.MaxPageSize => MaxPageSize;

    public async Task<TradesPage> GetTradesAsync(string product, long before, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var uri = string.Create(CultureInfo.InvariantCulture, $"api/v2/transactions/{Uri.EscapeDataString(symbolOf(product))}/?time={window}");
        using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {uri} answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var all = new List<Trade>();
        var result = parser.ParseRestTrades(body, product, all);
        var page = all.Where(t => t.TradeId < before).OrderByDescending(t => t.TradeId).Take(Math.Min(limit, MaxPageSize)).ToList();
        return new TradesPage(page, null, result.Kind == FrameKind.Invalid ? $"{result.Reason}: {result.Detail}" : null);
    }
}
