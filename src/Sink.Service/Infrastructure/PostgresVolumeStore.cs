using BitcoinVolume.Contracts;
using Npgsql;
using NpgsqlTypes;

namespace BitcoinVolume.Sink.Infrastructure;

/// <summary>
/// <see cref="IVolumeStore"/> on PostgreSQL. A batch is ONE statement: the rows travel as arrays (one per column) that
/// <c>unnest</c> turns back into rows, upserted with a version guard. Decimals are <c>NUMERIC</c> (exact, scale kept), times
/// <c>timestamptz</c>. The table is created in the first schema of the connection's search path when it is missing; a table
/// created before venues existed (primary key (product, side, window_start)) is migrated in place on first use, in one
/// transaction: it gains <c>venue</c> (its rows become <see cref="Venues.Coinbase"/>'s) and the key (venue, product, side,
/// window_start). Size classes are the column <c>size_classes</c> (text: the classes' JSON array as on <c>volumes.1m</c>;
/// null: none), added in place to a table created before they existed.
/// </summary>
public sealed class PostgresVolumeStore : IVolumeStore, IAsyncDisposable
{
    // Serializes concurrent schema creation by several sinks (CREATE TABLE IF NOT EXISTS can race on pg_type).
    private const long SchemaLockKey = 0x42_56_5F_53_49_4E_4B; // "BV_SINK"

    private const string Schema = """
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
            complete       boolean     NOT NULL DEFAULT true,
            incomplete_reason text,
            size_classes   text,
            PRIMARY KEY (venue, product, side, window_start)
        );
        """;

    // A table created before venues existed: add the column (existing rows get 'coinbase'), then re-key. Idempotent: it
    // only acts while the column is missing, and runs under the schema lock in the schema's transaction.
    private const string MigrateSql = """
        DO $migrate$
        DECLARE pkey name;
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_attribute
                           WHERE attrelid = 'volumes_1m'::regclass AND attname = 'venue' AND NOT attisdropped) THEN
                ALTER TABLE volumes_1m ADD COLUMN venue text NOT NULL DEFAULT 'coinbase' CHECK (length(venue) > 0);
                ALTER TABLE volumes_1m ALTER COLUMN venue DROP DEFAULT;
                SELECT conname INTO pkey FROM pg_constraint WHERE conrelid = 'volumes_1m'::regclass AND contype = 'p';
                IF pkey IS NOT NULL THEN
                    EXECUTE format('ALTER TABLE volumes_1m DROP CONSTRAINT %I', pkey);
                END IF;
                ALTER TABLE volumes_1m ADD PRIMARY KEY (venue, product, side, window_start);
            END IF;
            -- A table created before completeness existed: its rows are complete (nothing said otherwise).
            ALTER TABLE volumes_1m ADD COLUMN IF NOT EXISTS complete boolean NOT NULL DEFAULT true;
            ALTER TABLE volumes_1m ADD COLUMN IF NOT EXISTS incomplete_reason text;
            -- A table created before size classes existed: its rows have none (null).
            ALTER TABLE volumes_1m ADD COLUMN IF NOT EXISTS size_classes text;
        END
        $migrate$;
        """;

    private const string UpsertSql = """
        INSERT INTO volumes_1m AS t (venue, product, side, window_start, trades, base_volume, quote_volume, open, high, low, close,
                                     first_trade_id, last_trade_id, version, final, updated_at, complete, incomplete_reason, size_classes)
        SELECT u.venue, u.product, u.side, u.window_start, u.trades, u.base_volume, u.quote_volume, u.open, u.high, u.low, u.close,
               u.first_trade_id, u.last_trade_id, u.version, u.final, now(), u.complete, u.incomplete_reason, u.size_classes
        FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::bigint[], $6::numeric[], $7::numeric[], $8::numeric[],
                    $9::numeric[], $10::numeric[], $11::numeric[], $12::bigint[], $13::bigint[], $14::bigint[], $15::boolean[],
                    $16::boolean[], $17::text[], $18::text[])
             AS u(venue, product, side, window_start, trades, base_volume, quote_volume, open, high, low, close,
                  first_trade_id, last_trade_id, version, final, complete, incomplete_reason, size_classes)
        ON CONFLICT (venue, product, side, window_start) DO UPDATE SET
            trades = EXCLUDED.trades,
            base_volume = EXCLUDED.base_volume,
            quote_volume = EXCLUDED.quote_volume,
            open = EXCLUDED.open,
            high = EXCLUDED.high,
            low = EXCLUDED.low,
            close = EXCLUDED.close,
            first_trade_id = EXCLUDED.first_trade_id,
            last_trade_id = EXCLUDED.last_trade_id,
            version = EXCLUDED.version,
            final = EXCLUDED.final,
            updated_at = EXCLUDED.updated_at,
            complete = EXCLUDED.complete,
            incomplete_reason = EXCLUDED.incomplete_reason,
            size_classes = EXCLUDED.size_classes
        WHERE EXCLUDED.version > t.version;
        """;

