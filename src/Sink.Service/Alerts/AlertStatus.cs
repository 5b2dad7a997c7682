using System.Diagnostics.Metrics;
using BitcoinVolume.Sink.Consumer;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BitcoinVolume.Sink.Alerts;

/// <summary>
/// What the sink knows of its alerts: per webhook, deliveries, retries, failures and the last error; alerts fired and
/// corrected. Served at <c>GET /api/alerts/status</c>, counted on the meter <c>BitcoinVolume.Sink</c>
/// (<c>sink.alerts.fired</c>, <c>sink.alerts.deliveries</c>, <c>sink.alerts.delivery.retries</c>) and reported by the
/// <c>alerts</c> health check (Degraded while a webhook's last delivery failed). Thread-safe.
/// </summary>
public sealed class AlertStatus
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, WebhookState> webhooks = new(StringComparer.Ordinal);
    private readonly TimeProvider timeProvider;
    private readonly Counter<long> fired;
    private readonly Counter<long> deliveries;
    private readonly Counter<long> retries;
    private long alerts;
    private long corrections;
    private string? evaluationError;
    private long catchUps;

    public AlertStatus(IMeterFactory meterFactory, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        this.timeProvider = timeProvider;
        var meter = meterFactory.Create(SinkMetrics.MeterName);
        fired = meter.CreateCounter<long>("sink.alerts.fired", "{alert}", "Alerts stored and sent (tag kind: alert | correction).");
        deliveries = meter.CreateCounter<long>("sink.alerts.deliveries", "{delivery}", "Webhook deliveries (tags webhook, outcome: delivered | failed).");
        retries = meter.CreateCounter<long>("sink.alerts.delivery.retries", "{retry}", "Retries of webhook POSTs (tag webhook).");
    }

    public void RecordFired(AlertEvent alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        fired.Add(1, new KeyValuePair<string, object?>("kind", alert.Kind));
        lock (gate)
        {
            _ = alert.Kind == AlertEvent.AlertKind ? alerts++ : corrections++;
        }
    }

    public void RecordRetry(string webhook, string reason)
    {
        retries.Add(1, new KeyValuePair<string, object?>("webhook", webhook));
        lock (gate)
        {
            var state = State(webhook);
            state.Retries++;
            state.LastError = reason;
        }
    }

    public void RecordDelivery(string webhook, bool delivered, string? error)
    {
        deliveries.Add(1, new KeyValuePair<string, object?>("webhook", webhook), new KeyValuePair<string, object?>("outcome", delivered ? "delivered" : "failed"));
        lock (gate)
        {
            var state = State(webhook);
            var now = timeProvider.GetUtcNow().UtcDateTime;
            if (delivered)
            {
                state.Delivered++;
                state.LastDeliveredAt = now;
                state.Failing = false;
            }
            else
            {
                state.Failed++;
                state.LastFailedAt = now;
                state.LastError = error;
                state.Failing = true;
            }
        }
    }

    /// <summary>A catch-up evaluation (at start, or after falling behind) finished.</summary>
    public void RecordCatchUp()
    {
        lock (gate)
        {
            catchUps++;
        }
    }

    public void RecordEvaluationError(string? error)
    {
        lock (gate)
        {
            evaluationError = error;
        }
    }

    /// <summary>The snapshot served at <c>/api/alerts/status</c>.</summary>
    public AlertStatusReport Snapshot(bool enabled, int rules, int pending)
    {
        lock (gate)
        {
            return new AlertStatusReport(
                enabled, rules, alerts, corrections, pending, catchUps, evaluationError,
                [.. webhooks.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => new WebhookStatus(
                    w.Key, w.Value.Failing ? "failing" : "ok", w.Value.Delivered, w.Value.Failed, w.Value.Retries, w.Value.LastDeliveredAt, w.Value.LastFailedAt, w.Value.LastError))]);
        }
    }

    /// <summary>The webhooks whose last delivery failed, described; null when none.</summary>
    public string? DescribeFailures()
    {
        lock (gate)
        {
            var failing = webhooks.Where(w => w.Value.Failing).Select(w => $"{w.Key}: {w.Value.LastError}").ToArray();
            return failing.Length == 0 && evaluationError is null
                ? null
                : string.Join("; ", failing.Select(f => "webhook " + f).Concat(evaluationError is null ? [] : ["evaluation: " + evaluationError]));
        }
    }

    private WebhookState State(string webhook)
    {
        if (!webhooks.TryGetValue(webhook, out var state))
        {
            webhooks[webhook] = state = new WebhookState();
        }

        return state;
    }

    private sealed class WebhookState
    {
        public long Delivered { get; set; }

        public long Failed { get; set; }

        public long Retries { get; set; }

        public bool Failing { get; set; }

        public DateTime? LastDeliveredAt { get; set; }

        public DateTime? LastFailedAt { get; set; }

        public string? LastError { get; set; }
    }
}

/// <summary>
/// Answer of <c>GET /api/alerts/status</c>: alerts and corrections fired since start, deliveries queued, catch-up
/// evaluations finished since start (the first one at start), the last evaluation error, and per webhook its deliveries.
/// </summary>
public sealed record AlertStatusReport(
    bool Enabled, int Rules, long Alerts, long Corrections, int PendingDeliveries, long CatchUps, string? EvaluationError, IReadOnlyList<WebhookStatus> Webhooks);

/// <summary>One webhook's deliveries: <c>status</c> is <c>failing</c> while its last delivery failed after the retries.</summary>
public sealed record WebhookStatus(
    string Name, string Status, long Delivered, long Failed, long Retries, DateTime? LastDeliveredAt, DateTime? LastFailedAt, string? LastError);

/// <summary><c>/health</c>: Degraded while a webhook's last delivery failed (or the evaluation fails); Healthy otherwise.</summary>
internal sealed class AlertsHealthCheck(AlertStatus status) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(status.DescribeFailures() is { } failing
            ? HealthCheckResult.Degraded($"Alerts: {failing}")
            : HealthCheckResult.Healthy("Alerts delivered."));
}
