using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Alerts;
using BitcoinVolume.Sink.Model;
using CsCheck;

namespace BitcoinVolume.Sink.Tests;

/// <summary>The rule conditions against an oracle written here from per-bar buy and sell volumes (random bars, gaps, open bars).</summary>
public sealed class AlertConditionTests
{
    private static readonly DateTimeOffset Day = new(2026, 8, 9, 23, 0, 0, TimeSpan.Zero); // crosses midnight

    [Fact]
    public void Imbalance_delta_and_cvd_crossing_equal_the_oracle()
    {
        Gen.Int.Sample(
            seed =>
            {
                var random = new Random(seed);
                var bars = new List<(DateTimeOffset Start, decimal Buy, decimal Sell, bool Final)>();
                for (var minute = 0; minute < 120; minute++)
                {
                    if (random.Next(5) > 0)
                    {
                        bars.Add((Day.AddMinutes(minute), random.Next(0, 1000) / 100m, random.Next(0, 1000) / 100m, random.Next(10) > 0));
                    }
                }

                var deltas = bars.Select(b => new BarDelta(b.Start, b.Buy - b.Sell, null, b.Buy + b.Sell) { Final = b.Final }).ToList();
                var n = random.Next(1, 6);
                var percent = random.Next(1, 100);
                var y = random.Next(1, 800) / 100m;
                var level = random.Next(-3000, 3000) / 100m;
                var imbalance = Rule(new AlertRule { Id = "i", Kind = AlertRule.ImbalanceKind, Product = "X-USD", Percent = percent, Bars = n });
                var delta = Rule(new AlertRule { Id = "d", Kind = AlertRule.DeltaKind, Product = "X-USD", Delta = y });
                var cross = Rule(new AlertRule { Id = "c", Kind = AlertRule.CvdCrossKind, Product = "X-USD", Level = level });
                for (var minute = 0; minute < 120; minute++)
                {
                    var bar = Day.AddMinutes(minute);
                    var at = bars.FindIndex(b => b.Start == bar);
                    if (at < 0 || !bars[at].Final)
                    {
                        Assert.Null(AlertConditions.Evaluate(delta, deltas, bar));
                        Assert.Null(AlertConditions.Evaluate(imbalance, deltas, bar));
                        Assert.Null(AlertConditions.Evaluate(cross, deltas, bar));
                        continue;
                    }

                    var d = bars[at].Buy - bars[at].Sell;
                    Assert.Equal(new AlertOutcome(Math.Abs(d) >= y, Math.Abs(d) >= y ? (d > 0 ? "buy" : "sell") : "none", d), AlertConditions.Evaluate(delta, deltas, bar));

                    var span = bars.Where(b => b.Start > bar.AddMinutes(-n) && b.Start <= bar).ToList();
                    var expectedImbalance = span.Any(b => !b.Final) ? (AlertOutcome?)null : Imbalance(span.Sum(b => b.Buy), span.Sum(b => b.Sell), percent);
                    Assert.Equal(expectedImbalance, AlertConditions.Evaluate(imbalance, deltas, bar));

                    var midnight = new DateTimeOffset(bar.UtcDateTime.Date, TimeSpan.Zero);
                    var before = bars.Where(b => b.Start >= midnight && b.Start < bar).Sum(b => b.Buy - b.Sell);
                    var after = before + d;
                    var expectedCross = before < level && level <= after ? new AlertOutcome(true, "up", after)
                        : before > level && level >= after ? new AlertOutcome(true, "down", after)
                        : new AlertOutcome(false, "none", after);
                    Assert.Equal(expectedCross, AlertConditions.Evaluate(cross, deltas, bar));
                }
            },
            iter: 200);
    }

    private static AlertOutcome Imbalance(decimal buy, decimal sell, decimal percent)
    {
        var value = buy + sell == 0 ? 0 : (buy - sell) / (buy + sell) * 100;
        return Math.Abs(value) >= percent ? new AlertOutcome(true, value > 0 ? "buy" : "sell", value) : new AlertOutcome(false, "none", value);
    }

    private static ActiveRule Rule(AlertRule rule)
    {
        Assert.Empty(rule.Validate(WindowSpec.Default, []));
        return ActiveRule.Of(rule, WindowSpec.Default, "settings", []);
    }
}
