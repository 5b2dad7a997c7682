using BitcoinVolume.Contracts;

namespace BitcoinVolume.TestSupport;

/// <summary>Deterministic trades for tests (from a seed): streams as they arrive on <c>trades</c>, markets, one product's history.</summary>
public static class TradeStream
{
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// <paramref name="count"/> distinct trades over <paramref name="products"/> products spread over
    /// <paramref name="span"/>, then ~2% re-sent (duplicates) and local disorder of a few seconds, and ~0.5% arriving minutes late:
    /// the stream as it would arrive on <c>trades</c>, and the distinct trades the oracle counts.
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

    /// <summary>
    /// A market: <paramref name="count"/> distinct trades over <paramref name="products"/> (popularity falling off with
    /// rank, like real markets; contiguous ids per product) spread over <paramref name="span"/>, in publication order.
    /// </summary>
    public static List<Trade> Market(IReadOnlyList<string> products, int count, TimeSpan span, int seed)
    {
        ArgumentNullException.ThrowIfNull(products);
        var random = new Random(seed);
        var next = products.Select((_, i) => 1_000_000_000L * (i + 1)).ToArray();
        var trades = new List<Trade>(count);
        for (var i = 0; i < count; i++)
        {
            var p = Math.Min(products.Count - 1, (int)Math.Floor(products.Count * Math.Pow(random.NextDouble(), 1.6)));
            trades.Add(new Trade(products[p], next[p]++, Start + TimeSpan.FromTicks(span.Ticks / count * i),
                100m + (p * 1000m) + (random.Next(-50_000, 50_000) / 1000m),
                random.Next(1, 5_000_000) / 100_000_000m,
                RandomSide(random)));
        }

        return trades;
    }

    /// <summary>One product's trades <c>[firstId, firstId + count)</c>, ~137 ms apart, in id order.</summary>
    public static List<Trade> OfProduct(string product, long firstId, int count, int seed)
    {
        var random = new Random(seed);
        var start = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
        return Enumerable.Range(0, count).Select(i => new Trade(
            product,
            firstId + i,
            start.AddMilliseconds(i * 137).AddTicks(random.Next(10_000) * 10),
            60_000m + (random.Next(-50_000, 50_000) / 100m),
            random.Next(1, 5_000_000) / 100_000_000m,
            RandomSide(random))).ToList();
    }

    /// <summary>The taker side of a generated trade (the venue fakes draw the maker side "buy" first: its taker sold).</summary>
    private static TakerSide RandomSide(Random random) => random.Next(2) == 0 ? TakerSide.Sell : TakerSide.Buy;
}