    // `side = ANY(...)` lets the primary key (venue, product, side, window_start) serve the range for both sides.
    private const string RangeSql = """
        SELECT venue, product, side, window_start, trades, base_volume, quote_volume, open, high, low, close,
               first_trade_id, last_trade_id, version, final, complete, incomplete_reason, size_classes
        FROM volumes_1m
        WHERE venue = $1 AND product = $2 AND side = ANY('{buy,sell}'::text[]) AND window_start >= $3 AND window_start < $4
        ORDER BY window_start, side;
        """;

    // A loose index scan: one primary-key seek per (venue, product), however many rows each has.
    private const string StreamsSql = """
        WITH RECURSIVE s(venue, product) AS (
            (SELECT venue, product FROM volumes_1m ORDER BY venue, product LIMIT 1)
            UNION ALL
            SELECT n.venue, n.product
            FROM s CROSS JOIN LATERAL (
                SELECT v.venue, v.product FROM volumes_1m v
                WHERE (v.venue, v.product) > (s.venue, s.product)
                ORDER BY v.venue, v.product LIMIT 1) n
        )
        SELECT venue, product FROM s;
        """;

    private const string ExtentSql = """
        SELECT LEAST((SELECT MIN(window_start) FROM volumes_1m WHERE venue = $1 AND product = $2 AND side = 'buy'),
                     (SELECT MIN(window_start) FROM volumes_1m WHERE venue = $1 AND product = $2 AND side = 'sell')),
               GREATEST((SELECT MAX(window_start) FROM volumes_1m WHERE venue = $1 AND product = $2 AND side = 'buy'),
                        (SELECT MAX(window_start) FROM volumes_1m WHERE venue = $1 AND product = $2 AND side = 'sell'));
        """;

    private readonly NpgsqlDataSource dataSource;
    private readonly SemaphoreSlim initLock = new(1, 1);
    private volatile bool initialized;

    public PostgresVolumeStore(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.ApplicationName ??= "bitcoinvolume-sink";
        dataSource = builder.Build();
    }

    public string Name => "postgres";

    public bool SupportsQueries => true;

    public async Task<int> UpsertAsync(IReadOnlyList<WindowVolume> windows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.Count == 0)
        {
            return 0;
        }

