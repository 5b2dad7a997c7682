using System.Globalization;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Infrastructure;
using static BitcoinVolume.Sink.Tests.TestData;

namespace BitcoinVolume.Sink.Tests;

/// <summary>
/// The same upsert / replay / idempotency suite against every store that serves queries: SQLite and a real PostgreSQL
/// server. Each case gets its own database (SQLite file / PostgreSQL schema).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class VolumeStoreContractTests
{
    private static readonly DateTimeOffset Far = new(2100, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Task<IReadOnlyList<WindowVolume>> ReadAllAsync(IVolumeStore store, string product = "BTC-USD") =>
        store.GetWindowRowsAsync(product, DateTimeOffset.UnixEpoch, Far);

    [Theory]
    [StoreData("sqlite")]
    [StoreData("postgres")]
    public async Task Upsert_then_read_keeps_decimals_exact_with_their_scale(string kind)
    {
        await using var db = await TestStore.CreateAsync(kind);
        var window = Window(
            baseVolume: 0.00000001m,
            quoteVolume: 123456789.123456789012m,
            open: 1.50m,
            high: 79228162514264337593543950335m,
            low: -0.0000000000000000000000000001m,
            close: 0.1000000000000000000000000000m,
            final: true);

        Assert.Equal(1, await db.Store.UpsertAsync([window]));

        var row = Assert.Single(await ReadAllAsync(db.Store));
        Assert.Equal(window, row);
        Assert.Equal("0.00000001", row.BaseVolume.ToString(CultureInfo.InvariantCulture));
        Assert.Equal("123456789.123456789012", row.QuoteVolume.ToString(CultureInfo.InvariantCulture));
        Assert.Equal("1.50", row.Open.ToString(CultureInfo.InvariantCulture));
        Assert.Equal("79228162514264337593543950335", row.High.ToString(CultureInfo.InvariantCulture));
        Assert.Equal("-0.0000000000000000000000000001", row.Low.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(TimeSpan.Zero, row.WindowStart.Offset);
    }

    [Theory]
    [StoreData("sqlite")]
    [StoreData("postgres")]
    public async Task Same_batch_twice_gives_the_same_rows(string kind)
    {
        await using var db = await TestStore.CreateAsync(kind);
        WindowVolume[] batch =
        [
            Window(side: TakerSide.Buy, version: 3),
            Window(side: TakerSide.Sell, version: 2, baseVolume: 1.25m),
            Window(start: T0.AddMinutes(1), version: 7, quoteVolume: 9.99m),
        ];

        Assert.Equal(3, await db.Store.UpsertAsync(batch));
        var first = await ReadAllAsync(db.Store);
        Assert.Equal(0, await db.Store.UpsertAsync(batch));
        var second = await ReadAllAsync(db.Store);

        Assert.Equal(3, first.Count);
        Assert.Equal(first, second);
    }

    [Theory]
    [StoreData("sqlite")]
    [StoreData("postgres")]
    public async Task Older_or_equal_version_after_newer_keeps_the_newer(string kind)
    {
        await using var db = await TestStore.CreateAsync(kind);
        var newer = Window(version: 5, trades: 10, baseVolume: 2m);
        var older = Window(version: 4, trades: 9, baseVolume: 1.9m);
        var sameVersionOtherContent = Window(version: 5, trades: 99, baseVolume: 99m);

        await db.Store.UpsertAsync([newer]);
        Assert.Equal(0, await db.Store.UpsertAsync([older]));
        Assert.Equal(0, await db.Store.UpsertAsync([sameVersionOtherContent]));

        Assert.Equal(newer, Assert.Single(await ReadAllAsync(db.Store)));
    }

    [Theory]
    [StoreData("sqlite")]
    [StoreData("postgres")]
    public async Task Out_of_order_versions_keep_the_highest_one_by_one_and_within_one_batch(string kind)
    {
        await using var db = await TestStore.CreateAsync(kind);
        static WindowVolume Version(string product, int v) =>
            Window(product: product, version: v, trades: v, baseVolume: v * 0.1m, quoteVolume: v * 1000.01m, close: 64000m + v);

        int[][] orders = [[1, 2, 3, 4, 5], [5, 4, 3, 2, 1], [2, 5, 1, 4, 3], [3, 1, 5, 5, 2, 4, 1]];
        for (var i = 0; i < orders.Length; i++)
        {
            var oneByOne = $"ONE-{i}";
            var together = $"ALL-{i}";
            foreach (var v in orders[i])
            {
                await db.Store.UpsertAsync([Version(oneByOne, v)]);
            }

            await db.Store.UpsertAsync(orders[i].Select(v => Version(together, v)).ToList());

            Assert.Equal(Version(oneByOne, orders[i].Max()), Assert.Single(await ReadAllAsync(db.Store, oneByOne)));
            Assert.Equal(Version(together, orders[i].Max()), Assert.Single(await ReadAllAsync(db.Store, together)));
        }
    }

    [Theory]
    [StoreData("sqlite")]
    [StoreData("postgres")]
    public async Task A_failure_mid_batch_writes_nothing(string kind)
    {
        await using var db = await TestStore.CreateAsync(kind);
        var existing = Window(version: 1);
        await db.Store.UpsertAsync([existing]);

        WindowVolume[] batch =
        [
            Window(version: 2, trades: 50),                      // would update the existing row
            Window(side: TakerSide.Sell, version: 1),            // would insert
            Window(start: T0.AddMinutes(1), trades: -1),         // violates CHECK (trades >= 0): the batch fails
            Window(start: T0.AddMinutes(2)),                     // would insert
        ];

        await Assert.ThrowsAnyAsync<Exception>(() => db.Store.UpsertAsync(batch));

        Assert.Equal(existing, Assert.Single(await ReadAllAsync(db.Store)));
    }

    [Theory]
    [StoreData("sqlite")]
    [StoreData("postgres")]
    public async Task A_cancelled_batch_writes_nothing(string kind)
    {
        await using var db = await TestStore.CreateAsync(kind);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => db.Store.UpsertAsync([Window()], cts.Token));

        Assert.Empty(await ReadAllAsync(db.Store));
    }

    [Theory]
    [StoreData("sqlite")]
    [StoreData("postgres")]
    public async Task Range_query_is_half_open_filtered_by_product_and_ordered_by_start_then_side(string kind)
    {
        await using var db = await TestStore.CreateAsync(kind);
        await db.Store.UpsertAsync(
        [
            Window(side: TakerSide.Sell, start: T0.AddMinutes(2)),
            Window(side: TakerSide.Sell, start: T0),
            Window(side: TakerSide.Buy, start: T0.AddMinutes(3)),  // == to: excluded
            Window(side: TakerSide.Buy, start: T0.AddMinutes(-1)), // before from: excluded
            Window(side: TakerSide.Buy, start: T0.AddMinutes(2)),
            Window(side: TakerSide.Buy, start: T0),
            Window(product: "ETH-USD", start: T0),
        ]);

        var rows = await db.Store.GetWindowRowsAsync("BTC-USD", T0, T0.AddMinutes(3));

        Assert.Equal(
            [(T0, TakerSide.Buy), (T0, TakerSide.Sell), (T0.AddMinutes(2), TakerSide.Buy), (T0.AddMinutes(2), TakerSide.Sell)],
            rows.Select(r => (r.WindowStart, r.Side)).ToArray());
        Assert.All(rows, r => Assert.Equal("BTC-USD", r.Product));

        // Bounds between minutes (even a tick past one): windows whose start is in [from, to).
        var inner = await db.Store.GetWindowRowsAsync("BTC-USD", T0.AddSeconds(1), T0.AddMinutes(2).AddTicks(1));
        Assert.Equal([(T0.AddMinutes(2), TakerSide.Buy), (T0.AddMinutes(2), TakerSide.Sell)], inner.Select(r => (r.WindowStart, r.Side)).ToArray());
    }

    [Theory]
    [StoreData("sqlite")]
    [StoreData("postgres")]
    public async Task Products_are_distinct_and_in_ordinal_order_and_extent_spans_both_sides(string kind)
    {
        await using var db = await TestStore.CreateAsync(kind);
        Assert.Empty(await db.Store.GetProductsAsync());
        Assert.Null(await db.Store.GetExtentAsync("BTC-USD"));

        await db.Store.UpsertAsync(
        [
            Window(product: "eth-usd"),
            Window(product: "ETH-USD"),
            Window(product: "BTC-USD", side: TakerSide.Sell, start: T0.AddMinutes(-3)),
            Window(product: "BTC-USD", start: T0.AddMinutes(5)),
            Window(product: "BTC-EUR"),
        ]);

        Assert.Equal(["BTC-EUR", "BTC-USD", "ETH-USD", "eth-usd"], await db.Store.GetProductsAsync());
        Assert.Equal((T0.AddMinutes(-3), T0.AddMinutes(5)), await db.Store.GetExtentAsync("BTC-USD"));
        await db.Store.PingAsync();
    }

    /// <summary>
    /// Random streams of full window values (several versions per window) delivered in random batches, out of order, with
    /// duplicates, interrupted mid-batch (a batch that fails as a whole, then is replayed with everything after it, as
    /// Kafka redelivers from the last committed offset) and finally delivered a second time: the table equals the oracle
    /// (the highest version of each window) exactly.
    /// </summary>
    [Theory]
    [StoreData("sqlite")]
    [StoreData("postgres")]
    public async Task Streams_delivered_twice_out_of_order_or_interrupted_mid_batch_leave_exactly_the_oracle(string kind)
    {
        await using var db = await TestStore.CreateAsync(kind);
        for (var seed = 1; seed <= 12; seed++)
        {
            var random = new Random(seed);
            var products = new[] { $"S{seed}-BTC-USD", $"S{seed}-ETH-USD" };
            var stream = new List<WindowVolume>();
            foreach (var product in products)
            {
                foreach (var side in new[] { TakerSide.Buy, TakerSide.Sell })
                {
                    for (var minute = 0; minute < 8; minute++)
                    {
                        var versions = random.Next(1, 6);
                        for (var v = 1; v <= versions; v++)
                        {
                            stream.Add(Versioned(product, side, T0.AddMinutes(minute), v, random));
                        }
                    }
                }
            }

            var oracle = stream.GroupBy(w => w.Key).Select(g => g.MaxBy(w => w.Version)!).ToDictionary(w => w.Key);

            // Out of order with duplicates, cut into random batches.
            var delivery = stream.Concat(stream.Where(_ => random.Next(4) == 0)).OrderBy(_ => random.Next()).ToList();
            var batches = new List<List<WindowVolume>>();
            for (var i = 0; i < delivery.Count;)
            {
                var size = random.Next(1, 40);
                batches.Add(delivery.Skip(i).Take(size).ToList());
                i += size;
            }

            // Interrupted mid-batch: the batch at `crash` carries a poison row in the middle and fails as a whole; the
            // consumer then replays from that batch on (the poison is the record that crashed it, not redelivered).
            var crash = random.Next(batches.Count);
            for (var b = 0; b < batches.Count; b++)
            {
                if (b == crash)
                {
                    var poisoned = batches[b].ToList();
                    poisoned.Insert(poisoned.Count / 2, Window(product: products[0], start: T0.AddHours(5), trades: -1));
                    await Assert.ThrowsAnyAsync<Exception>(() => db.Store.UpsertAsync(poisoned));
                }

                await db.Store.UpsertAsync(batches[b]);
            }

            await AssertEqualsOracleAsync(db.Store, products, oracle, $"seed {seed}, first delivery");

            // The whole stream a second time (a consumer group reset), in another order: nothing moves.
            foreach (var batch in delivery.OrderBy(_ => random.Next()).Chunk(random.Next(5, 100)))
            {
                Assert.Equal(0, await db.Store.UpsertAsync(batch));
            }

            await AssertEqualsOracleAsync(db.Store, products, oracle, $"seed {seed}, second delivery");
        }
    }

    private static WindowVolume Versioned(string product, TakerSide side, DateTimeOffset start, int version, Random random)
    {
        var trades = version * 3 + random.Next(3);
        var size = random.Next(1, 1_000_000_000) / 100_000_000m + version;
        var price = 60000m + (random.Next(0, 1_000_000) / 100m);
        return new WindowVolume(product, side, start, trades, size, size * price, price, price + 1.5m, price - 0.25m, price + 0.01m,
            FirstTradeId: 1000, LastTradeId: 1000 + trades, Version: version, Final: version > 3);
    }

    private static async Task AssertEqualsOracleAsync(
        IVolumeStore store, string[] products, Dictionary<string, WindowVolume> oracle, string because)
    {
        var actual = new List<WindowVolume>();
        foreach (var product in products)
        {
            actual.AddRange(await ReadAllAsync(store, product));
        }

        Assert.True(oracle.Count == actual.Count, $"{because}: {actual.Count} rows, oracle {oracle.Count}");
        foreach (var row in actual)
        {
            Assert.True(oracle.TryGetValue(row.Key, out var expected), $"{because}: unexpected row {row.Key}");
            Assert.True(expected == row, $"{because}: {row.Key} is {row}, oracle {expected}");
        }
    }
}
