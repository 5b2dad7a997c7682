using BitcoinVolume.Contracts;

namespace BitcoinVolume.TestSupport;

/// <summary>The expected values of one window of one product and taker side.</summary>
public sealed record OracleWindow(
    string Product, TakerSide Side, DateTime Start, long Trades, decimal BaseVolume, decimal QuoteVolume, decimal Open, decimal High, decimal Low, decimal Close,
    long FirstTradeId, long LastTradeId)
{
    /// <summary>The venue (Coinbase unless the trades named another).</summary>
    public string Venue { get; init; } = Venues.Coinbase;

    /// <summary>The expected size classes (<see cref="SizeClassOracle"/>), or null when the quote currency has none.</summary>
    public IReadOnlyList<SizeClassVolume>? SizeClasses { get; init; }

    /// <summary>Volume-weighted average price: quote volume / base volume.</summary>
    public decimal Vwap => QuoteVolume / BaseVolume;

    /// <summary>The window as the aggregator emits it to <c>volumes.1m</c>, at <paramref name="version"/>.</summary>
    public WindowVolume ToWindowVolume(long version, bool final) =>
        new(Product, Side, new DateTimeOffset(Start.Ticks, TimeSpan.Zero), Trades, BaseVolume, QuoteVolume, Open, High, Low, Close, FirstTradeId, LastTradeId, version, final)
        {
            Venue = Venue,
            SizeClasses = SizeClasses,
        };
}

/// <summary>
/// THE oracle of the tests and the benchmarks: the expected per-window values, computed from a set of distinct trades by
/// plain LINQ, independently of the product's code but for the window spec (<see cref="WindowSpec.StartOf(DateTimeOffset)"/>),
/// so any base window works. Trades are grouped by (product, taker side, window start); open and close are the prices of
/// the lowest and highest trade id; volumes are decimal sums.
/// </summary>
public static class WindowOracle
{
    /// <summary>The windows of the default base window, 1 minute.</summary>
    public static Dictionary<(string Product, TakerSide Side, DateTime Start), OracleWindow> Compute(IEnumerable<Trade> distinct) => Compute(distinct, WindowSpec.Default);

    /// <summary>
    /// The windows of <paramref name="window"/> of ONE venue's trades, keyed by (product, taker side, window start in UTC);
    /// trades of several venues need <see cref="ComputeByVenue"/> (the same product id on two venues is two windows).
    /// </summary>
    public static Dictionary<(string Product, TakerSide Side, DateTime Start), OracleWindow> Compute(IEnumerable<Trade> distinct, WindowSpec window)
    {
        var byVenue = ComputeByVenue(distinct, window);
        return byVenue.Keys.Select(k => k.Venue).Distinct().Count() > 1
            ? throw new ArgumentException("The trades are of several venues: use ComputeByVenue.", nameof(distinct))
            : byVenue.ToDictionary(kv => (kv.Key.Product, kv.Key.Side, kv.Key.Start), kv => kv.Value);
    }

    /// <summary>
    /// The windows of <paramref name="window"/>, keyed by (venue, product, taker side, window start in UTC). Open and close
    /// are the prices of the lowest and highest trade id (ties: the first and the last in input order).
    /// </summary>
    public static Dictionary<(string Venue, string Product, TakerSide Side, DateTime Start), OracleWindow> ComputeByVenue(IEnumerable<Trade> distinct, WindowSpec window) =>
        ComputeByVenue(distinct, window, SizeClassOracle.DefaultBoundariesOf);

    /// <summary>
    /// <see cref="ComputeByVenue(IEnumerable{Trade}, WindowSpec)"/> with the size classes of <paramref name="boundariesOf"/>
    /// (quote currency → boundaries, null: no classes).
    /// </summary>
    public static Dictionary<(string Venue, string Product, TakerSide Side, DateTime Start), OracleWindow> ComputeByVenue(
        IEnumerable<Trade> distinct, WindowSpec window, Func<string, decimal[]?> boundariesOf)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(boundariesOf);
        return distinct
            .GroupBy(t => (t.Venue, t.Product, t.Side, window.StartOf(t.Time).UtcDateTime))
            .ToDictionary(
                g => g.Key,
                g =>
                {
                    var byId = g.OrderBy(t => t.TradeId).ToList();
                    return new OracleWindow(g.Key.Product, g.Key.Side, g.Key.Item4, byId.Count, byId.Sum(t => t.Size), byId.Sum(t => t.Price * t.Size),
                        byId[0].Price, byId.Max(t => t.Price), byId.Min(t => t.Price), byId[^1].Price, byId[0].TradeId, byId[^1].TradeId)
                    {
                        Venue = g.Key.Venue,
                        SizeClasses = SizeClassOracle.Classes(byId, boundariesOf(SizeClassOracle.QuoteOf(g.Key.Product))),
                    };
                });
    }

    /// <summary>The window <paramref name="trade"/> counts in: (product, taker side, window start in UTC).</summary>
    public static (string Product, TakerSide Side, DateTime Start) KeyOf(Trade trade, WindowSpec window)
    {
        ArgumentNullException.ThrowIfNull(trade);
        ArgumentNullException.ThrowIfNull(window);
        return (trade.Product, trade.Side, window.StartOf(trade.Time).UtcDateTime);
    }

    /// <summary>Windows in the order the API lists them: product (ordinal), start, side (buy first).</summary>
    public static List<OracleWindow> InApiOrder(IEnumerable<OracleWindow> windows) =>
        [.. windows.OrderBy(w => w.Product, StringComparer.Ordinal).ThenBy(w => w.Start).ThenBy(w => w.Side)];
}
