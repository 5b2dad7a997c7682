using BenchmarkDotNet.Attributes;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace BitcoinVolume.Benchmarks;

/// <summary>
/// The sink's store writes during a backfill: 200,000 window versions (100 products × 2 sides × 1,000 minutes, then every
/// one again at a higher version: 100,000 inserts and 100,000 replacing updates) upserted in batches of 5,000, into a fresh
/// database each iteration. One operation = one window version written, so the time per operation inverts to rows/s.
/// SQLite: one prepared single-row statement per window bound by index through SQLite's API (the store's default), the same
/// statement through ADO.NET parameters, and one JSON-array statement per 1,000 rows (<c>json_each</c>, the baseline).
/// PostgreSQL (<c>BV_TEST_POSTGRES</c>, as the tests use; skipped without it): the store's one <c>unnest</c> statement per
/// batch against binary COPY into a temporary table and one <c>INSERT … SELECT … ON CONFLICT</c> from it.
/// </summary>
[MemoryDiagnoser]
public class StoreWriteBenchmark
{
    public const int Versions = 200_000;
    private const int BatchSize = 5_000;
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private List<WindowVolume[]> batches = [];
    private string folder = "";
    private string? schema;
    private IVolumeStore? store;

    [Params("sqlite: bound rows", "sqlite: 1 row/statement", "sqlite: json rows", "postgres: unnest", "postgres: copy + merge")]
    public string Method { get; set; } = "sqlite: bound rows";

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var versions = new List<WindowVolume>(Versions);
        for (var round = 1; round <= 2; round++)
        {
            for (var i = 0; i < Versions / 2; i++)
            {
                var (product, side, minute) = (i % 100, (i / 100) % 2, i / 200);
                var price = 20_000m + (random.Next(-100_000, 100_000) / 100m);
                var size = random.Next(1, 100_000_000) / 100_000_000m;
                versions.Add(new WindowVolume($"P{product:D3}-USD", side == 0 ? TakerSide.Buy : TakerSide.Sell, Start.AddMinutes(minute),
                    round * 3, size * round, size * price * round, price, price + 1.5m, price - 0.25m, price + 0.5m, i * 10L, (i * 10L) + round, round, round == 2)
                {
                    Venue = i % 7 == 0 ? Venues.Kraken : Venues.Coinbase,
                    IncompleteReason = i % 50 == 0 ? "gap: trades 10–12 missing" : null,
                });
            }
        }

