using BitcoinVolume.Aggregate.Windowing;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Aggregate.Tests;

public class LargeTradeSelectorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 8, 9, 21, 4, 0, TimeSpan.Zero);

    private static Trade T(long id, double seconds, decimal price, decimal size, string product = "BTC-USD", string venue = Venues.Coinbase, TakerSide side = TakerSide.Buy) =>
        new(product, id, T0.AddSeconds(seconds), price, size, side) { Venue = venue };

    private static LargeTradeSelector Selector(params (string Quote, decimal Min)[] thresholds) =>
        new(new LargeTradeOptions { MinNotional = thresholds.ToDictionary(t => t.Quote, t => t.Min, StringComparer.OrdinalIgnoreCase) });

    /// <summary>Applies every trade to a real aggregator and keeps what the selector picks, as the batch processor does.</summary>
    private static List<LargeTrade> Run(LargeTradeSelector selector, WindowingOptions windowing, params Trade[] trades)
    {
        var aggregator = new VolumeAggregator(windowing);
        var selected = new List<LargeTrade>();
        foreach (var trade in trades)
        {
            if (selector.Select(trade, aggregator.Apply(trade)) is { } large)
            {
                selected.Add(large);
            }
        }

        return selected;
    }

    [Fact]
    public void A_trade_at_the_threshold_is_kept_one_below_is_not_with_the_exact_notional()
    {
        var selector = Selector(("USD", 100_000m));

        // 80000.00 × 1.24999999 = 99 999.9992 (below by 0.0008); 80000.00 × 1.25000000 = 100 000 (at); exact decimals, no rounding.
        var kept = Run(selector, new WindowingOptions(), T(1, 1, 80_000.00m, 1.24999999m), T(2, 2, 80_000.00m, 1.25000000m), T(3, 3, 81_000.01m, 2.5m, side: TakerSide.Sell));

        Assert.Equal(
            [
                new LargeTrade(Venues.Coinbase, "BTC-USD", "2", T0.AddSeconds(2), TakerSide.Buy, 80_000m, 1.25m, 100_000m, "USD"),
                new LargeTrade(Venues.Coinbase, "BTC-USD", "3", T0.AddSeconds(3), TakerSide.Sell, 81_000.01m, 2.5m, 202_500.025m, "USD"),
            ],
            kept);
        Assert.Equal("100000.0000000000", kept[0].Notional.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Duplicates_are_never_kept_twice()
    {
        var selector = Selector(("USD", 1_000m));
        var big = T(7, 1, 50_000m, 1m);

        var kept = Run(selector, new WindowingOptions(), big, big, T(8, 2, 50_000m, 0.01m), big);

        Assert.Equal(["7"], kept.Select(k => k.TradeId));
    }

    [Fact]
    public void Duplicates_of_venues_with_text_ids_are_never_kept_twice_and_keep_the_text_id()
    {
        var selector = Selector(("USDT", 1_000m));
        var uuid = "b1f1c8a6-0c1e-4c6b-9f43-2a0c7a3e2d11";
        var big = T(100, 1, 50_000m, 1m, "BTC-USDT", Venues.BybitLinear) with { TextId = uuid };

        var kept = Run(selector, new WindowingOptions(), big, big);

        var trade = Assert.Single(kept);
        Assert.Equal(uuid, trade.TradeId);
        Assert.Equal($"{Venues.BybitLinear}|BTC-USDT|{uuid}", trade.Key);
    }

    [Fact]
    public void Too_late_trades_are_not_kept_but_late_corrections_within_retention_are()
    {
        var selector = Selector(("USD", 1_000m));
        var windowing = new WindowingOptions { Retention = TimeSpan.FromMinutes(10), Grace = TimeSpan.FromSeconds(5) };

        // Trade 3 moves the watermark to 59 min 55 s: trade 1 (1 s, > retention behind) is too late; trade 2 (55 min)
        // corrects a final window and is counted, so it is kept.
        var kept = Run(selector, windowing, T(3, 3600, 50_000m, 1m), T(1, 1, 50_000m, 1m), T(2, 3300, 50_000m, 1m));

        Assert.Equal(["3", "2"], kept.Select(k => k.TradeId));
    }

    [Fact]
    public void Thresholds_are_per_quote_currency_and_a_quote_without_one_keeps_none()
    {
        var selector = Selector(("USD", 100_000m), ("EUR", 50_000m));

        var kept = Run(
            selector,
            new WindowingOptions(),
            T(1, 1, 60_000m, 1m, "BTC-USD"),   // 60k USD: below the USD threshold
            T(1, 1, 60_000m, 1m, "BTC-EUR"),   // 60k EUR: above the EUR threshold
            T(1, 1, 60_000m, 10m, "BTC-GBP"),  // 600k GBP: GBP has no threshold
            T(2, 2, 2_000m, 60m, "ETH-USD"));  // 120k USD

        Assert.Equal([("BTC-EUR", "EUR", 60_000m), ("ETH-USD", "USD", 120_000m)], kept.Select(k => (k.Product, k.Quote, k.Notional)));
    }

    [Fact]
    public void Same_trade_id_on_two_venues_or_products_is_two_trades()
    {
        var selector = Selector(("USD", 1m));

        var kept = Run(selector, new WindowingOptions(), T(1, 1, 10m, 1m), T(1, 1, 10m, 1m, venue: Venues.Kraken), T(1, 1, 10m, 1m, "ETH-USD"));

        Assert.Equal(["coinbase|BTC-USD|1", "kraken|BTC-USD|1", "coinbase|ETH-USD|1"], kept.Select(k => k.Key));
    }

    [Fact]
    public void Defaults_keep_usd_stablecoin_trades_from_100k()
    {
        var options = new LargeTradeOptions();
        var selector = new LargeTradeSelector(options);

        Assert.Equal(100_000m, options.MinNotional["USD"]);
        Assert.Equal(100_000m, options.MinNotional["usdt"]);
        Assert.Equal(100_000m, options.MinNotional["USDC"]);
        Assert.NotNull(selector.Select(T(1, 1, 100_000m, 1m, "BTC-USDC"), ApplyOutcome.Counted));
        Assert.Null(selector.Select(T(1, 1, 100_000m, 1m, "BTC-USDC"), ApplyOutcome.Duplicate));
        Assert.Null(selector.Select(T(1, 1, 100_000m, 1m, "BTC-USDC"), ApplyOutcome.TooLate));
        Assert.Null(selector.Select(T(1, 1, 99_999.99m, 1m, "BTC-USD"), ApplyOutcome.Counted));
    }
}
