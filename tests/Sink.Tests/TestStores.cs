using System.Diagnostics;
using System.Reflection;
using BitcoinVolume.Sink.Infrastructure;
using Npgsql;
using Xunit.Sdk;

namespace BitcoinVolume.Sink.Tests;

/// <summary>
/// The PostgreSQL test server started by tests/prerequisites.d/20-postgresql.sh: <c>BV_TEST_POSTGRES</c> (connection
/// string) and <c>BV_TEST_POSTGRES_CONTROL</c> (start | stop | status script). Without them the PostgreSQL cases are skipped
/// with a reason, except when <c>CI=true</c>: then they fail, saying what is missing.
/// </summary>
internal static class PostgresServer
{
    public const string ConnectionVariable = "BV_TEST_POSTGRES";
    public const string ControlVariable = "BV_TEST_POSTGRES_CONTROL";

    public static string? ConnectionString => Environment.GetEnvironmentVariable(ConnectionVariable) is { Length: > 0 } value ? value : null;

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why the PostgreSQL cases are skipped, or null when they run (server configured, or CI where a missing server is a failure).</summary>
    public static string? SkipReason => ConnectionString is null && !IsCi
        ? $"{ConnectionVariable} is not set: source tests/prerequisites.d/20-postgresql.sh (or run ./test.sh) to test against PostgreSQL."
        : null;

    public static string RequireConnectionString() => ConnectionString ?? throw new InvalidOperationException(
        $"CI=true but {ConnectionVariable} is not set: the PostgreSQL tests need the server that tests/prerequisites.d/20-postgresql.sh installs and starts (./test.sh sources it).");

    /// <summary>A fresh schema on the test server and a connection string whose search path is that schema. Dropped on dispose.</summary>
    public static async Task<TestSchema> CreateSchemaAsync()
    {
        var name = "sink_test_" + Guid.NewGuid().ToString("N")[..12];
        var baseConnection = RequireConnectionString();
        await using (var connection = new NpgsqlConnection(baseConnection))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE SCHEMA {name};", connection);
            await command.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(baseConnection) { SearchPath = name };
        return new TestSchema(name, baseConnection, builder.ConnectionString);
    }

    /// <summary>Runs the control script (<c>stop</c>, <c>start</c>); throws with its output when it fails.</summary>
    public static void Control(string verb)
    {
        var script = Environment.GetEnvironmentVariable(ControlVariable) is { Length: > 0 } path
            ? path
            : throw new InvalidOperationException($"{ControlVariable} is not set: tests/prerequisites.d/20-postgresql.sh exports it.");
        using var process = Process.Start(new ProcessStartInfo(script, verb) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(90)) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{script} {verb}' failed ({(process.HasExited ? process.ExitCode : -1)}): {output}");
        }
    }
}

internal sealed class TestSchema(string name, string baseConnectionString, string connectionString) : IAsyncDisposable
{
    public string Name { get; } = name;

    public string ConnectionString { get; } = connectionString;

    public async ValueTask DisposeAsync()
    {
        try
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(baseConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {Name} CASCADE;", connection);
            await command.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
            // The server may be down at the end of a failed outage test; the schema is throwaway.
        }
    }
}

/// <summary>A store under test: SQLite in a temporary folder, or PostgreSQL in a fresh schema.</summary>
internal sealed class TestStore : IAsyncDisposable
{
    private readonly TempDatabase? sqlite;
    private readonly TestSchema? schema;

    private TestStore(IVolumeStore store, TempDatabase? sqlite, TestSchema? schema)
    {
        Store = store;
        this.sqlite = sqlite;
        this.schema = schema;
    }

    public IVolumeStore Store { get; }

    /// <summary>The <c>Sink:Store</c> value and <c>ConnectionStrings:volumes</c> of this store, for a whole-service test.</summary>
    public (string Kind, string ConnectionString) Settings => schema is not null ? ("postgres", schema.ConnectionString) : ("sqlite", sqlite!.ConnectionString);

    /// <summary>A second store instance on the same database (what a restarted service would open).</summary>
    public IVolumeStore Reopen() => schema is not null ? new PostgresVolumeStore(schema.ConnectionString) : new SqliteVolumeStore(sqlite!.ConnectionString);

    public static async Task<TestStore> CreateAsync(string kind)
    {
        switch (kind)
        {
            case "sqlite":
                var db = new TempDatabase();
                return new TestStore(new SqliteVolumeStore(db.ConnectionString), db, null);
            case "postgres":
                var schema = await PostgresServer.CreateSchemaAsync();
                return new TestStore(new PostgresVolumeStore(schema.ConnectionString), null, schema);
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "sqlite or postgres");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Store is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }

        sqlite?.Dispose();
        if (schema is not null)
        {
            await schema.DisposeAsync();
        }
    }
}

/// <summary>
/// One theory case per store kind: <c>[StoreData("sqlite")]</c>, <c>[StoreData("postgres")]</c>. The PostgreSQL case is
/// skipped with a reason when no test server is configured outside CI (see <see cref="PostgresServer"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
internal sealed class StoreDataAttribute : DataAttribute
{
    private readonly string kind;

    public StoreDataAttribute(string kind)
    {
        this.kind = kind;
        if (kind == "postgres" && PostgresServer.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[kind]];
}

/// <summary>Tests that use the shared PostgreSQL server run one at a time (one of them stops and restarts it).</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection
{
    public const string Name = "postgres";
}
