using System.Globalization;
using System.Threading.Channels;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Infrastructure;
using BitcoinVolume.Sink.LargeTrades;
using BitcoinVolume.Sink.Live;
using BitcoinVolume.Sink.Model;
using BitcoinVolume.Sink.OrderFlow;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Sink.Alerts;

/// <summary>
/// Evaluates the alert rules on the windows the consumer commits (through <see cref="VolumeUpdateHub"/>, after the database
/// commit) and delivers what fires. A (rule, bar) is judged only when the bar is final (every stored window of it final);
/// its outcome is compared with what the <see cref="IAlertStore"/> holds for the alert id (rule id + bar start): a new
/// firing is stored and sent as <c>alert</c>, a changed outcome (a late correction) as <c>correction</c> with the same id,
/// an unchanged one not at all — so replays and restarts send nothing twice. Stored first, then published on
/// <c>/api/alerts/stream</c> and queued for the webhooks; deliveries still pending at start (a restart) are sent then.
/// At start every rule is evaluated again over its last <see cref="AlertOptions.CatchUpBars"/> bars.
/// </summary>
internal sealed partial class AlertEngine(
    IVolumeStore volumes,
    IAlertStore alerts,
    AlertRuleSet rules,
    CvdReader reader,
    ProductCatalog catalog,
    VolumeUpdateHub hub,
    AlertHub alertHub,
    AlertWebhookSender sender,
    AlertStatus status,
    LargeTradeHub largeTrades,
    ILargeTradeStore largeTradeStore,
    IOptions<AlertOptions> options,
    ILogger<AlertEngine> logger) : BackgroundService
{
    private readonly Channel<PendingDelivery> deliveries = Channel.CreateUnbounded<PendingDelivery>(new UnboundedChannelOptions { SingleReader = true });
    private int pending;

    /// <summary>Deliveries queued and not yet done.</summary>
    public int Pending => Volatile.Read(ref pending);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled || !volumes.SupportsQueries)
        {
            return;
        }

        await Task.Yield();
        using var subscription = hub.Subscribe("alert rules", _ => true, capacity: 100_000, client: false);
        using var tradeSubscription = largeTrades.Subscribe("trade alert rules", _ => true, capacity: 100_000, client: false);
        var delivering = DeliverAsync(stoppingToken);
        var trading = RunTradeRulesAsync(tradeSubscription, stoppingToken);
        try
        {
            // Deliveries left pending by the previous run; with the database down, tried again with each group of windows.
            var pendingLoaded = false;
            async Task LoadPendingAsync()
            {
                foreach (var delivery in await alerts.GetPendingAsync(stoppingToken))
                {
                    Enqueue(delivery);
                }

                pendingLoaded = true;
            }

            await GuardAsync(LoadPendingAsync);
            await CatchUpAsync(stoppingToken);
            var group = new List<WindowVolume>();
            while (await subscription.Reader.WaitToReadAsync(stoppingToken))
            {
                if (!pendingLoaded)
                {
                    await GuardAsync(LoadPendingAsync);
                }

                group.Clear();
                while (group.Count < 10_000 && subscription.Reader.TryRead(out var window))
                {
                    group.Add(window);
                }

                if (subscription.TakeOverflow())
                {
                    await CatchUpAsync(stoppingToken);
                }
                else
                {
                    await GuardAsync(() => EvaluateAsync(group, stoppingToken));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await trading;
            deliveries.Writer.TryComplete();
            await delivering;
        }
    }

    /// <summary>Evaluates every rule over its last <see cref="AlertOptions.CatchUpBars"/> bars up to the newest stored window.</summary>
    private Task CatchUpAsync(CancellationToken cancellationToken) => GuardAsync(async () =>
    {
        foreach (var rule in BarRules(await rules.GetAsync(cancellationToken)))
        {
            var streams = await StreamsAsync(rule, cancellationToken);
            DateTimeOffset? last = null;
            foreach (var stream in streams)
            {
                if (await volumes.GetExtentAsync(stream.Venue, stream.Product, cancellationToken) is { } extent && (last is null || extent.Last > last))
                {
                    last = extent.Last;
                }
            }

            if (last is { } newest)
            {
                var end = rule.Interval.BarStart(newest);
                var first = end - (rule.Interval.Length * (options.Value.CatchUpBars - 1));
                var bars = new List<DateTimeOffset>();
                for (var bar = first; bar <= end; bar += rule.Interval.Length)
                {
                    bars.Add(bar);
                }

                await EvaluateAsync(rule, streams, bars, cancellationToken);
            }
        }

        status.RecordCatchUp();
    });

    private async Task EvaluateAsync(List<WindowVolume> windows, CancellationToken cancellationToken)
    {
        foreach (var rule in BarRules(await rules.GetAsync(cancellationToken)))
        {
            var touched = windows.Where(rule.Subject.Matches).Select(w => rule.Interval.BarStart(w.WindowStart)).Distinct().ToList();
            if (touched.Count == 0)
            {
                continue;
            }

            var latest = rule.Interval.BarStart(windows.Max(w => w.WindowStart));
            var bars = touched.SelectMany(b => AlertConditions.Affected(rule, b, latest)).Distinct().Order().ToList();

            // The catalog may be up to a second old: the streams of the windows just committed are added.
            var streams = (await StreamsAsync(rule, cancellationToken))
                .Concat(windows.Where(rule.Subject.Matches).Select(w => new StoredStream(w.Venue, w.Product)))
                .Distinct().OrderBy(s => s.Venue, StringComparer.Ordinal).ThenBy(s => s.Product, StringComparer.Ordinal).ToList();
            await EvaluateAsync(rule, streams, bars, cancellationToken);
        }
    }

    private async Task EvaluateAsync(ActiveRule rule, IReadOnlyList<StoredStream> streams, List<DateTimeOffset> bars, CancellationToken cancellationToken)
    {
        if (bars.Count == 0 || streams.Count == 0)
        {
            return;
        }

        var from = AlertConditions.ReadFrom(rule, bars[0]);
        var deltas = await reader.DeltasAsync(rule.Subject, streams, rule.Interval, from, bars[^1] + rule.Interval.Length, cancellationToken);
        foreach (var bar in bars)
        {
            if (AlertConditions.Evaluate(rule, deltas, bar) is not { } outcome)
            {
                continue;
            }

            var id = AlertEvent.IdOf(rule.Id, bar);
            var stored = await alerts.FindAsync(id, cancellationToken);
            if (stored is null ? !outcome.Fires : stored.Value.Fires == outcome.Fires && stored.Value.Direction == outcome.Direction)
            {
                continue; // never fired and does not; or fired with this outcome already
            }

            var alert = Build(rule, bar, outcome, stored is null ? 1 : stored.Value.Revision + 1);
            await alerts.SaveAsync(alert, rule.Webhooks, cancellationToken);
            status.RecordFired(alert);
            LogFired(logger, alert.Kind, alert.Id, alert.Revision, alert.Message);
            alertHub.Publish([alert]);
            foreach (var webhook in rule.Webhooks)
            {
                Enqueue(new PendingDelivery(alert, webhook));
            }
        }
    }

    private static AlertEvent Build(ActiveRule rule, DateTimeOffset bar, AlertOutcome outcome, long revision)
    {
        var d = rule.Definition;
        var threshold = d.Kind switch
        {
            AlertRule.ImbalanceKind => d.Percent!.Value,
            AlertRule.DeltaKind => d.Delta!.Value,
            _ => d.Level!.Value,
        };
        var what = outcome.Fires
            ? string.Create(CultureInfo.InvariantCulture, $"{rule.Subject} {rule.Interval.Name} bar {bar.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}: {d.Describe()} ({outcome.Direction}, {outcome.Value})")
            : string.Create(CultureInfo.InvariantCulture, $"{rule.Subject} {rule.Interval.Name} bar {bar.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}: no longer {d.Describe()} after a correction ({outcome.Value})");
        return new AlertEvent(
            AlertEvent.IdOf(rule.Id, bar), revision == 1 ? AlertEvent.AlertKind : AlertEvent.CorrectionKind, revision, rule.Id, d.Kind!, rule.Subject.ToString(),
            rule.Interval.Name, bar.UtcDateTime, (bar + rule.Interval.Length).UtcDateTime, outcome.Fires, outcome.Direction, outcome.Value, threshold, what);
    }

    private async Task<IReadOnlyList<StoredStream>> StreamsAsync(ActiveRule rule, CancellationToken cancellationToken) =>
        [.. (await catalog.GetStreamsAsync(cancellationToken)).Where(s => rule.Subject.Matches(s.Venue, s.Product))];

    private void Enqueue(PendingDelivery delivery)
    {
        Interlocked.Increment(ref pending);
        deliveries.Writer.TryWrite(delivery);
    }

    /// <summary>Sends queued deliveries one by one and records each outcome (delivered, or failed after the retries).</summary>
    private async Task DeliverAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var delivery in deliveries.Reader.ReadAllAsync(stoppingToken))
            {
                var error = await sender.SendAsync(delivery.Alert, delivery.Webhook, stoppingToken);
                await GuardAsync(() => alerts.SetDeliveryAsync(
                    delivery.Alert.Id, delivery.Webhook, delivery.Alert.Revision, error is null ? "delivered" : "failed", 1 + options.Value.WebhookRetryAttempts, error, stoppingToken));
                Interlocked.Decrement(ref pending);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Undelivered alerts stay pending in the store and are sent at the next start.
        }
    }

    /// <summary>Runs <paramref name="step"/>; a failure (database down) is reported and logged, never crashes the service.</summary>
    private async Task GuardAsync(Func<Task> step)
    {
        try
        {
            await step();
            status.RecordEvaluationError(null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            status.RecordEvaluationError($"{e.GetType().Name}: {e.Message}");
            LogEvaluationFailed(logger, e);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Alert ({Kind}) {AlertId} revision {Revision}: {Message}")]
    private static partial void LogFired(ILogger logger, string kind, string alertId, long revision, string message);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Evaluating or storing alerts failed; the bars are evaluated again at the next start or catch-up (see /api/alerts/status).")]
    private static partial void LogEvaluationFailed(ILogger logger, Exception exception);
}
