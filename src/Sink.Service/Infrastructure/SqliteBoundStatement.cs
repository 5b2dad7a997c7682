using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace BitcoinVolume.Sink.Infrastructure;

/// <summary>
/// A write statement prepared on a Microsoft.Data.Sqlite connection's own SQLite handle (so inside the transaction open on
/// it), run many times with its parameters bound by index: the stores' batch upserts. Parameter indexes are looked up by name
/// once (<see cref="IndexOf"/>); texts are bound as UTF-8 bytes formatted into reused buffers (decimals through
/// <see cref="IUtf8SpanFormattable"/> in the invariant "G" form, JSON by a reused <see cref="Utf8JsonWriter"/>). SQLite copies
/// every bound value (SQLITE_TRANSIENT), so the buffers are reused at once. Against Microsoft.Data.Sqlite's own parameters
/// this saves, per execution, a data reader, a name lookup, a UTF-8 conversion and an allocation per parameter, a boxed value
/// per number and a string per decimal (docs/BENCHMARKS.md, section 9). Errors are SQLite's, as <see cref="SqliteException"/>.
/// </summary>
internal sealed class SqliteBoundStatement : IDisposable
{
    private readonly sqlite3 db;
    private readonly sqlite3_stmt statement;
    private readonly byte[] text = new byte[256];
    private readonly ArrayBufferWriter<byte> buffer = new(512);
    private Utf8JsonWriter? json;

    /// <param name="connection">An open connection; the caller's transaction on it covers every execution.</param>
    /// <param name="sql">One statement with named parameters (<c>$name</c>, <c>@name</c> or <c>:name</c>).</param>
    public SqliteBoundStatement(SqliteConnection connection, string sql)
    {
        ArgumentNullException.ThrowIfNull(connection);
        db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(db, sql, out statement), db);
    }

    /// <summary>The index of parameter <paramref name="name"/>, prefix included (<c>$start</c>, <c>@start</c>); throws when the statement has none.</summary>
    public int IndexOf(string name)
    {
        var i = raw.sqlite3_bind_parameter_index(statement, name);
        return i > 0 ? i : throw new InvalidOperationException($"The statement has no parameter {name}.");
    }

    public void Int64(int parameter, long value) => Check(raw.sqlite3_bind_int64(statement, parameter, value));

    public void Null(int parameter) => Check(raw.sqlite3_bind_null(statement, parameter));

    public void Utf8(int parameter, ReadOnlySpan<byte> value) => Check(raw.sqlite3_bind_text(statement, parameter, value));

    public void Text(int parameter, string? value)
    {
        if (value is null)
        {
            Null(parameter);
        }
        else if (Encoding.UTF8.GetMaxByteCount(value.Length) <= text.Length)
        {
            Utf8(parameter, text.AsSpan(0, Encoding.UTF8.GetBytes(value, text)));
        }
        else
        {
            Utf8(parameter, Encoding.UTF8.GetBytes(value));
        }
    }

    /// <summary>The text decimal.ToString(CultureInfo.InvariantCulture) gives (at most 31 bytes).</summary>
    public void Decimal(int parameter, decimal value)
    {
        if (!value.TryFormat(text, out var length, default, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException($"Decimal {value} did not fit its buffer.");
        }

        Utf8(parameter, text.AsSpan(0, length));
    }

    /// <summary>
    /// <paramref name="value"/> as JSON text — the same text <see cref="JsonSerializer.Serialize{TValue}(TValue, JsonTypeInfo{TValue})"/>
    /// gives for <paramref name="typeInfo"/> — or null for null.
    /// </summary>
    public void Json<T>(int parameter, T? value, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        if (value is null)
        {
            Null(parameter);
            return;
        }

        buffer.ResetWrittenCount();
        if (json is null)
        {
            json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = typeInfo.Options.Encoder, Indented = typeInfo.Options.WriteIndented });
        }
        else
        {
            json.Reset();
        }

        JsonSerializer.Serialize(json, value, typeInfo);
        json.Flush();
        Utf8(parameter, buffer.WrittenSpan);
    }

    /// <summary>
    /// Text written by <paramref name="write"/> into a reused buffer (UTF-8), for a column with a format of its own.
    /// </summary>
    public void Utf8<TState>(int parameter, TState state, Action<TState, IBufferWriter<byte>> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        buffer.ResetWrittenCount();
        write(state, buffer);
        Utf8(parameter, buffer.WrittenSpan);
    }

    /// <summary>Runs the statement with the values bound; returns the rows it changed.</summary>
    public int Execute()
    {
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
        json?.Dispose();
        statement.Dispose();
    }

    private void Check(int rc) => SqliteException.ThrowExceptionForRC(rc, db);
}