        batches = [.. versions.Chunk(BatchSize)];
    }

    [IterationSetup]
    public void FreshDatabase()
    {
        folder = Path.Combine(Path.GetTempPath(), "bv-store-bench-" + Guid.NewGuid().ToString("N"));
        var sqlite = $"Data Source={Path.Combine(folder, "volumes.db")}";
        store = Method switch
        {
            "sqlite: bound rows" => new SqliteVolumeStore(sqlite, method: SqliteUpsertMethod.BoundRows),
            "sqlite: 1 row/statement" => new SqliteVolumeStore(sqlite, method: SqliteUpsertMethod.RowByRow),
            "sqlite: json rows" => new SqliteVolumeStore(sqlite, method: SqliteUpsertMethod.JsonRows),
            _ => new PostgresVolumeStore(CreateSchema()),
        };
        store.PingAsync().GetAwaiter().GetResult(); // creates the table outside the measurement
    }

    [IterationCleanup]
    public void DropDatabase()
    {
        (store as IAsyncDisposable)?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        if (schema is not null)
        {
            NpgsqlConnection.ClearAllPools();
            using var connection = new NpgsqlConnection(PostgresConnection);
            connection.Open();
            using var drop = new NpgsqlCommand($"DROP SCHEMA {schema} CASCADE;", connection);
            drop.ExecuteNonQuery();
            schema = null;
        }
    }

    [Benchmark(OperationsPerInvoke = Versions)]
    public async Task<int> Write()
    {
        var changed = 0;
        foreach (var batch in batches)
        {
            changed += Method == "postgres: copy + merge"
                ? await CopyMergeAsync(batch)
                : await store!.UpsertAsync(batch);
        }

        return changed == Versions ? changed : throw new InvalidOperationException($"{changed} rows changed, expected {Versions}");
    }

    private static string PostgresConnection => Environment.GetEnvironmentVariable("BV_TEST_POSTGRES") is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException("BV_TEST_POSTGRES is not set: source tests/prerequisites.d/20-postgresql.sh to measure PostgreSQL.");

    private string CreateSchema()
    {
        schema = "store_bench_" + Guid.NewGuid().ToString("N")[..12];
        using (var connection = new NpgsqlConnection(PostgresConnection))
        {
            connection.Open();
            using var create = new NpgsqlCommand($"CREATE SCHEMA {schema};", connection);
            create.ExecuteNonQuery();
        }

        return new NpgsqlConnectionStringBuilder(PostgresConnection) { SearchPath = schema }.ConnectionString;
    }

    /// <summary>The candidate: binary COPY of the newest versions into a temporary table, then one merge with the version guard.</summary>
    private async Task<int> CopyMergeAsync(WindowVolume[] batch)
    {
        var rows = new Dictionary<(string, string, TakerSide, DateTimeOffset), WindowVolume>();
        foreach (var w in batch)
        {
            var key = (w.Venue, w.Product, w.Side, w.WindowStart);
            if (!rows.TryGetValue(key, out var held) || held.Version < w.Version)
            {
                rows[key] = w;
            }
        }

        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgresConnection) { SearchPath = schema }.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var create = new NpgsqlCommand("CREATE TEMP TABLE incoming (LIKE volumes_1m INCLUDING DEFAULTS) ON COMMIT DROP;", connection, transaction))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY incoming (venue, product, side, window_start, trades, base_volume, quote_volume, open, high, low, close, first_trade_id, last_trade_id, version, final, complete, incomplete_reason) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var w in rows.Values)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(w.Venue, NpgsqlDbType.Text);
                await copy.WriteAsync(w.Product, NpgsqlDbType.Text);
                await copy.WriteAsync(w.Side == TakerSide.Buy ? "buy" : "sell", NpgsqlDbType.Text);
                await copy.WriteAsync(w.WindowStart.UtcDateTime, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(w.Trades, NpgsqlDbType.Bigint);
                foreach (var value in (decimal[])[w.BaseVolume, w.QuoteVolume, w.Open, w.High, w.Low, w.Close])
                {
                    await copy.WriteAsync(value, NpgsqlDbType.Numeric);
                }

                await copy.WriteAsync(w.FirstTradeId, NpgsqlDbType.Bigint);
                await copy.WriteAsync(w.LastTradeId, NpgsqlDbType.Bigint);
                await copy.WriteAsync(w.Version, NpgsqlDbType.Bigint);
                await copy.WriteAsync(w.Final, NpgsqlDbType.Boolean);
                await copy.WriteAsync(w.Complete, NpgsqlDbType.Boolean);
                await copy.WriteAsync(w.IncompleteReason, NpgsqlDbType.Text);
            }

            await copy.CompleteAsync();
        }

        int changed;
        await using (var merge = new NpgsqlCommand("""
            INSERT INTO volumes_1m AS t SELECT * FROM incoming
            ON CONFLICT (venue, product, side, window_start) DO UPDATE SET
                trades = EXCLUDED.trades, base_volume = EXCLUDED.base_volume, quote_volume = EXCLUDED.quote_volume,
                open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
                first_trade_id = EXCLUDED.first_trade_id, last_trade_id = EXCLUDED.last_trade_id, version = EXCLUDED.version,
                final = EXCLUDED.final, updated_at = EXCLUDED.updated_at, complete = EXCLUDED.complete,
                incomplete_reason = EXCLUDED.incomplete_reason
            WHERE EXCLUDED.version > t.version;
            """, connection, transaction))
        {
            changed = await merge.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        return changed;
    }
}
