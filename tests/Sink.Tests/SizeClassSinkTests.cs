using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Infrastructure;
using BitcoinVolume.Sink.Model;
using BitcoinVolume.TestSupport;
using CsCheck;
using Microsoft.Data.Sqlite;
using Npgsql;
using static BitcoinVolume.Sink.Tests.TestData;

namespace BitcoinVolume.Sink.Tests;

/// <summary>
/// Size classes in the sink (issue 17): stored exactly (SQLite, PostgreSQL; a database of the previous version gains the
/// column in place), rolled up exactly into any interval (against an oracle from the trades), merged across boundary
/// changes and venues without relabelling, per quote currency in the asset view, and served on /api/volumes (JSON, CSV).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SizeClassSinkTests
{
    private static readonly SizeClassVolume[] Classes =
    [
        new(0m, 1000m, 2, 0.01000000001m),
        new(1000m, 10000m, 0, 0m),
        new(10000m, 100000m, 0, 0m),
        new(100000m, 1000000m, 0, 0m),
        new(1000000m, null, 1, 0.48999999999m),
    ];

    // The completeness version's DDL (venues and completeness, no size classes).
    private const string PreviousSqliteSchema = """
        CREATE TABLE IF NOT EXISTS volumes_1m (
            venue TEXT NOT NULL, product TEXT NOT NULL, side TEXT NOT NULL, window_start INTEGER NOT NULL, trades INTEGER NOT NULL,
            base_volume TEXT NOT NULL, quote_volume TEXT NOT NULL, open TEXT NOT NULL, high TEXT NOT NULL, low TEXT NOT NULL,
            close TEXT NOT NULL, first_trade_id INTEGER NOT NULL, last_trade_id INTEGER NOT NULL, version INTEGER NOT NULL,
            final INTEGER NOT NULL, updated_at INTEGER NOT NULL, complete INTEGER NOT NULL DEFAULT 1, incomplete_reason TEXT,
            PRIMARY KEY (venue, product, side, window_start)
        ) WITHOUT ROWID;
        INSERT INTO volumes_1m VALUES ('coinbase', 'BTC-USD', 'buy', 1786309440, 3, '0.50', '32000.25', '64000.1', '64010.5', '63990', '64005.75', 100, 102, 6, 0, 0, 1, NULL);
        """;

    private const string PreviousPostgresSchema = """
        CREATE TABLE IF NOT EXISTS volumes_1m (
            venue text NOT NULL, product text NOT NULL, side text NOT NULL, window_start timestamptz NOT NULL, trades bigint NOT NULL,
            base_volume numeric NOT NULL, quote_volume numeric NOT NULL, open numeric NOT NULL, high numeric NOT NULL, low numeric NOT NULL,
            close numeric NOT NULL, first_trade_id bigint NOT NULL, last_trade_id bigint NOT NULL, version bigint NOT NULL,
            final boolean NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), complete boolean NOT NULL DEFAULT true, incomplete_reason text,
            PRIMARY KEY (venue, product, side, window_start)
        );
        INSERT INTO volumes_1m VALUES ('coinbase', 'BTC-USD', 'buy', '2026-08-09T21:04:00Z', 3, 0.50, 32000.25, 64000.1, 64010.5, 63990, 64005.75, 100, 102, 6, false, now(), true, NULL);
        """;

    [Theory]
    [StoreData("sqlite")]
    [StoreData("postgres")]
    public async Task Classes_are_stored_exactly_and_a_window_without_them_reads_as_none(string kind)
    {
        await using var db = await TestStore.CreateAsync(kind);
        var with = Window(version: 6) with { SizeClasses = Classes };
        var without = Window(side: TakerSide.Sell, version: 2);

        Assert.Equal(2, await db.Store.UpsertAsync([with, without]));

        var rows = await db.Store.GetWindowRowsAsync(Venues.Coinbase, "BTC-USD", T0, T0.AddMinutes(1));
        Assert.Equal([with, without], rows);
        Assert.Equal("0.01000000001", rows[0].SizeClasses![0].BaseVolume.ToString(CultureInfo.InvariantCulture)); // scale kept
    }

    [Fact]
    public async Task A_sqlite_file_of_the_previous_version_gains_the_column_and_its_rows_have_no_classes()
    {
        using var db = new TempDatabase();
        Directory.CreateDirectory(Path.GetDirectoryName(db.FilePath)!);
        await using (var connection = new SqliteConnection(db.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = PreviousSqliteSchema;
            await command.ExecuteNonQueryAsync();
        }

        await AssertMigratedAsync(new SqliteVolumeStore(db.ConnectionString), () => new SqliteVolumeStore(db.ConnectionString));
    }

    [Theory]
    [StoreData("postgres")]
    public async Task A_postgres_table_of_the_previous_version_gains_the_column_and_its_rows_have_no_classes(string kind)
    {
        Assert.Equal("postgres", kind);
        await using var schema = await PostgresServer.CreateSchemaAsync();
        await using (var connection = new NpgsqlConnection(schema.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(PreviousPostgresSchema, connection);
            await command.ExecuteNonQueryAsync();
        }

        var store = new PostgresVolumeStore(schema.ConnectionString);
        await AssertMigratedAsync(store, () => new PostgresVolumeStore(schema.ConnectionString));
        await store.DisposeAsync();
    }

    private static async Task AssertMigratedAsync(IVolumeStore store, Func<IVolumeStore> reopen)
    {
        var old = Assert.Single(await store.GetWindowRowsAsync(Venues.Coinbase, "BTC-USD", T0, T0.AddMinutes(1)));
        Assert.Null(old.SizeClasses);
        Assert.Equal(6, old.Version);

        Assert.Equal(1, await store.UpsertAsync([Window(version: 9) with { SizeClasses = Classes }]));
        var again = reopen();
        var row = Assert.Single(await again.GetWindowRowsAsync(Venues.Coinbase, "BTC-USD", T0, T0.AddMinutes(1)));
        Assert.Equal(Classes, row.SizeClasses);
        if (again is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }

    /// <summary>Random trades, any interval: each bar's classes equal the classes of the bar's trades (both sides), straight from the definition.</summary>
    [Fact]
    public void Rollup_into_any_interval_equals_the_classes_of_the_bars_trades() =>
        Gen.Int[1, 400].Select(Gen.Int, Gen.Int[1, 180]).Sample(
            (count, seed, minutes) =>
            {
                var random = new Random(seed);
                var trades = new List<Trade>();
                var time = T0;
                for (var i = 0; i < count; i++)
                {
                    time = time.AddSeconds(random.Next(0, 90));
                    trades.Add(new Trade("BTC-USD", i + 1, time, 60_000m + (random.Next(-500_000, 500_000) / 100m), random.NextInt64(1, 5_000_000_000) / 100_000_000m, random.Next(2) == 0 ? TakerSide.Buy : TakerSide.Sell));
                }

                var rows = WindowOracle.Compute(trades).Values.Select(w => w.ToWindowVolume(version: 1, final: true)).ToArray();
                var interval = VolumeInterval.FromMinutes(minutes);

                var bars = VolumeRollup.Roll(rows, interval);

                var bounds = SizeClassOracle.DefaultBoundariesOf("USD")!;
                foreach (var bar in bars)
                {
                    var inBar = trades.Where(t => interval.BarStart(t.Time).UtcDateTime == bar.Start).ToList();
                    var buy = SizeClassOracle.Classes(inBar.Where(t => t.Side == TakerSide.Buy), bounds)!;
                    var sell = SizeClassOracle.Classes(inBar.Where(t => t.Side == TakerSide.Sell), bounds)!;
                    Assert.Equal(
                        buy.Zip(sell, (b, s) => new SizeClassBar(b.Min, b.Max, b.Trades, b.BaseVolume, s.Trades, s.BaseVolume)),
                        bar.SizeClasses!);
                }
            },
            iter: 200);

    [Fact]
    public void Windows_with_different_boundaries_merge_into_the_boundaries_they_share_and_a_window_without_classes_makes_none()
    {
        var a = Window(start: T0) with { Trades = 3, BaseVolume = 6m, SizeClasses = [new(0m, 1000m, 1, 1m), new(1000m, 10000m, 1, 2m), new(10000m, null, 1, 3m)] };
        var b = Window(start: T0.AddMinutes(-1), side: TakerSide.Sell) with { Trades = 3, BaseVolume = 60m, SizeClasses = [new(0m, 500m, 1, 10m), new(500m, 10000m, 1, 20m), new(10000m, null, 1, 30m)] };

        var bar = Assert.Single(VolumeRollup.Roll([a, b], VolumeInterval.FromMinutes(5)), x => x.Side == TakerSide.Buy);

        // Shared boundary: 10,000 only. [0, 1k) and [1k, 10k) of a, [0, 500) and [500, 10k) of b all fall into [0, 10k).
        Assert.Equal([new SizeClassBar(0m, 10000m, 2, 3m, 2, 30m), new SizeClassBar(10000m, null, 1, 3m, 1, 30m)], bar.SizeClasses!);

        var old = Window(start: T0.AddMinutes(-2));
        Assert.All(VolumeRollup.Roll([a, b, old], VolumeInterval.FromMinutes(5)), x => Assert.Null(x.SizeClasses));
    }

    [Fact]
    public void Venues_of_one_product_add_up_and_the_asset_view_keeps_quote_currencies_apart()
    {
        SizeClassVolume[] Split(decimal small, decimal big) => [new(0m, 1000m, 1, small), new(1000m, null, 1, big)];
        var coinbase = Window(venue: "coinbase") with { Trades = 2, BaseVolume = 3m, SizeClasses = Split(1m, 2m) };
        var kraken = Window(venue: "kraken", side: TakerSide.Sell) with { Trades = 2, BaseVolume = 30m, SizeClasses = Split(10m, 20m) };
        var binance = Window(venue: "binance", product: "BTC-USDT") with { Trades = 2, BaseVolume = 300m, SizeClasses = Split(100m, 200m) };
        var perStream = new[] { coinbase, kraken, binance }.Select(w => VolumeRollup.Roll([w], VolumeInterval.OneMinute)).ToArray();

        var summed = VenueRollup.Sum(perStream[..2]);
        Assert.All(summed, bar => Assert.Equal([new SizeClassBar(0m, 1000m, 1, 1m, 1, 10m), new SizeClassBar(1000m, null, 1, 2m, 1, 20m)], bar.SizeClasses!));

        var asset = VenueRollup.Asset("BTC", perStream);
        Assert.All(asset, bar =>
        {
            Assert.Null(bar.SizeClasses); // USD and USDT: never added
            Assert.Equal(["USD", "USDT"], bar.SizeClassesByQuote.Select(q => q.Quote));
            Assert.Equal([new SizeClassBar(0m, 1000m, 1, 1m, 1, 10m), new SizeClassBar(1000m, null, 1, 2m, 1, 20m)], bar.SizeClassesByQuote[0].SizeClasses);
            Assert.Equal([new SizeClassBar(0m, 1000m, 1, 100m, 0, 0m), new SizeClassBar(1000m, null, 1, 200m, 0, 0m)], bar.SizeClassesByQuote[1].SizeClasses);
        });
        Assert.All(VenueRollup.Asset("BTC", perStream[..2]), bar => Assert.Equal(summed[0].SizeClasses, bar.SizeClasses!));
    }

    [Fact]
    public async Task Volumes_api_serves_sizeClasses_on_both_rows_of_a_bar_in_json_and_csv()
    {
        using var factory = new SinkApiFactory();
        using var client = factory.CreateClient();
        await factory.Store.UpsertAsync(
        [
            Window(version: 6) with { Trades = 3, BaseVolume = 0.5m, SizeClasses = Classes },
            Window(side: TakerSide.Sell, version: 2) with { Trades = 1, BaseVolume = 0.25m, SizeClasses = [new(0m, 1000m, 0, 0m), new(1000m, 10000m, 1, 0.25m), new(10000m, 100000m, 0, 0m), new(100000m, 1000000m, 0, 0m), new(1000000m, null, 0, 0m)] },
        ]);
        var range = "product=BTC-USD&from=2026-08-09T21:00:00Z&to=2026-08-09T22:00:00Z&interval=1h";

        var rows = await client.GetFromJsonAsync<JsonElement>($"/api/volumes?{range}");

        Assert.Equal(2, rows.GetArrayLength());
        foreach (var row in rows.EnumerateArray())
        {
            var classes = row.GetProperty("sizeClasses").EnumerateArray().ToArray();
            Assert.Equal(5, classes.Length);
            Assert.Equal(["min", "max", "buyTrades", "buyBase", "sellTrades", "sellBase"], classes[0].EnumerateObject().Select(p => p.Name));
            Assert.Equal((0m, 1000m, 2L, 0.01000000001m, 0L, 0m), (classes[0].GetProperty("min").GetDecimal(), classes[0].GetProperty("max").GetDecimal(), classes[0].GetProperty("buyTrades").GetInt64(), classes[0].GetProperty("buyBase").GetDecimal(), classes[0].GetProperty("sellTrades").GetInt64(), classes[0].GetProperty("sellBase").GetDecimal()));
            Assert.Equal((1L, 0.25m), (classes[1].GetProperty("sellTrades").GetInt64(), classes[1].GetProperty("sellBase").GetDecimal()));
            Assert.Equal(JsonValueKind.Null, classes[4].GetProperty("max").ValueKind);
            Assert.Equal(0.48999999999m, classes[4].GetProperty("buyBase").GetDecimal());
        }

        var csv = (await client.GetStringAsync($"/api/volumes?{range}&format=csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith(",sizeClasses", csv[0], StringComparison.Ordinal);
        Assert.EndsWith(",0|1000|2|0.01000000001|0|0;1000|10000|0|0|1|0.25;10000|100000|0|0|0|0;100000|1000000|0|0|0|0;1000000||1|0.48999999999|0|0", csv[1], StringComparison.Ordinal);
    }
}
