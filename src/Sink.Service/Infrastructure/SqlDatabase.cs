using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace BitcoinVolume.Sink.Infrastructure;

/// <summary>
/// Connections to the volume database for the stores beside <see cref="IVolumeStore"/> (SQLite file or PostgreSQL), with one
/// SQL text for both (<c>@name</c> parameters): <see cref="OpenAsync"/> creates the store's tables on first use (PostgreSQL
/// under an advisory lock, so instances starting together do not race).
/// </summary>
public sealed class SqlDatabase : IAsyncDisposable
{
    private readonly Func<CancellationToken, Task<DbConnection>> open;
    private readonly NpgsqlDataSource? dataSource;
    private readonly string schema;
    private readonly long lockId;
    private readonly SemaphoreSlim init = new(1, 1);
    private volatile bool initialized;

    private SqlDatabase(Func<CancellationToken, Task<DbConnection>> open, NpgsqlDataSource? dataSource, string schema, long lockId) =>
        (this.open, this.dataSource, this.schema, this.lockId) = (open, dataSource, schema, lockId);

    /// <summary>The SQLite file of <paramref name="connectionString"/> (its folder is created).</summary>
    public static SqlDatabase Sqlite(string connectionString, string schema)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString) { DefaultTimeout = 30 };
        if (Path.GetDirectoryName(Path.GetFullPath(builder.DataSource)) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }

        var text = builder.ToString();
        return new SqlDatabase(
            async token =>
            {
                var connection = new SqliteConnection(text);
                try
                {
                    await connection.OpenAsync(token);
                    // As the volume store's connections (same file, WAL): NORMAL syncs the WAL at checkpoints, not at every
                    // commit. The default FULL fsynced each footprint batch, which made the footprint consumer the slower
                    // writer in a backfill and kept the file's write lock from the volumes consumer meanwhile. A writer
                    // waits for the other's lock inside SQLite (SqliteVolumeStore.BusyTimeoutPragma).
                    await using var pragma = connection.CreateCommand();
                    pragma.CommandText = "PRAGMA synchronous = NORMAL; " + SqliteVolumeStore.BusyTimeoutPragma(connection);
                    await pragma.ExecuteNonQueryAsync(token);
                    return connection;
                }
                catch
                {
                    await connection.DisposeAsync();
                    throw;
                }
            },
            dataSource: null,
            schema,
            lockId: 0);
    }

    /// <summary>The PostgreSQL database of <paramref name="connectionString"/>; <paramref name="lockId"/> names the advisory lock of the schema creation.</summary>
    public static SqlDatabase Postgres(string connectionString, string schema, long lockId)
    {
        var dataSource = NpgsqlDataSource.Create(connectionString);
        return new SqlDatabase(async token => await dataSource.OpenConnectionAsync(token), dataSource, schema, lockId);
    }

    /// <summary>An open connection; the schema exists.</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = await open(cancellationToken);
        if (!initialized)
        {
            await init.WaitAsync(cancellationToken);
            try
            {
                if (!initialized)
                {
                    await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                    await using var command = Command(connection, (dataSource is null ? string.Empty : $"SELECT pg_advisory_xact_lock({lockId});\n") + schema);
                    command.Transaction = transaction;
                    await command.ExecuteNonQueryAsync(cancellationToken);
                    await transaction.CommitAsync(cancellationToken);
                    initialized = true;
                }
            }
            finally
            {
                init.Release();
            }
        }

        return connection;
    }

    /// <summary>A command with <c>@name</c> parameters (null is a text NULL).</summary>
    public static DbCommand Command(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            if (value is null)
            {
                parameter.DbType = System.Data.DbType.String;
            }

            command.Parameters.Add(parameter);
        }

        return command;
    }

    public async ValueTask DisposeAsync()
    {
        if (dataSource is not null)
        {
            await dataSource.DisposeAsync();
        }

        init.Dispose();
    }
}
