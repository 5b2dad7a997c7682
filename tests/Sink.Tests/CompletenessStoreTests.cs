using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;
using static BitcoinVolume.Sink.Tests.TestData;

namespace BitcoinVolume.Sink.Tests;

/// <summary>
/// Completeness is stored (SQLite, PostgreSQL) and a database written before it existed (the DDL below is a copy of that
/// version's: with venues, without completeness) gains the columns in place; its rows are complete.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CompletenessStoreTests
{
    private const string Reason = "trade ids 1041..1060 (20 trades) missing: not backfilled after 5 attempts: REST 500";

    private const string PreviousSqliteSchema = """
        CREATE TABLE IF NOT EXISTS volumes_1m (
            venue          TEXT    NOT NULL CHECK (length(venue) > 0),
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
            PRIMARY KEY (venue, product, side, window_start)
        ) WITHOUT ROWID;
        INSERT INTO volumes_1m VALUES ('coinbase', 'BTC-USD', 'buy', 1786309440, 3, '0.50', '32000.25', '64000.1', '64010.5', '63990', '64005.75', 100, 102, 6, 0, 0);
        """;

    private const string PreviousPostgresSchema = """
        CREATE TABLE IF NOT EXISTS volumes_1m (
            venue          text        NOT NULL CHECK (length(venue) > 0),
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
            PRIMARY KEY (venue, product, side, window_start)
        );
        INSERT INTO volumes_1m VALUES ('coinbase', 'BTC-USD', 'buy', '2026-08-09T21:04:00Z', 3, 0.50, 32000.25, 64000.1, 64010.5, 63990, 64005.75, 100, 102, 6, false, now());
        """;

    [Theory]
    [StoreData("sqlite")]
    [StoreData("postgres")]
    public async Task An_incomplete_window_is_stored_with_its_reason_and_a_higher_complete_version_replaces_it(string kind)
    {
        await using var db = await TestStore.CreateAsync(kind);
        var store = db.Store;
        Assert.Equal(1, await store.UpsertAsync([Window(version: 8) with { IncompleteReason = Reason }]));

        var stored = Assert.Single(await store.GetWindowRowsAsync(Venues.Coinbase, "BTC-USD", T0, T0.AddMinutes(1)));
        Assert.False(stored.Complete);
        Assert.Equal(Reason, stored.IncompleteReason);

        Assert.Equal(1, await store.UpsertAsync([Window(version: 10)]));
        stored = Assert.Single(await store.GetWindowRowsAsync(Venues.Coinbase, "BTC-USD", T0, T0.AddMinutes(1)));
        Assert.True(stored.Complete);
        Assert.Null(stored.IncompleteReason);
    }

    [Fact]
    public async Task A_sqlite_file_of_the_previous_version_gains_the_columns_and_its_rows_are_complete()
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
    public async Task A_postgres_table_of_the_previous_version_gains_the_columns_and_its_rows_are_complete(string kind)
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
        Assert.True(old.Complete);
        Assert.Equal(6, old.Version);

        Assert.Equal(1, await store.UpsertAsync([Window(version: 9) with { IncompleteReason = Reason }]));
        var again = reopen();
        var row = Assert.Single(await again.GetWindowRowsAsync(Venues.Coinbase, "BTC-USD", T0, T0.AddMinutes(1)));
        Assert.Equal((false, Reason, 9L), (row.Complete, row.IncompleteReason, row.Version));
        if (again is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }
}
