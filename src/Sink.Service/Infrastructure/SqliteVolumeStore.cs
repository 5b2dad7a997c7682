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

    private const string UpsertSql = """
        INSERT INTO volumes_1m (venue, product, side, window_start, trades, base_volume, quote_volume, open, high, low, close,
                                first_trade_id, last_trade_id, version, final, updated_at, complete, incomplete_reason, size_classes)
        VALUES ($venue, $product, $side, $window_start, $trades, $base_volume, $quote_volume, $open, $high, $low, $close,
                $first_trade_id, $last_trade_id, $version, $final, $updated_at, $complete, $incomplete_reason, $size_classes)
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

    public SqliteVolumeStore(string connectionString, TimeProvider? timeProvider = null)
    {
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

    public async Task<int> UpsertAsync(IReadOnlyList<WindowVolume> windows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.Count == 0)
        {
            return 0;
        }

        var latest = WindowBatch.LatestPerKey(windows);

        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = UpsertSql;
        var venue = command.Parameters.Add("$venue", SqliteType.Text);
        var product = command.Parameters.Add("$product", SqliteType.Text);
        var side = command.Parameters.Add("$side", SqliteType.Text);
        var windowStart = command.Parameters.Add("$window_start", SqliteType.Integer);
        var trades = command.Parameters.Add("$trades", SqliteType.Integer);
        var baseVolume = command.Parameters.Add("$base_volume", SqliteType.Text);
        var quoteVolume = command.Parameters.Add("$quote_volume", SqliteType.Text);
        var open = command.Parameters.Add("$open", SqliteType.Text);
        var high = command.Parameters.Add("$high", SqliteType.Text);
        var low = command.Parameters.Add("$low", SqliteType.Text);
        var close = command.Parameters.Add("$close", SqliteType.Text);
        var firstTradeId = command.Parameters.Add("$first_trade_id", SqliteType.Integer);
        var lastTradeId = command.Parameters.Add("$last_trade_id", SqliteType.Integer);
        var version = command.Parameters.Add("$version", SqliteType.Integer);
        var final = command.Parameters.Add("$final", SqliteType.Integer);
        var updatedAt = command.Parameters.Add("$updated_at", SqliteType.Integer);
        var complete = command.Parameters.Add("$complete", SqliteType.Integer);
        var incompleteReason = command.Parameters.Add("$incomplete_reason", SqliteType.Text);
        var sizeClasses = command.Parameters.Add("$size_classes", SqliteType.Text);
        updatedAt.Value = timeProvider.GetUtcNow().ToUnixTimeSeconds();
        command.Prepare();

        var changed = 0;
        foreach (var w in latest)
        {
            cancellationToken.ThrowIfCancellationRequested();
            venue.Value = w.Venue;
            product.Value = w.Product;
            side.Value = WindowBatch.SideToText(w.Side);
            windowStart.Value = w.WindowStart.ToUnixTimeSeconds();
            trades.Value = w.Trades;
            baseVolume.Value = DecimalToText(w.BaseVolume);
            quoteVolume.Value = DecimalToText(w.QuoteVolume);
            open.Value = DecimalToText(w.Open);
            high.Value = DecimalToText(w.High);
            low.Value = DecimalToText(w.Low);
            close.Value = DecimalToText(w.Close);
            firstTradeId.Value = w.FirstTradeId;
            lastTradeId.Value = w.LastTradeId;
            version.Value = w.Version;
            final.Value = w.Final ? 1 : 0;
            complete.Value = w.Complete ? 1 : 0;
            incompleteReason.Value = (object?)w.IncompleteReason ?? DBNull.Value;
            sizeClasses.Value = (object?)WindowBatch.SizeClassesToText(w.SizeClasses) ?? DBNull.Value;
            changed += await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return changed;
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
            // time re-reading pages through read() calls (docs/BENCHMARKS.md, backfill profile).
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536; PRAGMA mmap_size = 268435456;";
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
