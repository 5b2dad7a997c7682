using System.Data.Common;
using System.Text.Json;
using BitcoinVolume.Sink.Apis;
using BitcoinVolume.Sink.Infrastructure;

namespace BitcoinVolume.Sink.Alerts;

/// <summary>
/// <see cref="IAlertStore"/> on the volume database: SQLite (the same file) or PostgreSQL (the same schema). One SQL text
/// serves both (<c>ON CONFLICT … DO UPDATE</c>, <c>@name</c> parameters); tables are created on first use (PostgreSQL under
/// an advisory lock, like <c>volumes_1m</c>). Alerts are JSON text (exact decimals, as the API writes them).
/// </summary>
public sealed class SqlAlertStore : IAlertStore, IAsyncDisposable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS alerts (
            alert_id text PRIMARY KEY, rule_id text NOT NULL, bar_start bigint NOT NULL, revision bigint NOT NULL,
            fires integer NOT NULL, direction text NOT NULL, payload text NOT NULL, updated_at bigint NOT NULL);
        CREATE TABLE IF NOT EXISTS alert_deliveries (
            alert_id text NOT NULL, webhook text NOT NULL, revision bigint NOT NULL, state text NOT NULL,
            attempts integer NOT NULL, last_error text, updated_at bigint NOT NULL, PRIMARY KEY (alert_id, webhook));
        CREATE TABLE IF NOT EXISTS alert_rules (rule_id text PRIMARY KEY, definition text NOT NULL);
        """;

    private readonly SqlDatabase database;

    private SqlAlertStore(SqlDatabase database) => this.database = database;

    /// <summary>On the SQLite file of <paramref name="connectionString"/> (its folder is created).</summary>
    public static SqlAlertStore Sqlite(string connectionString) => new(SqlDatabase.Sqlite(connectionString, Schema));

    /// <summary>On the PostgreSQL database of <paramref name="connectionString"/>.</summary>
    public static SqlAlertStore Postgres(string connectionString) => new(SqlDatabase.Postgres(connectionString, Schema, lockId: 7212026017));

    public async Task<StoredAlert?> FindAsync(string alertId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "SELECT revision, fires, direction FROM alerts WHERE alert_id = @id;", ("id", alertId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new StoredAlert(Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture) == 1, reader.GetString(2))
            : null;
    }

    public async Task SaveAsync(AlertEvent alert, IReadOnlyList<string> webhooks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(webhooks);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = Command(connection, """
            INSERT INTO alerts (alert_id, rule_id, bar_start, revision, fires, direction, payload, updated_at)
            VALUES (@id, @rule, @bar, @revision, @fires, @direction, @payload, @now)
            ON CONFLICT (alert_id) DO UPDATE SET revision = excluded.revision, fires = excluded.fires, direction = excluded.direction,
                payload = excluded.payload, updated_at = excluded.updated_at
            WHERE excluded.revision > alerts.revision;
            """,
            ("id", alert.Id), ("rule", alert.RuleId), ("bar", new DateTimeOffset(alert.BarStart, TimeSpan.Zero).ToUnixTimeSeconds()), ("revision", alert.Revision),
            ("fires", alert.Fires ? 1 : 0), ("direction", alert.Direction), ("payload", JsonSerializer.Serialize(alert, SinkJsonContext.Default.AlertEvent)), ("now", now)))
        {
            command.Transaction = transaction;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var webhook in webhooks)
        {
            await using var command = Command(connection, """
                INSERT INTO alert_deliveries (alert_id, webhook, revision, state, attempts, last_error, updated_at)
                VALUES (@id, @webhook, @revision, 'pending', 0, NULL, @now)
                ON CONFLICT (alert_id, webhook) DO UPDATE SET revision = excluded.revision, state = 'pending', attempts = 0,
                    last_error = NULL, updated_at = excluded.updated_at
                WHERE excluded.revision > alert_deliveries.revision;
                """,
                ("id", alert.Id), ("webhook", webhook), ("revision", alert.Revision), ("now", now));
            command.Transaction = transaction;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<PendingDelivery>> GetPendingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, """
            SELECT a.payload, d.webhook FROM alert_deliveries d JOIN alerts a ON a.alert_id = d.alert_id AND a.revision = d.revision
            WHERE d.state = 'pending' ORDER BY d.updated_at, a.bar_start, d.alert_id, d.webhook;
            """);
        var result = new List<PendingDelivery>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new PendingDelivery(JsonSerializer.Deserialize(reader.GetString(0), SinkJsonContext.Default.AlertEvent)!, reader.GetString(1)));
        }

        return result;
    }

    public async Task SetDeliveryAsync(string alertId, string webhook, long revision, string state, int attempts, string? error, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, """
            UPDATE alert_deliveries SET state = @state, attempts = @attempts, last_error = @error, updated_at = @now
            WHERE alert_id = @id AND webhook = @webhook AND revision = @revision;
            """,
            ("state", state), ("attempts", attempts), ("error", error), ("now", DateTimeOffset.UtcNow.ToUnixTimeSeconds()), ("id", alertId),
            ("webhook", webhook), ("revision", revision));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<AlertEvent>> GetRecentAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "SELECT payload FROM alerts ORDER BY bar_start DESC, alert_id LIMIT @limit;", ("limit", limit));
        var result = new List<AlertEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(JsonSerializer.Deserialize(reader.GetString(0), SinkJsonContext.Default.AlertEvent)!);
        }

        return result;
    }

    public async Task<IReadOnlyList<(string Id, string Definition)>> GetRulesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "SELECT rule_id, definition FROM alert_rules ORDER BY rule_id;");
        var result = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add((reader.GetString(0), reader.GetString(1)));
        }

        return result;
    }

    public async Task SaveRuleAsync(string id, string definition, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, """
            INSERT INTO alert_rules (rule_id, definition) VALUES (@id, @definition)
            ON CONFLICT (rule_id) DO UPDATE SET definition = excluded.definition;
            """,
            ("id", id), ("definition", definition));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<bool> DeleteRuleAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "DELETE FROM alert_rules WHERE rule_id = @id;", ("id", id));
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public ValueTask DisposeAsync() => database.DisposeAsync();

    private static DbCommand Command(DbConnection connection, string sql, params (string Name, object? Value)[] parameters) =>
        SqlDatabase.Command(connection, sql, parameters);

    private Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => database.OpenAsync(cancellationToken);
}
