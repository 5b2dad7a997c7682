namespace BitcoinVolume.Sink.Alerts;

/// <summary>
/// One alert as delivered on <c>/api/alerts/stream</c> and POSTed to webhooks. <see cref="Id"/> is deterministic, rule id +
/// bar start (<c>btc-imbalance|2026-08-09T21:04:00Z</c>): a (rule, bar) fires once, also across restarts and replays. When
/// a late correction of the bar changes the outcome (fires or not, or the direction), the same id is sent again with
/// <see cref="Kind"/> <c>correction</c> and the next <see cref="Revision"/>. An alert of a <c>trade</c> rule is about one
/// trade: its id is rule id | venue | product | trade id (<see cref="TradeIdOf"/>), its bar start and end are the trade's
/// time, direction its taker side, value its notional; a trade never changes, so it has no corrections.
/// </summary>
/// <param name="Id">Rule id | bar start (ISO-8601 UTC).</param>
/// <param name="Kind"><c>alert</c> (first time) or <c>correction</c>.</param>
/// <param name="Revision">1 for the alert, +1 per correction.</param>
/// <param name="RuleId">The rule.</param>
/// <param name="Rule">The rule's kind: <c>imbalance</c>, <c>delta</c> or <c>cvd-cross</c>.</param>
/// <param name="Subject">What the rule watches, e.g. <c>BTC-USD on venue=spot</c>.</param>
/// <param name="Interval">Bar interval, e.g. <c>1m</c>.</param>
/// <param name="BarStart">Start of the bar (UTC).</param>
/// <param name="BarEnd">End of the bar (UTC).</param>
/// <param name="Fires">True when the condition holds for the bar; false on a correction that withdraws an alert.</param>
/// <param name="Direction"><c>buy</c>/<c>sell</c> (imbalance, delta), <c>up</c>/<c>down</c> (cvd-cross), <c>none</c> when not firing.</param>
/// <param name="Value">The measured value: imbalance in percent, delta in base units, or the CVD after the bar.</param>
/// <param name="Threshold">The rule's threshold (percent, delta or level).</param>
/// <param name="Message">A sentence for people.</param>
public sealed record AlertEvent(
    string Id,
    string Kind,
    long Revision,
    string RuleId,
    string Rule,
    string Subject,
    string Interval,
    DateTime BarStart,
    DateTime BarEnd,
    bool Fires,
    string Direction,
    decimal Value,
    decimal Threshold,
    string Message)
{
    public const string AlertKind = "alert";
    public const string CorrectionKind = "correction";

    /// <summary>The id of the alert of the <c>trade</c> rule <paramref name="ruleId"/> for one trade: <c>rule|venue|product|tradeId</c>.</summary>
    public static string TradeIdOf(string ruleId, string venue, string product, string tradeId) => string.Join('|', ruleId, venue, product, tradeId);

    /// <summary>The id of the alert of <paramref name="ruleId"/> for the bar starting at <paramref name="barStart"/>.</summary>
    public static string IdOf(string ruleId, DateTimeOffset barStart) =>
        $"{ruleId}|{barStart.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)}";
}

/// <summary>What the store holds of an alert: its revision and outcome.</summary>
public readonly record struct StoredAlert(long Revision, bool Fires, string Direction);

/// <summary>A delivery of one alert revision to one webhook that has not succeeded or failed for good yet.</summary>
public sealed record PendingDelivery(AlertEvent Alert, string Webhook);
