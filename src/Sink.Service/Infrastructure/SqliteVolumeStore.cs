using System.Globalization;
using BitcoinVolume.Contracts;
using Microsoft.Data.Sqlite;

namespace BitcoinVolume.Sink.Infrastructure;

/// <summary>
/// <see cref="IVolumeStore"/> on an embedded SQLite file (WAL journal, <c>synchronous=NORMAL</c>).
/// Decimals are stored as TEXT in invariant culture so they round-trip exactly (SQLite REAL is a double: never used).
/// Times are unix seconds (UTC). A file written before venues existed (primary key (product, side, window_start)) is
/// migrated in place on first use, in one transaction: its rows become <see cref="Venues.Coinbase"/>'s. A file written
/// before completeness existed gets the columns <c>complete</c> (default 1) and <c>incomplete_reason</c> the same way, and one
/// written before size classes existed the column <c>size_classes</c> (TEXT, the classes' JSON array; null: none).
/// </summary>
public sealed class SqliteVolumeStore : IVolumeStore
{
    private const string Columns = """
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
            complete       INTEGER NOT NULL DEFAULT 1 CHECK (complete IN (0, 1)),
            incomplete_reason TEXT,
            size_classes   TEXT,
            PRIMARY KEY (venue, product, side, window_start)
        """;

    private const string Schema = "CREATE TABLE IF NOT EXISTS volumes_1m (\n" + Columns + "\n) WITHOUT ROWID;";

    // The table of a file written before venues existed is rebuilt (SQLite cannot change a primary key in place); the
    // copy runs in the caller's transaction, so a crash leaves the old table as it was.
    private const string MigrateSql = """
        ALTER TABLE volumes_1m RENAME TO volumes_1m_before_venue;
        CREATE TABLE volumes_1m (
        """ + Columns + """
        ) WITHOUT ROWID;
        INSERT INTO volumes_1m (venue, product, side, window_start, trades, base_volume, quote_volume, open, high, low, close,
                                first_trade_id, last_trade_id, version, final, updated_at)
        SELECT 'coinbase', product, side, window_start, trades, base_volume, quote_volume, open, high, low, close,
               first_trade_id, last_trade_id, version, final, updated_at
        FROM volumes_1m_before_venue;
        DROP TABLE volumes_1m_before_venue;
        """;

    private const string HasOldSchemaSql = """
        SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'volumes_1m')
           AND NOT EXISTS (SELECT 1 FROM pragma_table_info('volumes_1m') WHERE name = 'venue');
        """;

    // A file written before completeness existed gets the two columns (its rows are complete: nothing said otherwise).
    private const string HasNoCompletenessSql = """
        SELECT NOT EXISTS (SELECT 1 FROM pragma_table_info('volumes_1m') WHERE name = 'complete');
        """;

    private const string AddCompletenessSql = """
        ALTER TABLE volumes_1m ADD COLUMN complete INTEGER NOT NULL DEFAULT 1 CHECK (complete IN (0, 1));
        ALTER TABLE volumes_1m ADD COLUMN incomplete_reason TEXT;
        """;

    // A file written before size classes existed gets the column (its rows have none: null).
    private const string HasNoSizeClassesSql = """
        SELECT NOT EXISTS (SELECT 1 FROM pragma_table_info('volumes_1m') WHERE name = 'size_classes');
        """;

    private const string AddSizeClassesSql = "ALTER TABLE volumes_1m ADD COLUMN size_classes TEXT;";

    // The columns of one row of the upsert, in VALUES (and JSON array) order (updated_at is one parameter for the whole batch).
    private static readonly (string Name, SqliteType Type)[] RowColumns =
    [
        ("venue", SqliteType.Text), ("product", SqliteType.Text), ("side", SqliteType.Text), ("window_start", SqliteType.Integer),
        ("trades", SqliteType.Integer), ("base_volume", SqliteType.Text), ("quote_volume", SqliteType.Text), ("open", SqliteType.Text),
        ("high", SqliteType.Text), ("low", SqliteType.Text), ("close", SqliteType.Text), ("first_trade_id", SqliteType.Integer),
        ("last_trade_id", SqliteType.Integer), ("version", SqliteType.Integer), ("final", SqliteType.Integer),
        ("complete", SqliteType.Integer), ("incomplete_reason", SqliteType.Text), ("size_classes", SqliteType.Text),
    ];

