using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using BitcoinVolume.Contracts;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace BitcoinVolume.Sink.Infrastructure;

/// <summary>
/// The single-row upsert of <see cref="SqliteUpsertMethod.BoundRows"/>: one statement prepared on the connection's own SQLite
/// handle (inside its open transaction), its parameters looked up by name ONCE and then bound per row by index, every text
/// as UTF-8 bytes formatted into reused buffers (decimals through <see cref="IUtf8SpanFormattable"/>, the size classes by a
/// reused <see cref="Utf8JsonWriter"/>). The same statement text, so the same stored values, as the ADO.NET path
/// (<see cref="SqliteUpsertMethod.RowByRow"/>), without its per-execution costs: a data reader per execution, a name lookup,
/// a UTF-8 conversion and an allocation per parameter, a boxed value per number and a string per decimal.
/// </summary>
internal sealed class SqliteBoundUpsert : IDisposable
{
    private static readonly JsonWriterOptions JsonOptions = new()
    {
        Encoder = ContractsJsonContext.Default.Options.Encoder,
        Indented = ContractsJsonContext.Default.Options.WriteIndented,
    };

    private readonly sqlite3 db;
    private readonly sqlite3_stmt statement;
    private readonly int[] index;
    private readonly ArrayBufferWriter<byte> classes = new(512);
    private readonly Utf8JsonWriter classesWriter;
    private readonly byte[] text = new byte[256];

    /// <param name="connection">An open connection; the caller's transaction on it covers every execution.</param>
    /// <param name="sql">The upsert, with parameter <c>$updated_at</c> and one <c>$</c>column per entry of <paramref name="columns"/>.</param>
    /// <param name="columns">The row's columns, in the order <see cref="Execute"/> binds them.</param>
    /// <param name="updatedAt">The value of <c>$updated_at</c> for every row.</param>
    public SqliteBoundUpsert(SqliteConnection connection, string sql, IReadOnlyList<string> columns, long updatedAt)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(columns);
        db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        var rc = raw.sqlite3_prepare_v2(db, sql, out statement);
        SqliteException.ThrowExceptionForRC(rc, db);
        try
        {
            index = [.. columns.Select(IndexOf)];
            Check(raw.sqlite3_bind_int64(statement, IndexOf("updated_at"), updatedAt));
            classesWriter = new Utf8JsonWriter(classes, JsonOptions);
        }
        catch
        {
            statement.Dispose();
            throw;
        }
    }

    /// <summary>Binds <paramref name="w"/> (columns in the constructor's order) and runs the statement; returns the rows it changed (0 or 1).</summary>
    public int Execute(WindowVolume w)
    {
        ArgumentNullException.ThrowIfNull(w);
        var i = 0;
        BindText(index[i++], w.Venue);
        BindText(index[i++], w.Product);
        Check(raw.sqlite3_bind_text(statement, index[i++], w.Side == TakerSide.Buy ? "buy"u8 : w.Side == TakerSide.Sell ? "sell"u8 : throw new ArgumentOutOfRangeException(nameof(w), w.Side, "Unknown taker side.")));
        Check(raw.sqlite3_bind_int64(statement, index[i++], w.WindowStart.ToUnixTimeSeconds()));
        Check(raw.sqlite3_bind_int64(statement, index[i++], w.Trades));
        BindDecimal(index[i++], w.BaseVolume);
        BindDecimal(index[i++], w.QuoteVolume);
        BindDecimal(index[i++], w.Open);
        BindDecimal(index[i++], w.High);
        BindDecimal(index[i++], w.Low);
        BindDecimal(index[i++], w.Close);
        Check(raw.sqlite3_bind_int64(statement, index[i++], w.FirstTradeId));
        Check(raw.sqlite3_bind_int64(statement, index[i++], w.LastTradeId));
        Check(raw.sqlite3_bind_int64(statement, index[i++], w.Version));
        Check(raw.sqlite3_bind_int64(statement, index[i++], w.Final ? 1 : 0));
        Check(raw.sqlite3_bind_int64(statement, index[i++], w.Complete ? 1 : 0));
        if (w.IncompleteReason is { } reason)
        {
            BindText(index[i++], reason);
        }
        else
        {
            Check(raw.sqlite3_bind_null(statement, index[i++]));
        }

        BindClasses(index[i], w.SizeClasses);

        var rc = raw.sqlite3_step(statement);
        raw.sqlite3_reset(statement);
        if (rc != raw.SQLITE_DONE)
        {
            SqliteException.ThrowExceptionForRC(rc, db);
        }

        return raw.sqlite3_changes(db);
    }

    public void Dispose()
    {
        classesWriter?.Dispose();
        statement.Dispose();
    }

    private int IndexOf(string column)
    {
        var i = raw.sqlite3_bind_parameter_index(statement, "$" + column);
        return i > 0 ? i : throw new InvalidOperationException($"The upsert has no parameter ${column}.");
    }

    private void BindText(int parameter, string value)
    {
        if (Encoding.UTF8.GetMaxByteCount(value.Length) <= text.Length)
        {
            var length = Encoding.UTF8.GetBytes(value, text);
            Check(raw.sqlite3_bind_text(statement, parameter, text.AsSpan(0, length)));
        }
        else
        {
            Check(raw.sqlite3_bind_text(statement, parameter, Encoding.UTF8.GetBytes(value)));
        }
    }

    // The invariant "G" form, as decimal.ToString(CultureInfo.InvariantCulture) writes it (at most 31 bytes).
    private void BindDecimal(int parameter, decimal value)
    {
        if (!value.TryFormat(text, out var length, default, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException($"Decimal {value} did not fit its buffer.");
        }

        Check(raw.sqlite3_bind_text(statement, parameter, text.AsSpan(0, length)));
    }

    // The same JSON text as WindowBatch.SizeClassesToText (the serializer's output for the same options), as UTF-8.
    private void BindClasses(int parameter, IReadOnlyList<SizeClassVolume>? sizeClasses)
    {
        if (sizeClasses is null)
        {
            Check(raw.sqlite3_bind_null(statement, parameter));
            return;
        }

        classes.ResetWrittenCount();
        classesWriter.Reset();
        JsonSerializer.Serialize(classesWriter, sizeClasses, ContractsJsonContext.Default.IReadOnlyListSizeClassVolume);
        classesWriter.Flush();
        Check(raw.sqlite3_bind_text(statement, parameter, classes.WrittenSpan));
    }

    private void Check(int rc) => SqliteException.ThrowExceptionForRC(rc, db);
}
