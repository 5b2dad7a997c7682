using System.Globalization;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Apis;
using BitcoinVolume.Sink.Live;

namespace BitcoinVolume.Sink.Alerts;

/// <summary>
/// The rules of kind <c>trade</c>: evaluated on the large trades the consumer stored (through the
/// <see cref="LargeTrades.LargeTradeHub"/>), each trade of the rule's subject, quoted in its quote currency, with notional ≥
/// its threshold fires once (id <see cref="AlertEvent.TradeIdOf"/>, checked against the store, so replays and restarts send
/// nothing twice). At start, and after falling behind, the stored large trades of each rule's last
/// <see cref="AlertOptions.CatchUpBars"/> intervals before the newest stored window are evaluated again.
/// </summary>
internal sealed partial class AlertEngine
{
    private static IEnumerable<ActiveRule> BarRules(IReadOnlyList<ActiveRule> all) => all.Where(r => r.Definition.Kind != AlertRule.TradeKind);

    private static IEnumerable<ActiveRule> TradeRules(IReadOnlyList<ActiveRule> all) => all.Where(r => r.Definition.Kind == AlertRule.TradeKind);

    private static bool Watches(ActiveRule rule, string venue, string product) =>
        rule.Subject.Matches(venue, product) && product.Contains('-', StringComparison.Ordinal)
        && string.Equals(Products.QuoteOf(product), rule.Definition.QuoteCurrency, StringComparison.OrdinalIgnoreCase);

    private async Task RunTradeRulesAsync(UpdateSubscription<LargeTrade> subscription, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Yield();
            await GuardAsync(() => CatchUpTradesAsync(stoppingToken));
            var group = new List<LargeTrade>();
            while (await subscription.Reader.WaitToReadAsync(stoppingToken))
            {
                group.Clear();
                while (group.Count < 10_000 && subscription.Reader.TryRead(out var trade))
                {
                    group.Add(trade);
                }

                await GuardAsync(() => subscription.TakeOverflow() ? CatchUpTradesAsync(stoppingToken) : EvaluateTradesAsync(group, stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task EvaluateTradesAsync(List<LargeTrade> trades, CancellationToken cancellationToken)
    {
        foreach (var rule in TradeRules(await rules.GetAsync(cancellationToken)))
        {
            await FireTradesAsync(rule, trades.Where(t => Watches(rule, t.Venue, t.Product) && t.Notional >= rule.Definition.Notional!.Value), cancellationToken);
        }
    }

    private async Task CatchUpTradesAsync(CancellationToken cancellationToken)
    {
        foreach (var rule in TradeRules(await rules.GetAsync(cancellationToken)))
        {
            var streams = (await StreamsAsync(rule, cancellationToken)).Where(s => Watches(rule, s.Venue, s.Product)).ToList();
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
                var from = rule.Interval.BarStart(newest) - (rule.Interval.Length * (options.Value.CatchUpBars - 1));
                var stored = await largeTradeStore.GetAsync(
                    streams, from, DateTimeOffset.MaxValue, rule.Definition.Notional, side: null, LargeTradesApi.MaxLimit, cancellationToken);
                await FireTradesAsync(rule, stored.Reverse(), cancellationToken);
            }
        }
    }

    private async Task FireTradesAsync(ActiveRule rule, IEnumerable<LargeTrade> trades, CancellationToken cancellationToken)
    {
        foreach (var trade in trades)
        {
            var id = AlertEvent.TradeIdOf(rule.Id, trade.Venue, trade.Product, trade.TradeId);
            if (await alerts.FindAsync(id, cancellationToken) is not null)
            {
                continue; // fired already (a replay, a restart, or the catch-up and the live path both saw it)
            }

            var alert = BuildTrade(rule, id, trade);
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

    private static AlertEvent BuildTrade(ActiveRule rule, string id, LargeTrade trade)
    {
        var side = trade.Side == TakerSide.Buy ? "buy" : "sell";
        var message = string.Create(
            CultureInfo.InvariantCulture,
            $"{trade.Venue} {trade.Product} trade {trade.TradeId} at {trade.Time.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'}: taker {side} {trade.Size} at {trade.Price} = {trade.Notional} {trade.Quote} ({rule.Definition.Describe()})");
        return new AlertEvent(
            id, AlertEvent.AlertKind, 1, rule.Id, AlertRule.TradeKind, rule.Subject.ToString(), AlertRule.TradeKind, trade.Time.UtcDateTime, trade.Time.UtcDateTime,
            Fires: true, side, trade.Notional, rule.Definition.Notional!.Value, message);
    }
}
