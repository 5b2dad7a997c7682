using System.Globalization;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;

namespace BitcoinVolume.Ingest.Venues.Binance;

/// <summary>
/// Binance's aggregate-trade history, <c>GET /api/v3/aggTrades?symbol=&amp;fromId=&amp;limit=</c> (public, no key): pages go
/// UP from <c>fromId</c> (inclusive), so the trades below <c>before</c> are asked from <c>before − limit</c>, and the
/// cursor to the next, older page is that <c>fromId</c>. Aggregate ids are contiguous per symbol, so this repairs any gap
/// (how far back Binance serves by id is Binance's limit; an unserved range is reported unfilled).
/// </summary>
public sealed class BinanceRestClient(HttpClient http, BinanceFrameParser parser, Func<string, string> symbolOf) : ITradeHistory
{
    /// <summary>Binance's page size limit.</summary>
    public const int MaxPageSize = 1000;

    int ITradeHistory.MaxPageSize => MaxPageSize;

    public async Task<TradesPage> GetTradesAsync(string product, long before, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var from = Math.Max(0, before - Math.Min(limit, MaxPageSize));
        var count = (int)(before - from);
        if (count <= 0)
        {
            return new TradesPage([], null, null);
        }

        var uri = string.Create(CultureInfo.InvariantCulture, $"api/v3/aggTrades?symbol={Uri.EscapeDataString(symbolOf(product))}&fromId={from}&limit={count}");
        var body = await VenueJson.GetBodyAsync(http, uri, cancellationToken).ConfigureAwait(false);
        var trades = new List<Trade>(count);
        var result = parser.ParseRestTrades(body, product, trades);
        trades.RemoveAll(t => t.TradeId >= before);
        return new TradesPage(trades, from > 0 ? from : null, result.Kind == FrameKind.Invalid ? $"{result.Reason}: {result.Detail}" : null);
    }
}