        var rows = WindowBatch.LatestPerKey(windows);
        var n = rows.Count;
        var venue = new string[n];
        var product = new string[n];
        var side = new string[n];
        var windowStart = new DateTime[n];
        var trades = new long[n];
        var baseVolume = new decimal[n];
        var quoteVolume = new decimal[n];
        var open = new decimal[n];
        var high = new decimal[n];
        var low = new decimal[n];
        var close = new decimal[n];
        var firstTradeId = new long[n];
        var lastTradeId = new long[n];
        var version = new long[n];
        var final = new bool[n];
        var complete = new bool[n];
        var incompleteReason = new string?[n];
        var sizeClasses = new string?[n];
        for (var i = 0; i < n; i++)
        {
            var w = rows[i];
            venue[i] = w.Venue;
            product[i] = w.Product;
            side[i] = WindowBatch.SideToText(w.Side);
            windowStart[i] = w.WindowStart.UtcDateTime;
            trades[i] = w.Trades;
            baseVolume[i] = w.BaseVolume;
            quoteVolume[i] = w.QuoteVolume;
            open[i] = w.Open;
            high[i] = w.High;
            low[i] = w.Low;
            close[i] = w.Close;
            firstTradeId[i] = w.FirstTradeId;
            lastTradeId[i] = w.LastTradeId;
            version[i] = w.Version;
            final[i] = w.Final;
            complete[i] = w.Complete;
            incompleteReason[i] = w.IncompleteReason;
            sizeClasses[i] = WindowBatch.SizeClassesToText(w.SizeClasses);
        }

        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = dataSource.CreateCommand(UpsertSql);
        foreach (var column in (string[][])[venue, product, side])
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = column, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        }

        command.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = windowStart, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = trades, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        foreach (var column in (decimal[][])[baseVolume, quoteVolume, open, high, low, close])
        {
            command.Parameters.Add(new NpgsqlParameter<decimal[]> { TypedValue = column, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Numeric });
        }

        foreach (var column in (long[][])[firstTradeId, lastTradeId, version])
        {
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = column, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        }

        command.Parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = final, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Boolean });
        command.Parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = complete, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Boolean });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = incompleteReason, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = sizeClasses, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });

        // One statement: atomic on its own (all rows or none).
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<WindowVolume>> GetWindowRowsAsync(
        string venue, string product, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(venue);
        ArgumentNullException.ThrowIfNull(product);
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = dataSource.CreateCommand(RangeSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = venue });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = product });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = WindowBatch.CeilingToStart(fromInclusive, WindowSpec.Finest).UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = WindowBatch.CeilingToStart(toExclusive, WindowSpec.Finest).UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });

        var rows = new List<WindowVolume>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new WindowVolume(
                Product: reader.GetString(1),
                Side: WindowBatch.TextToSide(reader.GetString(2)),
                WindowStart: new DateTimeOffset(reader.GetFieldValue<DateTime>(3), TimeSpan.Zero),
                Trades: reader.GetInt64(4),
                BaseVolume: reader.GetDecimal(5),
                QuoteVolume: reader.GetDecimal(6),
                Open: reader.GetDecimal(7),
                High: reader.GetDecimal(8),
                Low: reader.GetDecimal(9),
                Close: reader.GetDecimal(10),
                FirstTradeId: reader.GetInt64(11),
                LastTradeId: reader.GetInt64(12),
                Version: reader.GetInt64(13),
                Final: reader.GetBoolean(14))
            {
                Venue = reader.GetString(0),
                IncompleteReason = WindowBatch.ReasonOf(reader.GetBoolean(15), reader.IsDBNull(16) ? null : reader.GetString(16)),
                SizeClasses = WindowBatch.TextToSizeClasses(reader.IsDBNull(17) ? null : reader.GetString(17)),
            });
        }

        return rows;
    }

    public async Task<IReadOnlyList<StoredStream>> GetStreamsAsync(CancellationToken cancellationToken = default)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = dataSource.CreateCommand(StreamsSql);
        var streams = new List<StoredStream>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            streams.Add(new StoredStream(reader.GetString(0), reader.GetString(1)));
        }

        // The database collation may not be ordinal.
        return [.. streams.OrderBy(s => s.Venue, StringComparer.Ordinal).ThenBy(s => s.Product, StringComparer.Ordinal)];
    }

    public async Task<(DateTimeOffset First, DateTimeOffset Last)?> GetExtentAsync(
        string venue, string product, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(venue);
        ArgumentNullException.ThrowIfNull(product);
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = dataSource.CreateCommand(ExtentSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = venue });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = product });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false) || reader.IsDBNull(0) || reader.IsDBNull(1))
        {
            return null;
        }

        return (new DateTimeOffset(reader.GetFieldValue<DateTime>(0), TimeSpan.Zero), new DateTimeOffset(reader.GetFieldValue<DateTime>(1), TimeSpan.Zero));
    }

    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = dataSource.CreateCommand("SELECT 1;");
        await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await dataSource.DisposeAsync().ConfigureAwait(false);
        initLock.Dispose();
    }

    private async Task EnsureInitializedAsync(CancellationToken cancellationToken)
    {
        if (initialized)
        {
            return;
        }

        await initLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (initialized)
            {
                return;
            }

            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var command = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({SchemaLockKey}); {Schema} {MigrateSql}", connection, transaction))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            initialized = true;
        }
        finally
        {
            initLock.Release();
        }
    }
}
