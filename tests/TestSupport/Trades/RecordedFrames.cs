using System.Globalization;
using System.Text.Json;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.TestSupport;

/// <summary>
/// The trades of a file of raw Coinbase Exchange frames recorded live (one JSON frame a line, e.g.
/// <c>tests/data/coinbase-exchange-matches-2021-04-17.ndjson</c>), read independently of the product's parser: a DOM
/// parse of every <c>match</c> and <c>last_match</c>, the taker flip (Coinbase's side is the maker's), each trade id once
/// (the first time it appears), other frames ignored.
/// </summary>
public static class RecordedFrames
{
    /// <summary>The distinct trades of the file, in the order they first appear.</summary>
    public static List<Trade> Trades(string path)
    {
        var trades = new Dictionary<(string Product, long Id), Trade>();
        foreach (var line in File.ReadLines(path))
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            if (root.GetProperty("type").GetString() is not ("match" or "last_match"))
            {
                continue;
            }

            var product = root.GetProperty("product_id").GetString()!;
            var id = root.GetProperty("trade_id").GetInt64();
            trades.TryAdd((product, id), new Trade(
                product,
                id,
                DateTimeOffset.Parse(root.GetProperty("time").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                decimal.Parse(root.GetProperty("price").GetString()!, CultureInfo.InvariantCulture),
                decimal.Parse(root.GetProperty("size").GetString()!, CultureInfo.InvariantCulture),
                root.GetProperty("side").GetString() == "sell" ? TakerSide.Buy : TakerSide.Sell));
        }

        return [.. trades.Values];
    }
}
