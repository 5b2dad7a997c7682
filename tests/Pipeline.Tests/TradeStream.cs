using BitcoinVolume.Contracts;

namespace BitcoinVolume.Pipeline.Tests;

/// <summary>Expected per-window values, computed from the distinct trades by plain LINQ (independent of the product code but for the window spec).</summary>
public sealed record OracleWindow(string Product, TakerSide Side, DateTime Start, long Trades, decimal BaseVolume, decimal QuoteVolume, decimal Open, decimal High, decimal Low, decimal Close);

/// <summary>A deterministic stream of trades as they would arrive on `trades`: duplicates, disorder and late trades included.</summary>
public static class TradeStream
{
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// <paramref name="count"/> distinct trades over <paramref name="products"/> products spread over
    /// <paramref name="span"/>, then ~2% re-sent (duplicates) and local disorder of a few seconds, and ~0.5% arriving minutes late.
    /// </summary>
    public static (List<Trade> Arrival, List<Trade> Distinct) Generate(int count, int products, TimeSpan span, int seed)
    {
        var random = new Random(seed);
        var nextId = new long[products];
        var distinct = new List<Trade>(count);
        for (var i = 0; i < count; i++)
        {
            var p = random.Next(products);
            var time = Start + TimeSpan.FromTicks(span.Ticks / count * i);
            var price = 100m + (p * 1000m) + (random.Next(-50_000, 50_000) / 1000m);
            var size = random.Next(1, 5_000_000) / 100_000_000m;
            distinct.Add(new Trade($"P{p:D2}-USD", ++nextId[p] + 1_000_000, time, price, size, random.Next(2) == 0 ? TakerSide.Buy : TakerSide.Sell));
        }

        var arrival = distinct
            .Select((t, i) => (t, at: i + random.Next(0, 50) + (random.Next(200) == 0 ? random.Next(2_000, 20_000) : 0)))
            .ToList();
        arrival.AddRange(distinct.Select((t, i) => (t, i)).Where(_ => random.Next(50) == 0).Select(x => (x.t, at: x.i + random.Next(0, 5_000))));
        return (arrival.OrderBy(x => x.at).Select(x => x.t).ToList(), distinct);
    }

    /// <summary>The windows of the default base window, 1 minute.</summary>
    public static Dictionary<(string, TakerSide, DateTime), OracleWindow> Oracle(IEnumerable<Trade> distinct) => Oracle(distinct, WindowSpec.Default);

    /// <summary>The windows of <paramref name="window"/>: trades grouped by (product, side, window start).</summary>
    public static Dictionary<(string, TakerSide, DateTime), OracleWindow> Oracle(IEnumerable<Trade> distinct, WindowSpec window) =>
        distinct
            .GroupBy(t => (t.Product, t.Side, Start: window.StartOf(t.Time).UtcDateTime))
            .ToDictionary(
                g => g.Key,
                g =>
                {
                    var byId = g.OrderBy(t => t.TradeId).ToList();
                    return new OracleWindow(g.Key.Product, g.Key.Side, g.Key.Start, byId.Count, byId.Sum(t => t.Size), byId.Sum(t => t.Price * t.Size), byId[0].Price, byId.Max(t => t.Price), byId.Min(t => t.Price), byId[^1].Price);
                });
}
