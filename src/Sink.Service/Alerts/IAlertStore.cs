namespace BitcoinVolume.Sink.Alerts;

/// <summary>
/// Durable state of the alerts, in the volume database: fired alerts (one row per alert id, its latest revision and
/// outcome), their webhook deliveries (pending, delivered, failed) and the rules posted to the API.
/// </summary>
public interface IAlertStore
{
    /// <summary>The stored outcome of <paramref name="alertId"/>, or <see langword="null"/> when it never fired.</summary>
    Task<StoredAlert?> FindAsync(string alertId, CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="alert"/> (its revision replaces the stored one) and a pending delivery per webhook, in one transaction.</summary>
    Task SaveAsync(AlertEvent alert, IReadOnlyList<string> webhooks, CancellationToken cancellationToken);

    /// <summary>Deliveries still pending (from before a restart, too), oldest first.</summary>
    Task<IReadOnlyList<PendingDelivery>> GetPendingAsync(CancellationToken cancellationToken);

    /// <summary>Records the outcome of delivering revision <paramref name="revision"/> (ignored when a newer revision is pending).</summary>
    Task SetDeliveryAsync(string alertId, string webhook, long revision, string state, int attempts, string? error, CancellationToken cancellationToken);

    /// <summary>The latest <paramref name="limit"/> alerts (latest revision each), newest first.</summary>
    Task<IReadOnlyList<AlertEvent>> GetRecentAsync(int limit, CancellationToken cancellationToken);

    /// <summary>Rules posted to the API: id → JSON definition.</summary>
    Task<IReadOnlyList<(string Id, string Definition)>> GetRulesAsync(CancellationToken cancellationToken);

    Task SaveRuleAsync(string id, string definition, CancellationToken cancellationToken);

    /// <summary>True when a rule was removed.</summary>
    Task<bool> DeleteRuleAsync(string id, CancellationToken cancellationToken);
}
