using System.Globalization;
using System.Text.Json;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.EndToEnd.Tests;

/// <summary>
/// The large trades of the replay: per quote currency a threshold at the notional of its 80th-percentile trade (so about a
/// fifth of the trades are large, every venue's included), given as <c>Aggregate:LargeTrades:MinNotional:&lt;QUOTE&gt;</c>;
/// <c>/api/trades/large</c> of each (venue, product) equals the oracle: the distinct raw-frame trades with price × size at
/// least the threshold, newest first.
/// </summary>
public partial class AllVenuesReplayTests
{
    private static Dictionary<string, decimal> Thresholds(List<Trade> trades) =>
        trades.GroupBy(t => Products.QuoteOf(t.Product), StringComparer.Ordinal).ToDictionary(
            g => g.Key,
            g =>
            {
                var notionals = g.Select(t => t.Price * t.Size).Order().ToList();
                return notionals[notionals.Count * 4 / 5];
            },
            StringComparer.Ordinal);

    private static IEnumerable<string> LargeTradeArguments(List<Trade> trades) =>
        Thresholds(trades).Select(t => string.Create(CultureInfo.InvariantCulture, $"--Aggregate:LargeTrades:MinNotional:{t.Key}={t.Value}"));

    private async Task AssertLargeTradesAsync(HttpClient http, List<Trade> trades, CancellationToken ct)
    {
        var thresholds = Thresholds(trades);
        var expected = trades
            .Select(t => (Trade: t, Id: t.TextId ?? t.TradeId.ToString(CultureInfo.InvariantCulture), Notional: t.Price * t.Size))
            .DistinctBy(t => (t.Trade.Venue, t.Trade.Product, t.Id))
            .Where(t => t.Notional >= thresholds[Products.QuoteOf(t.Trade.Product)])
            .ToList();
        Assert.True(expected.Count > 100, $"only {expected.Count} large trades: the thresholds keep too few");
        var total = 0;
        foreach (var stream in expected.GroupBy(t => (t.Trade.Venue, t.Trade.Product)))
        {
            var want = stream
                .OrderByDescending(t => t.Trade.Time).ThenBy(t => t.Id, StringComparer.Ordinal)
                .Select(t => string.Create(
                    CultureInfo.InvariantCulture,
                    $"{t.Trade.Time.UtcDateTime:O} {t.Id} {(t.Trade.Side == TakerSide.Buy ? "buy" : "sell")} {N(t.Trade.Price)} {N(t.Trade.Size)} {N(t.Notional)} {Products.QuoteOf(t.Trade.Product)}"))
                .ToList();

            // Every large trade is produced in the same batch as its window's update, so it is there once the volumes are.
            List<string> got = [];
            for (var attempt = 0; attempt < 30 && got.Count < want.Count; attempt++)
            {
                got = await LargeTradesAsync(http, stream.Key.Venue, stream.Key.Product, ct);
                if (got.Count < want.Count)
                {
                    await Task.Delay(1000, ct);
                }
            }

            Assert.Equal(want, got);
            total += got.Count;
        }

        output.WriteLine($"{total} large trades of {expected.Select(t => (t.Trade.Venue, t.Trade.Product)).Distinct().Count()} streams equal the oracle " +
                         $"(thresholds {string.Join(", ", thresholds.Select(t => $"{t.Key} {t.Value}"))})");
    }

    /// <summary>The value without trailing zeros (1.50 and 1.5 are the same amount; the check is on values, not their scale).</summary>
    private static string N(decimal value) => (value / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);

    private static async Task<List<string>> LargeTradesAsync(HttpClient http, string venue, string product, CancellationToken ct)
    {
        using var response = await http.GetAsync(
            new Uri($"/api/trades/large?product={product}&venue={venue}&from=2000-01-01&to=2100-01-01&limit=10000", UriKind.Relative), ct);
        Assert.True(response.IsSuccessStatusCode, $"{venue} {product}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return
        [
            .. json.RootElement.EnumerateArray().Select(r => string.Create(
                CultureInfo.InvariantCulture,
                $"{r.GetProperty("time").GetDateTime().ToUniversalTime():O} {r.GetProperty("tradeId").GetString()} {r.GetProperty("side").GetString()} {N(r.GetProperty("price").GetDecimal())} {N(r.GetProperty("size").GetDecimal())} {N(r.GetProperty("notional").GetDecimal())} {r.GetProperty("quote").GetString()}")),
        ];
    }
}