    private const string UpsertHead = """
        INSERT INTO volumes_1m (venue, product, side, window_start, trades, base_volume, quote_volume, open, high, low, close,
                                first_trade_id, last_trade_id, version, final, complete, incomplete_reason, size_classes, updated_at)
        VALUES
        """;

    // The keep-the-highest-version rule: a stored row is replaced only by a strictly newer version.
    private const string UpsertTail = """

        ON CONFLICT (venue, product, side, window_start) DO UPDATE SET
            trades = excluded.trades,
            base_volume = excluded.base_volume,
            quote_volume = excluded.quote_volume,
            open = excluded.open,
            high = excluded.high,
            low = excluded.low,
            close = excluded.close,
            first_trade_id = excluded.first_trade_id,
            last_trade_id = excluded.last_trade_id,
            version = excluded.version,
            final = excluded.final,
            updated_at = excluded.updated_at,
            complete = excluded.complete,
            incomplete_reason = excluded.incomplete_reason,
            size_classes = excluded.size_classes
        WHERE excluded.version > volumes_1m.version;
        """;

    /// <summary>
    /// The <c>busy_timeout</c> pragma of <paramref name="connection"/>: every connection to the file waits inside SQLite for
    /// another connection's write lock (the footprint, large-trade and alert stores write the same file) for as long as its
    /// command timeout (<c>Default Timeout</c> in the connection string, 30 s unless set; 0 = no limit). Without it SQLite
    /// returns SQLITE_BUSY at once and Microsoft.Data.Sqlite retries after a fixed Thread.Sleep(150): the sink's p99 latency
    /// at 1,000 trades/s carried ~100 ms of it (docs/BENCHMARKS.md, section 4). SQLite's busy handler sleeps 1, 2, 5, 10 … ms.
    /// </summary>
    public static string BusyTimeoutPragma(SqliteConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var milliseconds = connection.DefaultTimeout == 0 ? int.MaxValue : (int)Math.Min(int.MaxValue, connection.DefaultTimeout * 1000L);
        return string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {milliseconds};");
    }

    /// <summary>Rows per statement with <see cref="SqliteUpsertMethod.JsonRows"/> (one JSON text parameter per chunk).</summary>
    public const int JsonRowsPerStatement = 1_000;

    // The rows of a chunk as one JSON array of arrays (the columns in RowColumns order): SQLite's json_each turns it back
    // into rows. Decimals travel as JSON strings (exact: SQLite never sees them as numbers), integers as JSON integers
    // (exact in 64 bits), a missing incomplete reason as null. `WHERE true` tells SQLite's parser the ON CONFLICT clause
    // belongs to the INSERT (the documented upsert-on-SELECT ambiguity).
    private const string JsonUpsertSql = """
        INSERT INTO volumes_1m (venue, product, side, window_start, trades, base_volume, quote_volume, open, high, low, close,
                                first_trade_id, last_trade_id, version, final, complete, incomplete_reason, size_classes, updated_at)
        SELECT r.value->>0, r.value->>1, r.value->>2, r.value->>3, r.value->>4, r.value->>5, r.value->>6, r.value->>7, r.value->>8,
               r.value->>9, r.value->>10, r.value->>11, r.value->>12, r.value->>13, r.value->>14, r.value->>15, r.value->>16, r.value->>17, $updated_at
        FROM json_each($rows) AS r
        WHERE true
        """ + UpsertTail;

    // The single-row upsert of RowByRow: parameters ${column} and $updated_at.
    private static readonly string RowUpsertSql = UpsertHead + "\n(" + string.Concat(RowColumns.Select(c => $"${c.Name}, ")) + "$updated_at)" + UpsertTail;

    private readonly SqliteUpsertMethod method;

    // `side IN (...)` lets SQLite seek the primary key (venue, product, side, window_start) once per side instead of scanning
    // every row of the product; the sort of the (bounded) result is cheap.
    private const string RangeSql = """
        SELECT venue, product, side, window_start, trades, base_volume, quote_volume, open, high, low, close,
               first_trade_id, last_trade_id, version, final, complete, incomplete_reason, size_classes
        FROM volumes_1m
        WHERE venue = $venue AND product = $product AND side IN ('buy', 'sell') AND window_start >= $from AND window_start < $to
        ORDER BY window_start, side;
        """;

    // One index seek per (venue, product) (a skip scan): cheap even with millions of rows.
    private const string NextStreamSql = """
        SELECT venue, product FROM volumes_1m WHERE (venue, product) > ($venue, $product) ORDER BY venue, product LIMIT 1;
        """;

