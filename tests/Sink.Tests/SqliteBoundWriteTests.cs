using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Infrastructure;
using Microsoft.Data.Sqlite;
using static BitcoinVolume.Sink.Tests.TestData;

namespace BitcoinVolume.Sink.Tests;

/// <summary>
/// The SQLite store's default write path (<see cref="SqliteUpsertMethod.BoundRows"/>: the upsert bound by index with UTF-8
/// values from reused buffers) against the ADO.NET path of the same statement (<see cref="SqliteUpsertMethod.RowByRow"/>):
/// every stored column of every row is the same, byte for byte — decimals at their limits and with trailing zeros, texts
/// longer than the reused buffer, non-ASCII names, size classes and none, incomplete reasons and none — and the same
/// versions win, with the same count of changed rows.
/// </summary>
public sealed class SqliteBoundWriteTests
{
    [Fact]
    public async Task The_bound_write_path_stores_exactly_what_the_ado_net_path_stores()
    {
        using var bound = new TempDatabase();
        using var ado = new TempDatabase();
        var boundStore = new SqliteVolumeStore(bound.ConnectionString, new FixedClock(), SqliteUpsertMethod.BoundRows);
        var adoStore = new SqliteVolumeStore(ado.ConnectionString, new FixedClock(), SqliteUpsertMethod.RowByRow);

        var first = Windows(version: 1);
        var second = Windows(version: 2).Where((_, i) => i % 3 != 0).Concat(Windows(version: 1).Take(5)).ToList();
        Assert.Equal(await adoStore.UpsertAsync(first), await boundStore.UpsertAsync(first));
        var changed = await boundStore.UpsertAsync(second);
        Assert.Equal(await adoStore.UpsertAsync(second), changed);
        Assert.Equal(second.Count(w => w.Version == 2), changed); // the version-1 repeats change nothing

        var expected = Rows(ado.FilePath);
        var actual = Rows(bound.FilePath);
        Assert.Equal(first.Count, expected.Count);
        Assert.Equal(expected, actual);

        // And it reads back as what was written: the newest version of each window, size classes included.
        var read = await boundStore.GetWindowRowsAsync(Venues.Coinbase, "BTC-USD", T0, T0.AddDays(1));
        var newest = first.Select(w => second.FirstOrDefault(s => s.Key == w.Key && s.Version == 2) ?? w)
            .Where(w => w.Venue == Venues.Coinbase && w.Product == "BTC-USD").OrderBy(w => w.WindowStart).ThenBy(w => w.Side).ToList();
        Assert.Equal(newest.Count, read.Count);
        foreach (var (want, got) in newest.Zip(read))
        {
            Assert.Equal(want with { SizeClasses = null }, got with { SizeClasses = null });
            Assert.Equal(want.SizeClasses ?? [], got.SizeClasses ?? []);
        }
    }

    [Fact]
    public async Task A_failing_row_rolls_the_batch_back_with_sqlites_error()
    {
        using var file = new TempDatabase();
        var store = new SqliteVolumeStore(file.ConnectionString, method: SqliteUpsertMethod.BoundRows);
        WindowVolume[] batch = [Window(start: T0), Window(start: T0.AddMinutes(1), trades: -1)]; // CHECK (trades >= 0)

        var error = await Assert.ThrowsAsync<SqliteException>(() => store.UpsertAsync(batch));
        Assert.Contains("CHECK constraint failed", error.Message, StringComparison.Ordinal);
        Assert.Empty(Rows(file.FilePath));

        Assert.Equal(1, await store.UpsertAsync([Window(start: T0)])); // the connection and the store stay usable
    }

    private static List<WindowVolume> Windows(long version)
    {
        SizeClassVolume[] classes =
        [
            new(0m, 1_000m, 3, 0.00012300m),
            new(1_000m, 100_000m, 1, 1.5m),
            new(100_000m, null, 0, 0m),
        ];
        var windows = new List<WindowVolume>();
        (string Venue, string Product)[] streams = [(Venues.Coinbase, "BTC-USD"), (Venues.Kraken, "ÉTH-€UR"), (Venues.Coinbase, new string('X', 300) + "-USD")];
        for (var i = 0; i < 30; i++)
        {
            var (venue, product) = streams[i % streams.Length];
            decimal[] extremes = [decimal.MaxValue, decimal.MinValue, 0.0000000000000000000000000001m, 1.2300m, 0m, -0m, 64_000.10m];
            windows.Add(Window(
                product: product,
                venue: venue,
                side: i % 2 == 0 ? TakerSide.Buy : TakerSide.Sell,
                start: T0.AddMinutes(i / 2),
                version: version,
                trades: (i * 7) + version,
                baseVolume: extremes[i % extremes.Length],
                quoteVolume: extremes[(i + 1) % extremes.Length],
                open: extremes[(i + 2) % extremes.Length],
                high: extremes[(i + 3) % extremes.Length],
                low: extremes[(i + 4) % extremes.Length],
                close: extremes[(i + 5) % extremes.Length],
                firstTradeId: long.MaxValue - i,
                lastTradeId: long.MinValue + i,
                final: i % 4 == 0) with
            {
                IncompleteReason = i % 5 == 0 ? (i % 10 == 0 ? new string('g', 400) : "gap: trades 10–12 missing ✓") : null,
                SizeClasses = i % 4 == 1 ? null : classes,
            });
        }

        return windows;
    }

    // Every column of every row, as SQLite stores it (type and value), in key order.
    private static List<string> Rows(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM volumes_1m ORDER BY venue, product, side, window_start;";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(string.Join(" | ", Enumerable.Range(0, reader.FieldCount)
                .Select(i => $"{reader.GetName(i)}={reader.GetDataTypeName(i)}:{(reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))}")));
        }

        return rows;
    }

    private sealed class FixedClock : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    }
}
