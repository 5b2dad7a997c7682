using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace BitcoinVolume.Sink.Infrastructure;

/// <summary>
/// Connections to the volume database (the SQLite file or PostgreSQL) for stores whose one SQL text serves both
/// (<c>@name</c> parameters, <c>ON CONFLICT</c>): the schema is created on the first connection (PostgreSQL under an
/// advisory lock of its own, so concurrent starts do not race).
/// </summary>
internal sealed class SqlDatabase : IAsyncDisposable
{
    private readonly Func<CancellationToken, Task<DbConnection>> open;
    private readonly string schema;
    private readonly NpgsqlDataSource? dataSource;
    private readonly SemaphoreSlim init = new(1, 1);
    private volatile bool initialized;

    private SqlDatabase(Func<CancellationToken, Task<DbConnection>> open, string schema, NpgsqlDataSource? dataSource)
    {
        this.open = open;
        this.schema = schema;
        this.dataSource = dataSource;
    }

    /// <summary>On the SQLite file of <paramref name="connectionString"/> (its folder is created).</summary>
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
                await connection.OpenAsync(token);
                return connection;
            },
            schema,
            dataSource: null);
    }

    /// <summary>On the PostgreSQL database of <paramref name="connectionString"/>; the schema runs under advisory lock <paramref name="lockId"/>.</summary>
    public static SqlDatabase Postgres(string connectionString, string schema, long lockId)
    {
        var dataSource = NpgsqlDataSource.Create(connectionString);
        return new SqlDatabase(
            async token => await dataSource.OpenConnectionAsync(token),
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock({lockId});\n{schema}"),
            dataSource);
    }

    /// <summary>A command on <paramref name="connection"/> with the parameters (null is a typed NULL).</summary>
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

    /// <summary>An open connection; the first one creates the schema (in one transaction).</summary>
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
                    await using var command = Command(connection, schema);
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

    public async ValueTask DisposeAsync()
    {
        if (dataSource is not null)
        {
            await dataSource.DisposeAsync();
        }

        init.Dispose();
    }
}