    // Per side, MIN/MAX of window_start is one seek on the primary key.
    private const string ExtentSql = """
        SELECT (SELECT MIN(window_start) FROM volumes_1m WHERE venue = $venue AND product = $product AND side = 'buy'),
               (SELECT MIN(window_start) FROM volumes_1m WHERE venue = $venue AND product = $product AND side = 'sell'),
               (SELECT MAX(window_start) FROM volumes_1m WHERE venue = $venue AND product = $product AND side = 'buy'),
               (SELECT MAX(window_start) FROM volumes_1m WHERE venue = $venue AND product = $product AND side = 'sell');
        """;

    private readonly string connectionString;
    private readonly TimeProvider timeProvider;
    private readonly Lock initLock = new();
    private volatile bool initialized;

    /// <param name="connectionString">The database file (<c>Data Source=path/volumes.db</c>).</param>
    /// <param name="timeProvider">The clock of <c>updated_at</c>.</param>
    /// <param name="method">
    /// How a batch's rows reach SQLite (<see cref="SqliteUpsertMethod"/>). The default, one prepared single-row statement bound by
    /// index through SQLite's own API (<see cref="SqliteUpsertMethod.BoundRows"/>), is the fastest of the three in the store
    /// benchmark (docs/BENCHMARKS.md, section 9); the same statement through ADO.NET parameters measured faster than the
    /// JSON-array statement in every run (1.76 × and 2.4 ×).
    /// </param>
    public SqliteVolumeStore(string connectionString, TimeProvider? timeProvider = null, SqliteUpsertMethod method = SqliteUpsertMethod.BoundRows)
    {
        this.method = method is SqliteUpsertMethod.BoundRows or SqliteUpsertMethod.RowByRow or SqliteUpsertMethod.JsonRows
            ? method
            : throw new ArgumentOutOfRangeException(nameof(method), method, "BoundRows, RowByRow or JsonRows");
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (string.IsNullOrWhiteSpace(builder.DataSource) || builder.DataSource == ":memory:" || builder.Mode == SqliteOpenMode.Memory)
        {
            throw new ArgumentException("The volume store needs a database file (Data Source=path/volumes.db).", nameof(connectionString));
        }

        this.connectionString = builder.ToString();
        DatabasePath = Path.GetFullPath(builder.DataSource);
        this.timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Full path of the database file.</summary>
    public string DatabasePath { get; }

    public string Name => "sqlite";

    public bool SupportsQueries => true;

    /// <summary>
    /// Upserts the newest version of each window in one transaction through one prepared statement: per chunk of
    /// <see cref="JsonRowsPerStatement"/> rows (<see cref="SqliteUpsertMethod.JsonRows"/>) or per row (<see cref="SqliteUpsertMethod.BoundRows"/>,
    /// <see cref="SqliteUpsertMethod.RowByRow"/>).
    /// </summary>
    public async Task<int> UpsertAsync(IReadOnlyList<WindowVolume> windows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.Count == 0)
        {
            return 0;
        }

        var latest = WindowBatch.LatestPerKey(windows);
        var updatedAt = timeProvider.GetUtcNow().ToUnixTimeSeconds();

        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var changed = 0;
        if (method == SqliteUpsertMethod.JsonRows)
        {
            await using var json = UpsertCommand(connection, transaction, JsonUpsertSql, singleRow: false, updatedAt);
            var rowsParameter = json.Parameters.Add("$rows", SqliteType.Text);
            for (var from = 0; from < latest.Count; from += JsonRowsPerStatement)
            {
                cancellationToken.ThrowIfCancellationRequested();
                rowsParameter.Value = RowsAsJson(latest, from, Math.Min(JsonRowsPerStatement, latest.Count - from));
                changed += await json.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        else if (method == SqliteUpsertMethod.BoundRows)
        {
            changed = UpsertBound(connection, latest, updatedAt, cancellationToken);
        }
        else
        {
            await using var command = UpsertCommand(connection, transaction, RowUpsertSql, singleRow: true, updatedAt);
            foreach (var window in latest)
            {
                changed += await ExecuteRowAsync(command, window, cancellationToken).ConfigureAwait(false);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        await RestartLongWalAsync(connection, cancellationToken).ConfigureAwait(false);
        return changed;
    }

    /// <summary>
    /// The WAL file size past which a write ends with a RESTART checkpoint (<see cref="RestartLongWalAsync"/>); 32 MiB, a few
    /// seconds of a backfill.
    /// </summary>
    internal long WalRestartBytes { get; init; } = 32L * 1024 * 1024;

    /// <summary>
    /// SQLite's automatic checkpoint (PASSIVE, every 1,000 pages) copies the WAL back into the database but can start the WAL
    /// over only when no other connection is using it; with the footprint store writing the same file between this store's
    /// batches and the API reading, that moment rarely comes during a backfill, so the WAL only grew (198 and 201 MB at the end of
    /// 1M-trade backfills in the benchmark, every write appending new pages to the file and every read searching a longer WAL
    /// index). Past <see cref="WalRestartBytes"/> a RESTART checkpoint copies what is left, waits (busy_timeout) for the
    /// other connections' transactions to end and makes the next write start the WAL from its beginning, reusing the
    /// file's pages: the WAL stays near that size (44 and 46 MB after the same backfills). A checkpoint that cannot finish
    /// in time reports busy and is tried again after the next batch; it never fails the write, which is already committed.
    /// </summary>
    private async Task RestartLongWalAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        var wal = new FileInfo(DatabasePath + "-wal");
        if (!wal.Exists || wal.Length <= WalRestartBytes)
        {
            return;
        }

        await using var checkpoint = connection.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(RESTART);";
        await checkpoint.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<WindowVolume>> GetWindowRowsAsync(
        string venue, string product, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(venue);
        ArgumentNullException.ThrowIfNull(product);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = RangeSql;
        command.Parameters.Add("$venue", SqliteType.Text).Value = venue;
        command.Parameters.Add("$product", SqliteType.Text).Value = product;
        // Window starts are whole seconds: start >= t  <=>  start >= ceil(t), for both bounds.
        command.Parameters.Add("$from", SqliteType.Integer).Value = CeilingUnixSeconds(fromInclusive);
        command.Parameters.Add("$to", SqliteType.Integer).Value = CeilingUnixSeconds(toExclusive);

        var rows = new List<WindowVolume>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new WindowVolume(
                Product: reader.GetString(1),
                Side: WindowBatch.TextToSide(reader.GetString(2)),
                WindowStart: DateTimeOffset.FromUnixTimeSeconds(reader.GetInt64(3)),
                Trades: reader.GetInt64(4),
                BaseVolume: TextToDecimal(reader.GetString(5)),
                QuoteVolume: TextToDecimal(reader.GetString(6)),
                Open: TextToDecimal(reader.GetString(7)),
                High: TextToDecimal(reader.GetString(8)),
                Low: TextToDecimal(reader.GetString(9)),
                Close: TextToDecimal(reader.GetString(10)),
                FirstTradeId: reader.GetInt64(11),
                LastTradeId: reader.GetInt64(12),
                Version: reader.GetInt64(13),
                Final: reader.GetInt64(14) != 0)
            {
                Venue = reader.GetString(0),
                IncompleteReason = WindowBatch.ReasonOf(reader.GetInt64(15) != 0, reader.IsDBNull(16) ? null : reader.GetString(16)),
                SizeClasses = WindowBatch.TextToSizeClasses(reader.IsDBNull(17) ? null : reader.GetString(17)),
            });
        }

        return rows;
    }

    public async Task<IReadOnlyList<StoredStream>> GetStreamsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = NextStreamSql;
        var venue = command.Parameters.Add("$venue", SqliteType.Text);
        var product = command.Parameters.Add("$product", SqliteType.Text);
        (venue.Value, product.Value) = (string.Empty, string.Empty);
        command.Prepare();

        var streams = new List<StoredStream>();
        while (true)
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return streams;
            }

            var next = new StoredStream(reader.GetString(0), reader.GetString(1));
            streams.Add(next);
            (venue.Value, product.Value) = (next.Venue, next.Product);
        }
    }

    public async Task<(DateTimeOffset First, DateTimeOffset Last)?> GetExtentAsync(
        string venue, string product, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(venue);
        ArgumentNullException.ThrowIfNull(product);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = ExtentSql;
        command.Parameters.Add("$venue", SqliteType.Text).Value = venue;
        command.Parameters.Add("$product", SqliteType.Text).Value = product;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        long? Read(int i) => reader.IsDBNull(i) ? null : reader.GetInt64(i);
        var first = new[] { Read(0), Read(1) }.Where(v => v is not null).Min();
        var last = new[] { Read(2), Read(3) }.Where(v => v is not null).Max();
        return first is { } f && last is { } l
            ? (DateTimeOffset.FromUnixTimeSeconds(f), DateTimeOffset.FromUnixTimeSeconds(l))
            : null;
    }

    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM volumes_1m LIMIT 1;";
        await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        EnsureInitialized();
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            // Per connection: WAL + NORMAL loses at most the last commits on power loss, never consistency. A 64 MiB page
            // cache and memory-mapped reads: with the default 2 MiB cache, upserts into a large table spent most of their
            // time re-reading pages through read() calls (docs/BENCHMARKS.md, backfill profile). busy_timeout: see BusyTimeoutPragma.
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536; PRAGMA mmap_size = 268435456; " + BusyTimeoutPragma(connection);
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private void EnsureInitialized()
    {
        if (initialized)
        {
            return;
        }

        lock (initLock)
        {
            if (initialized)
            {
                return;
            }

            if (Path.GetDirectoryName(DatabasePath) is { Length: > 0 } directory)
            {
                Directory.CreateDirectory(directory);
            }

            using var connection = new SqliteConnection(connectionString);
            connection.Open();
            using (var wal = connection.CreateCommand())
            {
                // journal_mode=WAL is persistent in the file; readers (the API) never block the writer (the consumer).
                wal.CommandText = "PRAGMA journal_mode = WAL;";
                wal.ExecuteNonQuery();
            }

            // Immediate: a second process opening the same file waits instead of migrating it twice.
            using var transaction = connection.BeginTransaction(deferred: false);
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = HasOldSchemaSql;
            command.CommandText = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) == 1 ? MigrateSql : Schema;
            command.ExecuteNonQuery();
            command.CommandText = HasNoCompletenessSql;
            if (Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) == 1)
            {
                command.CommandText = AddCompletenessSql;
                command.ExecuteNonQuery();
            }

            command.CommandText = HasNoSizeClassesSql;
            if (Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) == 1)
            {
                command.CommandText = AddSizeClassesSql;
                command.ExecuteNonQuery();
            }

            transaction.Commit();
            initialized = true;
        }
    }

    /// <summary>A prepared upsert; with <paramref name="singleRow"/> its row's parameters follow <c>$updated_at</c> in <see cref="RowColumns"/> order.</summary>
    private static SqliteCommand UpsertCommand(SqliteConnection connection, SqliteTransaction transaction, string sql, bool singleRow, long updatedAt)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.Add("$updated_at", SqliteType.Integer).Value = updatedAt;
        if (singleRow)
        {
            foreach (var (name, type) in RowColumns)
            {
                command.Parameters.Add("$" + name, type);
            }
        }

        command.Prepare();
        return command;
    }

    /// <summary>The rows as a JSON array of arrays, columns in <see cref="RowColumns"/> order (decimals as exact strings).</summary>
    private static string RowsAsJson(List<WindowVolume> rows, int from, int count)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(count * 256);
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            for (var row = from; row < from + count; row++)
            {
                var w = rows[row];
                json.WriteStartArray();
                json.WriteStringValue(w.Venue);
                json.WriteStringValue(w.Product);
                json.WriteStringValue(WindowBatch.SideToText(w.Side));
                json.WriteNumberValue(w.WindowStart.ToUnixTimeSeconds());
                json.WriteNumberValue(w.Trades);
                foreach (var value in (ReadOnlySpan<decimal>)[w.BaseVolume, w.QuoteVolume, w.Open, w.High, w.Low, w.Close])
                {
                    json.WriteStringValue(DecimalToText(value));
                }

                json.WriteNumberValue(w.FirstTradeId);
                json.WriteNumberValue(w.LastTradeId);
                json.WriteNumberValue(w.Version);
                json.WriteNumberValue(w.Final ? 1 : 0);
                json.WriteNumberValue(w.Complete ? 1 : 0);
                if (w.IncompleteReason is { } reason)
                {
                    json.WriteStringValue(reason);
                }
                else
                {
                    json.WriteNullValue();
                }

                if (WindowBatch.SizeClassesToText(w.SizeClasses) is { } classes)
                {
                    json.WriteStringValue(classes);
                }
                else
                {
                    json.WriteNullValue();
                }

                json.WriteEndArray();
            }

            json.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    // BoundRows: the statement of RowByRow on SQLite's own API, its parameters bound by index (RowColumns order).
    private static int UpsertBound(SqliteConnection connection, List<WindowVolume> rows, long updatedAt, CancellationToken cancellationToken)
    {
        using var upsert = new SqliteBoundStatement(connection, RowUpsertSql);
        upsert.Int64(upsert.IndexOf("$updated_at"), updatedAt);
        var p = Array.ConvertAll(RowColumns, c => upsert.IndexOf("$" + c.Name));
        var changed = 0;
        foreach (var w in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            upsert.Text(p[0], w.Venue);
            upsert.Text(p[1], w.Product);
            upsert.Utf8(p[2], WindowBatch.SideToUtf8(w.Side));
            upsert.Int64(p[3], w.WindowStart.ToUnixTimeSeconds());
            upsert.Int64(p[4], w.Trades);
            upsert.Decimal(p[5], w.BaseVolume);
            upsert.Decimal(p[6], w.QuoteVolume);
            upsert.Decimal(p[7], w.Open);
            upsert.Decimal(p[8], w.High);
            upsert.Decimal(p[9], w.Low);
            upsert.Decimal(p[10], w.Close);
            upsert.Int64(p[11], w.FirstTradeId);
            upsert.Int64(p[12], w.LastTradeId);
            upsert.Int64(p[13], w.Version);
            upsert.Int64(p[14], w.Final ? 1 : 0);
            upsert.Int64(p[15], w.Complete ? 1 : 0);
            upsert.Text(p[16], w.IncompleteReason);
            upsert.Json(p[17], w.SizeClasses, ContractsJsonContext.Default.IReadOnlyListSizeClassVolume); // = WindowBatch.SizeClassesToText
            changed += upsert.Execute();
        }

        return changed;
    }

    private static async Task<int> ExecuteRowAsync(SqliteCommand command, WindowVolume w, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var parameters = command.Parameters; // [0] is $updated_at
        parameters[1].Value = w.Venue;
        parameters[2].Value = w.Product;
        parameters[3].Value = WindowBatch.SideToText(w.Side);
        parameters[4].Value = w.WindowStart.ToUnixTimeSeconds();
        parameters[5].Value = w.Trades;
        parameters[6].Value = DecimalToText(w.BaseVolume);
        parameters[7].Value = DecimalToText(w.QuoteVolume);
        parameters[8].Value = DecimalToText(w.Open);
        parameters[9].Value = DecimalToText(w.High);
        parameters[10].Value = DecimalToText(w.Low);
        parameters[11].Value = DecimalToText(w.Close);
        parameters[12].Value = w.FirstTradeId;
        parameters[13].Value = w.LastTradeId;
        parameters[14].Value = w.Version;
        parameters[15].Value = w.Final ? 1 : 0;
        parameters[16].Value = w.Complete ? 1 : 0;
        parameters[17].Value = (object?)w.IncompleteReason ?? DBNull.Value;
        parameters[18].Value = (object?)WindowBatch.SizeClassesToText(w.SizeClasses) ?? DBNull.Value;

        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static long CeilingUnixSeconds(DateTimeOffset value)
    {
        var ticks = value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var remainder);
        return remainder > 0 ? seconds + 1 : seconds;
    }

    private static string DecimalToText(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static decimal TextToDecimal(string text) =>
        decimal.Parse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
}

/// <summary>How <see cref="SqliteVolumeStore"/> hands a batch's rows to SQLite (all in one transaction, all keep the highest version).</summary>
public enum SqliteUpsertMethod
{
    /// <summary>
    /// One prepared single-row statement, executed per window through ADO.NET parameters (SQLite reuses the compiled statement and
    /// only rebinds; Microsoft.Data.Sqlite looks each parameter up by name and converts its value on every execution).
    /// </summary>
    RowByRow,

    /// <summary>
    /// One JSON text parameter per <see cref="SqliteVolumeStore.JsonRowsPerStatement"/> rows, read back by <c>json_each</c>: fewer
    /// statements, but SQLite parses the JSON and extracts 18 values per row, which measured slower (kept for the benchmark).
    /// </summary>
    JsonRows,

    /// <summary>
    /// The statement of <see cref="RowByRow"/>, prepared on the connection's SQLite handle and bound by index with UTF-8 values
    /// formatted into reused buffers (<see cref="SqliteBoundStatement"/>): the default, no allocation per row but the value's own.
    /// </summary>
    BoundRows,
}
