using System.Globalization;
using System.Text.Json;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.EndToEnd.Tests;

/// <summary>One expected API row: a (product, window, taker side) computed straight from the raw frames.</summary>
public sealed record ExpectedWindow(
    string Product, DateTime Start, string Side, int Trades, decimal BaseVolume, decimal QuoteVolume, decimal Open, decimal High, decimal Low, decimal Close)
{
    public decimal Vwap => QuoteVolume / BaseVolume;
}

/// <summary>
/// Computes per-window buy/sell volumes (default 1-minute base window) from a file of raw Exchange-feed frames,
/// independently of the product's code: a DOM parse, the taker flip (Coinbase's side is the maker's), each trade id once,
/// non-trade frames ignored.
/// </summary>
public static class RecordedFileOracle
{
    public static IReadOnlyList<ExpectedWindow> Compute(string path)
    {
        var trades = new Dictionary<(string Product, long Id), (DateTime Time, string TakerSide, decimal Price, decimal Size)>();
        foreach (var line in File.ReadLines(path))
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            var type = root.GetProperty("type").GetString();
            if (type is not ("match" or "last_match"))
            {
                continue;
            }

            var key = (root.GetProperty("product_id").GetString()!, root.GetProperty("trade_id").GetInt64());
            var takerSide = root.GetProperty("side").GetString() == "sell" ? "buy" : "sell";
            var time = DateTime.Parse(root.GetProperty("time").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
            trades.TryAdd(key, (time, takerSide, decimal.Parse(root.GetProperty("price").GetString()!, CultureInfo.InvariantCulture), decimal.Parse(root.GetProperty("size").GetString()!, CultureInfo.InvariantCulture)));
        }

        return trades
            .GroupBy(t => (t.Key.Product, Start: new DateTime(WindowSpec.Default.StartOf(t.Value.Time.Ticks), DateTimeKind.Utc), t.Value.TakerSide))
            .Select(g =>
            {
                var byId = g.OrderBy(t => t.Key.Id).Select(t => t.Value).ToList();
                return new ExpectedWindow(
                    g.Key.Product, g.Key.Start, g.Key.TakerSide, byId.Count, byId.Sum(t => t.Size), byId.Sum(t => t.Price * t.Size),
                    byId[0].Price, byId.Max(t => t.Price), byId.Min(t => t.Price), byId[^1].Price);
            })
            .OrderBy(w => w.Product, StringComparer.Ordinal).ThenBy(w => w.Start).ThenBy(w => w.Side, StringComparer.Ordinal)
            .ToList();
    }
}
