using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Model;

namespace BitcoinVolume.Sink.Alerts;

/// <summary>A valid <see cref="AlertRule"/> with its parts parsed, and where it came from (<c>settings</c> or <c>api</c>).</summary>
internal sealed record ActiveRule(AlertRule Definition, QuerySubject Subject, VolumeInterval Interval, CvdAnchor Anchor, string Source, IReadOnlyList<string> Webhooks)
{
    public string Id => Definition.Id!;

    /// <summary>Parses a rule that <see cref="AlertRule.Validate"/> accepted.</summary>
    public static ActiveRule Of(AlertRule rule, WindowSpec window, string source, IReadOnlyCollection<string> configuredWebhooks)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (!VenueSelection.TryParse(rule.Venue, out var venues, out _) || !VolumeInterval.TryParse(rule.Interval, window, out var interval)
            || !Cvd.TryParseAnchor(rule.Anchor ?? "day", out var anchor))
        {
            throw new ArgumentException($"Rule '{rule.Id}' is not valid: validate it first.", nameof(rule));
        }

        return new ActiveRule(rule, new QuerySubject(rule.Product, rule.Asset, venues), interval, anchor, source, rule.Webhooks ?? [.. configuredWebhooks]);
    }
}

/// <summary>The outcome of a rule for one bar: whether it fires, the direction and the measured value.</summary>
internal readonly record struct AlertOutcome(bool Fires, string Direction, decimal Value);

/// <summary>The conditions of the rule kinds over bar deltas. Pure; decimal only.</summary>
internal static class AlertConditions
{
    /// <summary>
    /// The outcome for the bar <paramref name="bar"/> given the bar deltas of the subject around it (ordered by start), or
    /// <see langword="null"/> when the bar cannot be judged yet (no trades in it, or not final).
    /// </summary>
    public static AlertOutcome? Evaluate(ActiveRule rule, IReadOnlyList<BarDelta> deltas, DateTimeOffset bar)
    {
        var index = IndexOf(deltas, bar);
        if (index < 0 || !deltas[index].Final)
        {
            return null;
        }

        var d = rule.Definition;
        switch (d.Kind)
        {
            case AlertRule.DeltaKind:
                {
                    var delta = deltas[index].DeltaBase;
                    return Math.Abs(delta) >= d.Delta!.Value
                        ? new AlertOutcome(true, delta > 0 ? "buy" : "sell", delta)
                        : new AlertOutcome(false, "none", delta);
                }

            case AlertRule.ImbalanceKind:
                {
                    var first = bar - (rule.Interval.Length * ((d.Bars ?? 1) - 1));
                    var span = deltas.Where(x => x.Start >= first && x.Start <= bar).ToList();
                    if (span.Any(x => !x.Final))
                    {
                        return null;
                    }

                    var total = span.Sum(x => x.TotalBase);
                    var imbalance = total == 0 ? 0 : span.Sum(x => x.DeltaBase) / total * 100;
                    return Math.Abs(imbalance) >= d.Percent!.Value
                        ? new AlertOutcome(true, imbalance > 0 ? "buy" : "sell", imbalance)
                        : new AlertOutcome(false, "none", imbalance);
                }

            default:
                {
                    // CVD since the anchor start: before and after the bar. A crossing is prev < L <= cvd (up) or prev > L >= cvd (down).
                    var period = Cvd.AnchorStart(rule.Anchor, bar, bar);
                    decimal before = 0;
                    for (var i = 0; i < index; i++)
                    {
                        if (deltas[i].Start >= period)
                        {
                            before += deltas[i].DeltaBase;
                        }
                    }

                    var after = before + deltas[index].DeltaBase;
                    var level = d.Level!.Value;
                    return before < level && level <= after ? new AlertOutcome(true, "up", after)
                        : before > level && level >= after ? new AlertOutcome(true, "down", after)
                        : new AlertOutcome(false, "none", after);
                }
        }
    }

    /// <summary>The first bar start whose deltas the rule needs to judge <paramref name="bar"/>.</summary>
    public static DateTimeOffset ReadFrom(ActiveRule rule, DateTimeOffset bar) => rule.Definition.Kind switch
    {
        AlertRule.ImbalanceKind => bar - (rule.Interval.Length * ((rule.Definition.Bars ?? 1) - 1)),
        AlertRule.CvdCrossKind => Cvd.AnchorStart(rule.Anchor, bar, bar),
        _ => bar,
    };

    /// <summary>
    /// The bars whose outcome a change of the bar <paramref name="changed"/> can move: itself; for an imbalance also the next
    /// N − 1 bars; for a CVD crossing every later bar of its anchor period up to <paramref name="latest"/>.
    /// </summary>
    public static IEnumerable<DateTimeOffset> Affected(ActiveRule rule, DateTimeOffset changed, DateTimeOffset latest)
    {
        var step = rule.Interval.Length;
        var last = rule.Definition.Kind switch
        {
            AlertRule.ImbalanceKind => changed + (step * ((rule.Definition.Bars ?? 1) - 1)),
            AlertRule.CvdCrossKind => Min(latest, Cvd.AnchorEnd(rule.Anchor, Cvd.AnchorStart(rule.Anchor, changed, changed)) - step),
            _ => changed,
        };
        for (var bar = changed; bar <= last; bar += step)
        {
            yield return bar;
        }
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static int IndexOf(IReadOnlyList<BarDelta> deltas, DateTimeOffset bar)
    {
        for (var i = 0; i < deltas.Count; i++)
        {
            if (deltas[i].Start == bar)
            {
                return i;
            }
        }

        return -1;
    }
}
