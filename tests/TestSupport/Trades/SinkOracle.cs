using System.Net.Http.Json;
using System.Text.Json;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.TestSupport;

/// <summary>Compares what the sink's HTTP API serves with oracle windows (shared by the pipeline tests and the benchmarks).</summary>
public static class SinkOracle
{
    /// <summary>
    /// Every difference between the API's 1-minute rows and the oracle, product by product over the oracle's time range:
    /// a wrong value, a row the oracle does not have, a missing row. Empty when the sink holds exactly the oracle.
    /// </summary>
    public static Task<List<string>> DifferencesAsync(HttpClient http, IReadOnlyDictionary<(string, TakerSide, DateTime), OracleWindow> oracle, CancellationToken cancellationToken = default) =>
        DifferencesAsync(http, oracle, WindowSpec.Default, cancellationToken);

    /// <summary>
    /// Like the overload above, for an oracle of <paramref name="window"/> windows, read from the API at <c>interval</c> = <paramref name="window"/>:
    /// the sink's base window itself, or a rollup of it (e.g. 1m bars over a 10s base window).
    /// </summary>
    public static async Task<List<string>> DifferencesAsync(HttpClient http, IReadOnlyDictionary<(string, TakerSide, DateTime), OracleWindow> oracle, WindowSpec window, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(oracle);
        ArgumentNullException.ThrowIfNull(window);
        var differences = new List<string>();
        var from = oracle.Keys.Min(k => k.Item3);
        var to = window.EndOf(oracle.Keys.Max(k => k.Item3).Ticks);
        var byProduct = oracle.Keys.ToLookup(k => k.Item1);
        foreach (var product in byProduct.Select(g => g.Key).Order(StringComparer.Ordinal))
        {
            JsonElement rows;
            try
            {
                rows = await http.GetFromJsonAsync<JsonElement>($"/api/volumes?product={product}&interval={window}&from={from:yyyy-MM-ddTHH:mm:ssZ}&to={new DateTime(to, DateTimeKind.Utc):yyyy-MM-ddTHH:mm:ssZ}", cancellationToken);
            }
            catch (HttpRequestException e)
            {
                return [$"API not answering: {e.Message}"];
            }

            var seen = new HashSet<(string, TakerSide, DateTime)>();
            foreach (var row in rows.EnumerateArray())
            {
                var side = row.GetProperty("side").GetString() == "buy" ? TakerSide.Buy : TakerSide.Sell;
                var key = (product, side, row.GetProperty("start").GetDateTime().ToUniversalTime());
                seen.Add(key);
                if (!oracle.TryGetValue(key, out var want))
                {
                    differences.Add($"{key}: not in the oracle");
                    continue;
                }

                // The API serves no trade ids: every value it serves must equal the oracle's.
                var got = want with
                {
                    Trades = row.GetProperty("trades").GetInt64(),
                    BaseVolume = row.GetProperty("baseVolume").GetDecimal(),
                    QuoteVolume = row.GetProperty("quoteVolume").GetDecimal(),
                    Open = row.GetProperty("open").GetDecimal(),
                    High = row.GetProperty("high").GetDecimal(),
                    Low = row.GetProperty("low").GetDecimal(),
                    Close = row.GetProperty("close").GetDecimal(),
                };
                if (got != want)
                {
                    differences.Add($"{key}: got {got}, want {want}");
                }
            }

            differences.AddRange(byProduct[product].Where(k => !seen.Contains(k)).Select(k => $"{k}: missing"));
        }

        return differences;
    }
}
