using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Infrastructure;
using Microsoft.Data.Sqlite;
using static BitcoinVolume.Sink.Tests.TestData;

namespace BitcoinVolume.Sink.Tests;

public sealed class SqliteVolumeStoreTests : IDisposable
{
    private readonly TempDatabase _db = new();
    private readonly SqliteVolumeStore _store;

    public SqliteVolumeStoreTests() => _store = new SqliteVolumeStore(_db.ConnectionString);

    public void Dispose() => _db.Dispose();

    private Task<IReadOnlyList<WindowVolume>> ReadAllAsync(string product = "BTC-USD") =>
        _store.GetMinuteRowsAsync(product, DateTimeOffset.UnixEpoch, new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Upsert_then_read_keeps_decimals_exact()
    {
        var window = Window(
            baseVolume: 0.00000001m,
            quoteVolume: 123456789.123456789012m,
            open: 1.50m,
            high: 79228162514264337593543950335m,
            low: -0.0000000000000000000000000001m,
            close: 0.1000000000000000000000000000m,
            final: true);

        Assert.Equal(1, await _store.UpsertAsync([window]));

        var row = Assert.Single(await ReadAllAsync());
        Assert.Equal(window, row);
        // Same value AND same scale: the text form is exactly what went in.
        Assert.Equal("0.00000001", row.BaseVolume.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("123456789.123456789012", row.QuoteVolume.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("1.50", row.Open.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(TimeSpan.Zero, row.WindowStart.Offset);
    }

    [Fact]
    public async Task Decimals_are_stored_as_text_and_the_file_uses_wal()
    {
        await _store.UpsertAsync([Window()]);

        await using var connection = new SqliteConnection(_db.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT typeof(base_volume), typeof(quote_volume), typeof(open), typeof(close), typeof(window_start) FROM volumes_1m";
        await using (var reader = await command.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal(["text", "text", "text", "text", "integer"], Enumerable.Range(0, 5).Select(reader.GetString).ToArray());
        }

        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", await command.ExecuteScalarAsync());
        Assert.True(File.Exists(_db.FilePath)); // the missing folder was created
    }

    [Fact]
    public async Task Same_batch_twice_gives_the_same_rows()
    {
        WindowVolume[] batch =
        [
            Window(side: TakerSide.Buy, version: 3),
            Window(side: TakerSide.Sell, version: 2, baseVolume: 1.25m),
            Window(start: T0.AddMinutes(1), version: 7, quoteVolume: 9.99m),
        ];

        Assert.Equal(3, await _store.UpsertAsync(batch));
        var first = await ReadAllAsync();
        Assert.Equal(0, await _store.UpsertAsync(batch));
        var second = await ReadAllAsync();

        Assert.Equal(3, first.Count);
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task Older_version_after_newer_keeps_the_newer()
    {
        var newer = Window(version: 5, trades: 10, baseVolume: 2m);
        var older = Window(version: 4, trades: 9, baseVolume: 1.9m);
        var sameVersionOtherContent = Window(version: 5, trades: 99, baseVolume: 99m);

        await _store.UpsertAsync([newer]);
        Assert.Equal(0, await _store.UpsertAsync([older]));
        Assert.Equal(0, await _store.UpsertAsync([sameVersionOtherContent]));

        Assert.Equal(newer, Assert.Single(await ReadAllAsync()));
    }

    [Theory]
    [InlineData(new[] { 1, 2, 3, 4, 5 })]
    [InlineData(new[] { 5, 4, 3, 2, 1 })]
    [InlineData(new[] { 2, 5, 1, 4, 3 })]
    [InlineData(new[] { 3, 1, 5, 5, 2, 4, 1 })]
    public async Task Out_of_order_versions_keep_the_highest(int[] versions)
    {
        // Each version has distinct content, delivered one batch per record and then all in one batch (other product).
        static WindowVolume Version(string product, int v) =>
            Window(product: product, version: v, trades: v, baseVolume: v * 0.1m, quoteVolume: v * 1000.01m, close: 64000m + v);

        foreach (var v in versions)
        {
            await _store.UpsertAsync([Version("BTC-USD", v)]);
        }

        await _store.UpsertAsync(versions.Select(v => Version("ETH-USD", v)).ToList());

        Assert.Equal(Version("BTC-USD", versions.Max()), Assert.Single(await ReadAllAsync("BTC-USD")));
        Assert.Equal(Version("ETH-USD", versions.Max()), Assert.Single(await ReadAllAsync("ETH-USD")));
    }

    [Fact]
    public async Task A_failure_mid_batch_writes_nothing()
    {
        var existing = Window(version: 1);
        await _store.UpsertAsync([existing]);

        WindowVolume[] batch =
        [
            Window(version: 2, trades: 50),                      // would update the existing row
            Window(side: TakerSide.Sell, version: 1),            // would insert
            Window(start: T0.AddMinutes(1), trades: -1),         // violates CHECK (trades >= 0): fails mid-batch
            Window(start: T0.AddMinutes(2)),                     // never reached
        ];

        await Assert.ThrowsAsync<SqliteException>(() => _store.UpsertAsync(batch));

        Assert.Equal(existing, Assert.Single(await ReadAllAsync()));
    }

    [Fact]
    public async Task A_cancelled_batch_writes_nothing()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.UpsertAsync([Window()], cts.Token));

        Assert.Empty(await ReadAllAsync());
    }

    [Fact]
    public async Task Range_query_is_half_open_filtered_by_product_and_ordered_by_start_then_side()
    {
        await _store.UpsertAsync(
        [
            Window(side: TakerSide.Sell, start: T0.AddMinutes(2)),
            Window(side: TakerSide.Sell, start: T0),
            Window(side: TakerSide.Buy, start: T0.AddMinutes(3)),  // == to: excluded
            Window(side: TakerSide.Buy, start: T0.AddMinutes(-1)), // before from: excluded
            Window(side: TakerSide.Buy, start: T0.AddMinutes(2)),
            Window(side: TakerSide.Buy, start: T0),
            Window(product: "ETH-USD", start: T0),
        ]);

        var rows = await _store.GetMinuteRowsAsync("BTC-USD", T0, T0.AddMinutes(3));

        Assert.Equal(
            [(T0, TakerSide.Buy), (T0, TakerSide.Sell), (T0.AddMinutes(2), TakerSide.Buy), (T0.AddMinutes(2), TakerSide.Sell)],
            rows.Select(r => (r.WindowStart, r.Side)).ToArray());
        Assert.All(rows, r => Assert.Equal("BTC-USD", r.Product));

        // Bounds between minutes: windows whose start is in [from, to).
        var inner = await _store.GetMinuteRowsAsync("BTC-USD", T0.AddSeconds(1), T0.AddMinutes(2).AddTicks(1));
        Assert.Equal([(T0.AddMinutes(2), TakerSide.Buy), (T0.AddMinutes(2), TakerSide.Sell)], inner.Select(r => (r.WindowStart, r.Side)).ToArray());
    }

    [Fact]
    public async Task Products_are_distinct_and_ordered()
    {
        Assert.Empty(await _store.GetProductsAsync());

        await _store.UpsertAsync(
        [
            Window(product: "ETH-USD"),
            Window(product: "BTC-USD", side: TakerSide.Sell),
            Window(product: "BTC-USD", start: T0.AddMinutes(5)),
            Window(product: "BTC-EUR"),
        ]);

        Assert.Equal(["BTC-EUR", "BTC-USD", "ETH-USD"], await _store.GetProductsAsync());
    }

    [Fact]
    public void In_memory_databases_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new SqliteVolumeStore("Data Source=:memory:"));
    }
}
