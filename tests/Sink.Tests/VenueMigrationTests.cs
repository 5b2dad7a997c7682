using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;
using static BitcoinVolume.Sink.Tests.TestData;

namespace BitcoinVolume.Sink.Tests;

/// <summary>
/// A database written by the sink before venues existed (the DDL below is a copy of that version's) is migrated in place:
/// its rows become coinbase's, new upserts (any venue) work with the version guard, and opening it again changes nothing.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class VenueMigrationTests
{
    private const string OldSqliteSchema = """
        CREATE TABLE IF NOT EXISTS volumes_1m (
            product        TEXT    NOT NULL CHECK (length(product) > 0),
            side           TEXT    NOT NULL CHECK (side IN ('buy', 'sell')),
            window_start   INTEGER NOT NULL,
            trades         INTEGER NOT NULL CHECK (trades >= 0),
            base_volume    TEXT    NOT NULL,
            quote_volume   TEXT    NOT NULL,
            open           TEXT    NOT NULL,
            high           TEXT    NOT NULL,
            low            TEXT    NOT NULL,
            close          TEXT    NOT NULL,
            first_trade_id INTEGER NOT NULL,
            last_trade_id  INTEGER NOT NULL,
            version        INTEGER NOT NULL,
            final          INTEGER NOT NULL CHECK (final IN (0, 1)),
            updated_at     INTEGER NOT NULL,
            PRIMARY KEY (product, side, window_start)
        ) WITHOUT ROWID;
        INSERT INTO volumes_1m VALUES ('BTC-USD', 'buy', 1786309440, 3, '0.50', '32000.25', '64000.1', '64010.5', '63990', '64005.75', 100, 102, 6, 0, 0);
        INSERT INTO volumes_1m VALUES ('BTC-USD', 'sell', 1786309440, 2, '1.25', '80000', '64000', '64000', '64000', '64000', 103, 104, 4, 1, 0);
        """;

    private const string OldPostgresSchema = """
        CREATE TABLE IF NOT EXISTS volumes_1m (
            product        text        NOT NULL CHECK (length(product) > 0),
            side           text        NOT NULL CHECK (side IN ('buy', 'sell')),
            window_start   timestamptz NOT NULL,
            trades         bigint      NOT NULL CHECK (trades >= 0),
            base_volume    numeric     NOT NULL,
            quote_volume   numeric     NOT NULL,
            open           numeric     NOT NULL,
            high           numeric     NOT NULL,
            low            numeric     NOT NULL,
            close          numeric     NOT NULL,
            first_trade_id bigint      NOT NULL,
            last_trade_id  bigint      NOT NULL,
            version        bigint      NOT NULL,
            final          boolean     NOT NULL,
            updated_at     timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (product, side, window_start)
        );
        INSERT INTO volumes_1m VALUES ('BTC-USD', 'buy', '2026-08-09T21:04:00Z', 3, 0.50, 32000.25, 64000.1, 64010.5, 63990, 64005.75, 100, 102, 6, false, now());
        INSERT INTO volumes_1m VALUES ('BTC-USD', 'sell', '2026-08-09T21:04:00Z', 2, 1.25, 80000, 64000, 64000, 64000, 64000, 103, 104, 4, true, now());
        """;

    [Fact]
    public async Task An_old_sqlite_file_is_migrated_in_place_and_its_rows_are_coinbase()
    {
        using var db = new TempDatabase();
        Directory.CreateDirectory(Path.GetDirectoryName(db.FilePath)!);
        await using (var connection = new SqliteConnection(db.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = OldSqliteSchema;
            await command.ExecuteNonQueryAsync();
        }

        await AssertMigratedAsync(new SqliteVolumeStore(db.ConnectionString), () => new SqliteVolumeStore(db.ConnectionString));
    }

    [Theory]
    [StoreData("postgres")]
    public async Task An_old_postgres_table_is_migrated_in_place_and_its_rows_are_coinbase(string kind)
    {
        Assert.Equal("postgres", kind);
        await using var schema = await PostgresServer.CreateSchemaAsync();
        await using (var connection = new NpgsqlConnection(schema.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(OldPostgresSchema, connection);
            await command.ExecuteNonQueryAsync();
        }

        var store = new PostgresVolumeStore(schema.ConnectionString);
        await AssertMigratedAsync(store, () => new PostgresVolumeStore(schema.ConnectionString));
        await store.DisposeAsync();
    }

    private static async Task AssertMigratedAsync(IVolumeStore store, Func<IVolumeStore> reopen)
    {
        var rows = await store.GetWindowRowsAsync(Venues.Coinbase, "BTC-USD", T0, T0.AddMinutes(1));
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal(Venues.Coinbase, r.Venue));
        Assert.Equal((6L, 0.50m, 32000.25m), (rows[0].Version, rows[0].BaseVolume, rows[0].QuoteVolume));
        Assert.Equal([new StoredStream(Venues.Coinbase, "BTC-USD")], await store.GetStreamsAsync());

        // The version guard still holds on migrated rows, and the same product on another venue is another row.
        Assert.Equal(0, await store.UpsertAsync([Window(version: 5)]));
        Assert.Equal(1, await store.UpsertAsync([Window(version: 8, trades: 4)]));
        Assert.Equal(1, await store.UpsertAsync([Window(version: 2, venue: Venues.Kraken)]));
        Assert.Equal(4L, (await store.GetWindowRowsAsync("BTC-USD", T0, T0.AddMinutes(1)))[0].Trades);
        Assert.Equal(2, (await store.GetStreamsAsync()).Count);

        // Opening the migrated database again (a restart) keeps everything.
        var again = reopen();
        Assert.Equal(2, (await again.GetWindowRowsAsync(Venues.Coinbase, "BTC-USD", T0, T0.AddMinutes(1))).Count);
        Assert.Single(await again.GetWindowRowsAsync(Venues.Kraken, "BTC-USD", T0, T0.AddMinutes(1)));
        if (again is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }
}
