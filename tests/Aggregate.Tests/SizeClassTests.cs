using BitcoinVolume.Aggregate.State;
using BitcoinVolume.Aggregate.Windowing;
using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;
using CsCheck;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Aggregate.Tests;

/// <summary>
/// Size classes (issue 17): each base window's trades split by notional (price × size) per quote currency, exact, deduped
/// like the window, the boundaries kept with the value (settings changes, restarts, RocksDB state).
/// </summary>
public sealed class SizeClassTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly string path = Path.Combine(Path.GetTempPath(), "bv-sizeclass-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    private static Trade T(long id, double seconds, decimal price, decimal size, string product = "BTC-USD", TakerSide side = TakerSide.Buy) =>
        new(product, id, T0.AddSeconds(seconds), price, size, side);

    [Fact]
    public void A_notional_on_a_boundary_is_in_the_class_above_it()
    {
        var aggregator = new VolumeAggregator(new WindowingOptions());
        aggregator.Apply(T(1, 1, 1000m, 1m));          // 1,000: [1k, 10k)
        aggregator.Apply(T(2, 2, 999.99m, 1m));        // just below: [0, 1k)
        aggregator.Apply(T(3, 3, 100000m, 10m));       // 1,000,000: the open top class
        aggregator.Apply(T(4, 4, 50000m, 0.2m));       // 10,000: [10k, 100k)

        var classes = Assert.Single(aggregator.TakeChanges().Windows).SizeClasses!;

        Assert.Equal(
            [(0m, (decimal?)1000m, 1L, 1m), (1000m, 10000m, 1L, 1m), (10000m, 100000m, 1L, 0.2m), (100000m, 1000000m, 0L, 0m), (1000000m, null, 1L, 10m)],
            classes.Select(c => (c.Min, c.Max, c.Trades, c.BaseVolume)));
    }

    [Theory]
    [InlineData("BTC-USDT", "1000")]
    [InlineData("ETH-EUR", "1000")]
    [InlineData("ETH-BTC", "0.01")]
    [InlineData("BTC-JPY", null)]
    public void Each_quote_currency_has_its_documented_default(string product, string? firstBoundary)
    {
        var aggregator = new VolumeAggregator(new WindowingOptions());
        aggregator.Apply(T(1, 1, 2m, 1m, product));

        var classes = Assert.Single(aggregator.TakeChanges().Windows).SizeClasses;

        Assert.Equal(firstBoundary is null ? null : decimal.Parse(firstBoundary, System.Globalization.CultureInfo.InvariantCulture), classes?[0].Max);
        Assert.Equal(SizeClassOracle.DefaultBoundariesOf(Products.QuoteOf(product)), classes is null ? null : SizeClassVolume.BoundariesOf(classes));
    }

    [Fact]
    public void Settings_bind_per_quote_currency_replace_the_default_and_a_single_zero_turns_a_currency_off()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Aggregate:SizeClasses:USD:0"] = "500",
            ["Aggregate:SizeClasses:USD:1"] = "5000",
            ["Aggregate:SizeClasses:JPY:0"] = "150000",
            ["Aggregate:SizeClasses:EUR:0"] = "0",
        }).Build();
        var options = new AggregateOptions();
        configuration.GetSection(AggregateOptions.Section).Bind(options);
        var table = options.Windowing.SizeClassTable;

        Assert.Equal([500m, 5000m], table.BoundariesOf("USD")!);
        Assert.Equal([150000m], table.BoundariesOf("JPY")!);
        Assert.Null(table.BoundariesOf("EUR"));
        Assert.Equal([1000m, 10000m, 100000m, 1000000m], table.BoundariesOf("USDT")!);
    }

    [Theory]
    [InlineData("Aggregate:SizeClasses:USD:0", "-5")]
    [InlineData("Aggregate:SizeClasses:USD:1", "10")]
    public async Task Boundaries_that_are_not_positive_and_rising_stop_the_service_naming_the_setting(string key, string value)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Aggregate:SizeClasses:USD:0"] = "100", [key] = value });
        builder.AddAggregateServices();
        using var host = builder.Build();

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<AggregateOptions>>().Value);

        Assert.Contains("Aggregate:SizeClasses:USD must be notional boundaries > 0 in strictly rising order", error.Message, StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    [Fact]
    public void A_duplicate_or_a_too_late_trade_never_touches_a_class()
    {
        var aggregator = new VolumeAggregator(new WindowingOptions { Retention = TimeSpan.FromMinutes(10) });
        aggregator.Apply(T(1, 1, 20000m, 1m));
        Assert.Equal(ApplyOutcome.Duplicate, aggregator.Apply(T(1, 1, 20000m, 1m)));
        aggregator.Apply(T(2, 3600, 100m, 1m));
        Assert.Equal(ApplyOutcome.TooLate, aggregator.Apply(T(3, 2, 20000m, 1m)));

        var first = aggregator.TakeChanges().Windows.Single(w => w.WindowStart == T0);

        Assert.Equal(1, first.SizeClasses!.Sum(c => c.Trades));
        Assert.Equal(1, first.SizeClasses![2].Trades);
    }

    [Fact]
    public void A_window_keeps_the_boundaries_it_was_created_with_across_a_restart_with_other_settings()
    {
        var before = new WindowingOptions();
        var after = new WindowingOptions();
        after.SizeClasses["USD"] = [50m, 5000m];
        using (var store = new PartitionStateStore(path, syncWrites: false))
        {
            var aggregator = new VolumeAggregator(before);
            aggregator.Apply(T(1, 1, 20000m, 0.01m));
            using var batch = PartitionStateStore.NewBatch();
            PartitionStateStore.Add(batch, 0, aggregator.TakeChanges(), 1);
            store.Commit(batch);
        }

        using (var store = new PartitionStateStore(path, syncWrites: false))
        {
            var restored = store.Load(0, after)!.Aggregator;
            restored.Apply(T(2, 2, 20000m, 0.2m));   // same window: the old boundaries, 4,000 in [1k, 10k)
            restored.Apply(T(3, 62, 20000m, 0.2m));  // a new window: the new boundaries, 4,000 in [50, 5k)
            var windows = restored.TakeChanges().Windows.OrderBy(w => w.WindowStart).ToArray();

            Assert.Equal([1000m, 10000m, 100000m, 1000000m], SizeClassVolume.BoundariesOf(windows[0].SizeClasses!));
            Assert.Equal([(0m, 1L), (1000m, 1L)], windows[0].SizeClasses!.Where(c => c.Trades > 0).Select(c => (c.Min, c.Trades)));
            Assert.Equal([50m, 5000m], SizeClassVolume.BoundariesOf(windows[1].SizeClasses!));
            Assert.Equal(1, windows[1].SizeClasses![1].Trades);
        }
    }

    [Fact]
    public void A_window_restored_without_classes_stays_without_them()
    {
        var aggregator = new VolumeAggregator(new WindowingOptions());
        var old = new WindowVolume("BTC-USD", TakerSide.Buy, T0, 1, 1m, 20000m, 20000m, 20000m, 20000m, 20000m, 1, 1, WindowVolume.VersionOf(1, false), false);
        aggregator.Restore([old], [new("BTC-USD", [(1L, 1L)])], new EventTimeState(T0.AddSeconds(1).UtcTicks, T0.UtcTicks));

        aggregator.Apply(T(2, 5, 20000m, 1m));

        var window = Assert.Single(aggregator.TakeChanges().Windows);
        Assert.Equal(2, window.Trades);
        Assert.Null(window.SizeClasses);
    }

    /// <summary>
    /// Random boundaries, duplicates, disorder, late corrections and restarts through the real RocksDB store: the last value
    /// of every window has the classes the oracle computes from the distinct, counted trades.
    /// </summary>
    [Fact]
    public void Classes_equal_the_oracle_under_duplicates_disorder_late_corrections_and_restarts_through_rocksdb()
    {
        var gen = Gen.Int[1, 300].Select(Gen.Int, Gen.Int[0, 30], Gen.Int[1, 5]);
        var run = 0;
        gen.Sample(
            (count, seed, duplicatePercent, boundaryCount) =>
            {
                var random = new Random(seed);
                var bounds = Enumerable.Range(1, boundaryCount).Select(i => i * (decimal)random.Next(1, 4000)).Distinct().Order().ToArray();
                var options = new WindowingOptions { Grace = TimeSpan.FromSeconds(5), Retention = TimeSpan.FromMinutes(10) };
                options.SizeClasses["USD"] = bounds;
                var trades = MakeTrades(count, random);
                var arrival = ArrivalOrder.Arrive(trades, random, duplicatePercent, disorderSeconds: 20, maxLateMinutes: 30);
                var folder = Path.Combine(path, (run++).ToString(System.Globalization.CultureInfo.InvariantCulture));
                var emitted = new Dictionary<string, WindowVolume>(StringComparer.Ordinal);
                var counted = new List<Trade>();
                var store = new PartitionStateStore(folder, syncWrites: false);
                try
                {
                    var aggregator = new VolumeAggregator(options);
                    for (var i = 0; i < arrival.Count; i++)
                    {
                        if (aggregator.Apply(arrival[i]) is ApplyOutcome.Counted or ApplyOutcome.Correction)
                        {
                            counted.Add(arrival[i]);
                        }

                        if (random.Next(8) == 0 || i == arrival.Count - 1)
                        {
                            var changes = aggregator.TakeChanges();
                            foreach (var w in changes.Windows)
                            {
                                emitted[w.Key] = w;
                            }

                            using var batch = PartitionStateStore.NewBatch();
                            PartitionStateStore.Add(batch, 0, changes, i + 1);
                            store.Commit(batch);
                            if (random.Next(3) == 0)
                            {
                                store.Dispose();
                                store = new PartitionStateStore(folder, syncWrites: false);
                                aggregator = store.Load(0, options)!.Aggregator;
                            }
                        }
                    }
                }
                finally
                {
                    store.Dispose();
                }

                // The oracle of the counted trades: each distinct trade once (a duplicate was never counted twice).
                Assert.Equal(counted.Count, counted.Select(t => t.TradeId).Distinct().Count());
                var expected = WindowOracle.ComputeByVenue(counted, WindowSpec.Default, q => q == "USD" ? bounds : null);
                Assert.Equal(expected.Count, emitted.Count);
                foreach (var window in expected.Values)
                {
                    var got = emitted[WindowVolume.KeyOf(window.Venue, window.Product, window.Side, new DateTimeOffset(window.Start.Ticks, TimeSpan.Zero))];
                    Assert.Equal(window.SizeClasses, got.SizeClasses);
                    Assert.True(SizeClassVolume.IsValid(got.SizeClasses, got.Trades, got.BaseVolume, out var problem), problem);
                }
            },
            iter: 60);
    }

    private static Trade[] MakeTrades(int count, Random random)
    {
        var time = T0;
        var trades = new Trade[count];
        for (var i = 0; i < count; i++)
        {
            time = time.AddMilliseconds(random.Next(15) == 0 ? random.Next(60_000, 700_000) : random.Next(0, 5_000));
            trades[i] = new Trade("BTC-USD", i + 1, time, 20_000m + (random.Next(-100_000, 100_000) / 100m), random.Next(1, 30_000_000) / 100_000_000m, random.Next(2) == 0 ? TakerSide.Buy : TakerSide.Sell);
        }

        return trades;
    }
}
