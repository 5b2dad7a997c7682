using System.Buffers;
using System.Data.Common;
using System.Globalization;
using System.Text;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Infrastructure;
using Microsoft.Data.Sqlite;

namespace BitcoinVolume.Sink.Footprint;

/// <summary>
/// <see cref="IFootprintStore"/> on the volume database, SQLite (the same file) or PostgreSQL, one SQL text for both (as the
/// alert store). One row per base window: <c>levels</c> holds the window's levels as text,
/// <c>price:buyBase:sellBase:buyTrades:sellTrades</c> joined by <c>;</c>, exact decimals in invariant form. One row per window
/// (rather than per level) keeps the keep-the-highest-version rule one <c>ON CONFLICT … WHERE excluded.version &gt;</c>
/// statement, so a window's levels are always of one version, and a rollup reads one row per window and merges the levels
/// exactly in decimal (neither SQLite nor a text column could sum them exactly in SQL).
/// </summary>
public sealed class SqlFootprintStore : IFootprintStore, IAsyncDisposable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS footprint (
            venue text NOT NULL, product text NOT NULL, window_start bigint NOT NULL, tick text NOT NULL, trades bigint NOT NULL,
            levels text NOT NULL, version bigint NOT NULL, final integer NOT NULL, updated_at bigint NOT NULL,
            PRIMARY KEY (venue, product, window_start));
        """;

    private const string UpsertSql = """
        INSERT INTO footprint (venue, product, window_start, tick, trades, levels, version, final, updated_at)
        VALUES (@venue, @product, @start, @tick, @trades, @levels, @version, @final, @now)
        ON CONFLICT (venue, product, window_start) DO UPDATE SET tick = excluded.tick, trades = excluded.trades,
            levels = excluded.levels, version = excluded.version, final = excluded.final, updated_at = excluded.updated_at
        WHERE excluded.version > footprint.version;
        """;

    private readonly SqlDatabase database;

    private SqlFootprintStore(SqlDatabase database) => this.database = database;

    /// <summary>On the SQLite file of <paramref name="connectionString"/> (its folder is created).</summary>
    public static SqlFootprintStore Sqlite(string connectionString) => new(SqlDatabase.Sqlite(connectionString, Schema));

    /// <summary>On the PostgreSQL database of <paramref name="connectionString"/>.</summary>
    public static SqlFootprintStore Postgres(string connectionString) => new(SqlDatabase.Postgres(connectionString, Schema, lockId: 7212026018));

    public async Task<int> UpsertAsync(IReadOnlyList<FootprintWindow> windows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.Count == 0)
        {
            return 0;
        }

        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var changed = 0;
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Within a batch the highest version of each window is enough.
        var newest = windows.GroupBy(w => w.Key, StringComparer.Ordinal).Select(g => g.MaxBy(w => w.Version)!);
        if (connection is SqliteConnection sqlite)
        {
            changed = UpsertBound(sqlite, newest, now, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return changed;
        }

        // PostgreSQL: one prepared statement, its parameters set per row.
        await using var command = Command(connection, UpsertSql,
            ("venue", null), ("product", null), ("start", 0L), ("tick", null), ("trades", 0L), ("levels", null), ("version", 0L), ("final", 0), ("now", now));
        command.Transaction = transaction;
        var p = command.Parameters;
        foreach (var window in newest)
        {
            p[0].Value = window.Venue;
            p[1].Value = window.Product;
            p[2].Value = window.WindowStart.ToUnixTimeSeconds();
            p[3].Value = Text(window.Tick);
            p[4].Value = window.Trades;
            p[5].Value = EncodeLevels(window.Levels);
            p[6].Value = window.Version;
            p[7].Value = window.Final ? 1 : 0;
            changed += await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return changed;
    }

    public async Task<IReadOnlyList<FootprintWindow>> ReadAsync(string venue, string product, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, """
            SELECT window_start, tick, trades, levels, version, final FROM footprint
            WHERE venue = @venue AND product = @product AND window_start >= @from AND window_start < @to ORDER BY window_start;
            """,
            ("venue", venue), ("product", product), ("from", from.ToUnixTimeSeconds()), ("to", to.ToUnixTimeSeconds()));
        var result = new List<FootprintWindow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new FootprintWindow(
                venue, product, DateTimeOffset.FromUnixTimeSeconds(Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture)),
                decimal.Parse(reader.GetString(1), CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture),
                DecodeLevels(reader.GetString(3)), Convert.ToInt64(reader.GetValue(4), CultureInfo.InvariantCulture),
                Convert.ToInt64(reader.GetValue(5), CultureInfo.InvariantCulture) == 1));
        }

        return result;
    }

    public ValueTask DisposeAsync() => database.DisposeAsync();

    /// <summary>The <c>levels</c> column: <c>price:buyBase:sellBase:buyTrades:sellTrades</c> per level, joined by <c>;</c>.</summary>
    internal static string EncodeLevels(IReadOnlyList<FootprintLevel> levels)
    {
        var utf8 = new ArrayBufferWriter<byte>(Math.Max(64, levels.Count * 40));
        EncodeLevels(levels, utf8);
        return Encoding.UTF8.GetString(utf8.WrittenSpan);
    }

    /// <summary><see cref="EncodeLevels(IReadOnlyList{FootprintLevel})"/> as UTF-8 into <paramref name="output"/> (decimals and integers in invariant form).</summary>
    internal static void EncodeLevels(IReadOnlyList<FootprintLevel> levels, IBufferWriter<byte> output)
    {
        for (var i = 0; i < levels.Count; i++)
        {
            // Three decimals of at most 31 bytes, two integers of at most 20, four ':' and a ';'.
            var span = output.GetSpan(160);
            var n = 0;
            if (i > 0)
            {
                span[n++] = (byte)';';
            }

            var level = levels[i];
            n += Format(level.Price, span[n..]);
            span[n++] = (byte)':';
            n += Format(level.BuyBase, span[n..]);
            span[n++] = (byte)':';
            n += Format(level.SellBase, span[n..]);
            span[n++] = (byte)':';
            n += Format(level.BuyTrades, span[n..]);
            span[n++] = (byte)':';
            n += Format(level.SellTrades, span[n..]);
            output.Advance(n);
        }
    }

    private static int Format<T>(T value, Span<byte> destination)
        where T : IUtf8SpanFormattable =>
        value.TryFormat(destination, out var written, default, CultureInfo.InvariantCulture)
            ? written
            : throw new InvalidOperationException($"{value} did not fit its buffer.");

    // SQLite: the same statement on SQLite's own API, its parameters bound by index (SqliteBoundStatement), the levels
    // written as UTF-8 straight into the statement's buffer.
    private static int UpsertBound(SqliteConnection connection, IEnumerable<FootprintWindow> windows, long now, CancellationToken cancellationToken)
    {
        using var upsert = new SqliteBoundStatement(connection, UpsertSql);
        upsert.Int64(upsert.IndexOf("@now"), now);
        int venue = upsert.IndexOf("@venue"), product = upsert.IndexOf("@product"), start = upsert.IndexOf("@start"), tick = upsert.IndexOf("@tick"),
            trades = upsert.IndexOf("@trades"), levels = upsert.IndexOf("@levels"), version = upsert.IndexOf("@version"), final = upsert.IndexOf("@final");
        var changed = 0;
        foreach (var window in windows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            upsert.Text(venue, window.Venue);
            upsert.Text(product, window.Product);
            upsert.Int64(start, window.WindowStart.ToUnixTimeSeconds());
            upsert.Decimal(tick, window.Tick);
            upsert.Int64(trades, window.Trades);
            upsert.Utf8(levels, window.Levels, EncodeLevels);
            upsert.Int64(version, window.Version);
            upsert.Int64(final, window.Final ? 1 : 0);
            changed += upsert.Execute();
        }

        return changed;
    }

    internal static FootprintLevel[] DecodeLevels(string text)
    {
        if (text.Length == 0)
        {
            return [];
        }

        var parts = text.Split(';');
        var levels = new FootprintLevel[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            var f = parts[i].Split(':');
            levels[i] = new FootprintLevel(
                decimal.Parse(f[0], CultureInfo.InvariantCulture), decimal.Parse(f[1], CultureInfo.InvariantCulture), decimal.Parse(f[2], CultureInfo.InvariantCulture),
                long.Parse(f[3], CultureInfo.InvariantCulture), long.Parse(f[4], CultureInfo.InvariantCulture));
        }

        return levels;
    }

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => database.OpenAsync(cancellationToken);

    private static DbCommand Command(DbConnection connection, string sql, params (string Name, object? Value)[] parameters) =>
        SqlDatabase.Command(connection, sql, parameters);
}
