using BitcoinVolume.Aggregate.State;
using BitcoinVolume.Aggregate.Windowing;
using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;
using CsCheck;

namespace BitcoinVolume.Aggregate.Tests;

/// <summary>
/// Trades of several venues on one partition — the same product id on Coinbase, Kraken and Bitstamp, contiguous ids,
/// ids with holes (Bitstamp), text ids (Bybit linear) — with duplicates, disorder, late trades and restarts from committed
/// state: every window equals an oracle keyed by (venue, product, side, start), so the same product on two venues never
/// merges; ids of venues without contiguous ids are remembered for the dedup horizon, and a trade older than that is
/// reported too late, never counted twice.
/// </summary>
public class VenueKeyPropertyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly (string Venue, string Product)[] Streams =
    [
        (Venues.Coinbase, "BTC-USD"),
        (Venues.Kraken, "BTC-USD"),
        (Venues.Bitstamp, "BTC-USD"),
        (Venues.BybitLinear, "BTC-USDT"),
        (Venues.Bybit, "BTC-USDT"),
    ];

    private static readonly WindowingOptions Options = new()
    {
        Grace = TimeSpan.FromSeconds(5),
        Retention = TimeSpan.FromMinutes(10),
        DedupHorizon = TimeSpan.FromMinutes(4),
    };

    [Fact]
    public void Every_venue_window_equals_the_oracle_and_the_same_product_never_merges() =>
        Gen.Int[1, 400].Select(Gen.Int, Gen.Int[0, 30], Gen.Int[0, 20]).Sample(
            (count, seed, duplicatePercent, disorderSeconds) =>
            {
                var random = new Random(seed);
                var arrival = ArrivalOrder.Arrive(MakeTrades(count, random), random, duplicatePercent, disorderSeconds, maxLateMinutes: 12);
                var emitted = new Dictionary<string, WindowVolume>(StringComparer.Ordinal);
                var tooLate = new List<Trade>();
                var store = new InMemoryStateStore();
                var aggregator = new VolumeAggregator(Options);
                for (var i = 0; i < arrival.Count; i++)
                {
                    if (aggregator.Apply(arrival[i]) == ApplyOutcome.TooLate)
                    {
                        tooLate.Add(arrival[i]);
                    }

                    if (random.Next(10) == 0 || i == arrival.Count - 1)
                    {
                        var changes = aggregator.TakeChanges();
                        foreach (var w in changes.Windows)
                        {
                            emitted[w.Key] = w;
                        }

                        store.Commit(changes);
                        if (random.Next(4) == 0)
                        {
                            aggregator = store.Restore(Options);
                        }
                    }
                }

                aggregator.AdvanceWatermark(DateTimeOffset.MaxValue);
                foreach (var w in aggregator.TakeChanges().Windows)
                {
                    emitted[w.Key] = w;
                }

                var (expected, expectedLate) = Oracle(arrival);
                Assert.Equal(expectedLate.Count, tooLate.Count);
                Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), emitted.Keys.Order(StringComparer.Ordinal));
                foreach (var (key, value) in expected)
                {
                    Assert.Equal(value, emitted[key] with { Version = 0, Final = false });
                }
            },
            iter: 300);

    [Fact]
    public void Remembered_ids_survive_a_restart_through_the_RocksDB_store_and_are_forgotten_after_the_horizon()
    {
        var path = Path.Combine(Path.GetTempPath(), "bv-venue-state-" + Guid.NewGuid().ToString("N"));
        try
        {
            var uuid = Guid.NewGuid().ToString();
            var linear = new Trade("BTC-USDT", 7, T0, 60_000m, 0.5m, TakerSide.Buy) { Venue = Venues.BybitLinear, TextId = uuid };
            var stamp = new Trade("BTC-USD", 301, T0, 60_001m, 0.25m, TakerSide.Sell) { Venue = Venues.Bitstamp };
            var aggregator = new VolumeAggregator(Options);
            Assert.Equal(ApplyOutcome.Counted, aggregator.Apply(linear));
            Assert.Equal(ApplyOutcome.Counted, aggregator.Apply(stamp));
            using (var store = new PartitionStateStore(path, syncWrites: false))
            {
                var batch = PartitionStateStore.NewBatch();
                PartitionStateStore.Add(batch, 0, aggregator.TakeChanges(), nextOffset: 2);
                store.Commit(batch);
            }

            using (var store = new PartitionStateStore(path, syncWrites: false))
            {
                var restored = store.Load(0, Options)!.Aggregator;
                Assert.Equal(ApplyOutcome.Duplicate, restored.Apply(linear));
                Assert.Equal(ApplyOutcome.Duplicate, restored.Apply(stamp with { Time = T0 }));

                // The same trade id on another venue is another trade.
                Assert.Equal(ApplyOutcome.Counted, restored.Apply(stamp with { Venue = Venues.Coinbase }));

                // Past the horizon the ids are forgotten (and deleted from the store); the trade is then too late, not new.
                restored.Apply(linear with { TextId = "later", Time = T0 + TimeSpan.FromMinutes(5) });
                var changes = restored.TakeChanges();
                Assert.Contains(changes.RecentForgotten, r => r.Id.Text == uuid);
                Assert.Equal(ApplyOutcome.TooLate, restored.Apply(linear));
            }
        }
        finally
        {
            Directory.Delete(path, recursive: true);
        }
    }

    /// <summary>From the definitions: distinct (venue, product, id) trades, minus those too late at arrival.</summary>
    private static (Dictionary<string, WindowVolume> Windows, List<Trade> Late) Oracle(IReadOnlyList<Trade> arrival)
    {
        var seen = new HashSet<(string, string, long, string?)>();
        var late = new List<Trade>();
        var counted = new List<Trade>();
        var maxTime = DateTimeOffset.MinValue;
        foreach (var trade in arrival)
        {
            var contiguous = Venues.Find(trade.Venue)!.ContiguousTradeIds;
            var identity = (trade.Venue, trade.Product, trade.TextId is null ? trade.TradeId : 0, trade.TextId);
            var horizon = contiguous ? Options.Retention : Options.DedupHorizon;
            var isLate = maxTime != DateTimeOffset.MinValue && trade.Time < maxTime - Options.Grace - horizon;

            // Contiguous venues: dedup first (ids are kept for good); the others: lateness first (ids are kept for the horizon).
            if (contiguous ? seen.Contains(identity) : !isLate && seen.Contains(identity))
            {
                continue;
            }

            if (isLate)
            {
                late.Add(trade);
                continue;
            }

            seen.Add(identity);
            maxTime = trade.Time > maxTime ? trade.Time : maxTime;
            counted.Add(trade);
        }

        var windows = WindowOracle.ComputeByVenue(counted, Options.Window).Values
            .Select(w => w.ToWindowVolume(version: 0, final: false))
            .ToDictionary(w => w.Key, StringComparer.Ordinal);
        return (windows, late);
    }

    private static Trade[] MakeTrades(int count, Random random)
    {
        var ids = new long[Streams.Length];
        var time = T0;
        var trades = new Trade[count];
        for (var i = 0; i < count; i++)
        {
            time = time.AddMilliseconds(random.Next(10) == 0 ? random.Next(60_000, 400_000) : random.Next(0, 5_000));
            var s = random.Next(Streams.Length);
            var (venue, product) = Streams[s];
            ids[s] += Venues.Find(venue)!.ContiguousTradeIds ? 1 : random.Next(1, 50);
            var price = 20_000m + (random.Next(-100_000, 100_000) / 100m);
            var size = random.Next(1, 100_000_000) / 100_000_000m;
            trades[i] = new Trade(product, ids[s], time, price, size, random.Next(2) == 0 ? TakerSide.Buy : TakerSide.Sell)
            {
                Venue = venue,
                TextId = venue == Venues.BybitLinear ? $"uuid-{ids[s]}-{random.Next(1000)}" : null,
            };
        }

        return trades;
    }
}
