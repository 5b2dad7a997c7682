using BitcoinVolume.Benchmarks.Harness;
using BitcoinVolume.Benchmarks.Report;

namespace BitcoinVolume.Benchmarks.Measurements;

/// <summary>
/// (0) The aggregation core on one thread, no I/O (<see cref="AggregationCoreBenchmark"/> via BenchmarkDotNet, short
/// job, in-process): the floor under every whole-pipeline figure.
/// </summary>
public static class AggregationCore
{
    public static MeasurementResult Run(BenchSettings settings)
    {
        var result = new MeasurementResult("core", "0. Aggregation core (one thread, no I/O)",
            "BenchmarkDotNet 0.15.8 (short job, in-process) over 1,000,000 serialized trade records exactly as on `trades` (100 products): " +
            "**baseline** = deserialize only (bare loop); **aggregation core** = deserialize → dedup → 1-minute window state → every 5,000 records " +
            "the full value of every changed window built and serialized, as the aggregator does per batch. Event time spread over 24 h " +
            "(≈3.5 trades per window: most trades open a window, the hard case) or 1 h (≈83 trades per window). Prices: a random walk per product " +
            "around 20,000 (±$1.00 per trade: a 1-hour-span window of 83 trades moves ≈ $10, as BTC-USD's minutes typically do); \"wide prices\": every trade " +
            "anywhere in 20,000 ± 1,000 (≈70 footprint levels of $10 in such a window).");
        Log.Info("BenchmarkDotNet: aggregation core vs deserialize-only, 24 h and 1 h of event time (a few minutes)");
        var summary = InProcessBenchmarks.Run<AggregationCoreBenchmark>(settings, b => !b.Descriptor.Categories.Contains("breakdown"));
        double Rate(string method, int span) => 1e9 / summary.Reports
            .Where(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method && Equals(r.BenchmarkCase.Parameters["SpanHours"], span))
            .Select(r => r.ResultStatistics?.Mean ?? double.NaN)
            .DefaultIfEmpty(double.NaN)
            .First();

        result.Details.Add("| span | baseline: deserialize only | aggregation core | core / baseline |");
        result.Details.Add("|---|---|---|---|");
        foreach (var span in new[] { 24, 1 })
        {
            var bare = Rate(nameof(AggregationCoreBenchmark.DeserializeOnly), span);
            var core = Rate(nameof(AggregationCoreBenchmark.Aggregate), span);
            var label = span == 24 ? "24 h (≈3.5 trades/window)" : "1 h (≈83 trades/window)";
            result.Details.Add($"| {label} | {Format.Rate(bare)} trades/s | {Format.Rate(core)} trades/s | {Format.Percent(core / bare)} |");
            result.Figures.Add(new Figure($"{label}, trades/s on one core", Format.Rate(core), $"deserialize only {Format.Rate(bare)}", Format.Percent(core / bare), "≥ 1,000,000/s and ≥ 50 %", core >= 1_000_000 && core / bare >= 0.5,
                core < 1_000_000 ? $"{Format.Percent(1 - (core / 1_000_000))} below 1,000,000/s" : null));
            Log.Info($"core {label}: {Format.Rate(core)} trades/s = {Format.Percent(core / bare)} of bare deserialization");
        }

        // Order flow (issue 17): the core with size classes off, with them (the default: 5 classes for these USD
        // products), and with size classes and the footprint (both defaults), all from the same run; the footprint also
        // over prices that jump across ≈70 levels a minute (its worst case).
        result.Details.Add(string.Empty);
        result.Details.Add("| span | size classes off, no footprint | size classes (default) | size classes + footprint (defaults) | + footprint / off | + footprint, wide prices |");
        result.Details.Add("|---|---|---|---|---|---|");
        foreach (var span in new[] { 24, 1 })
        {
            var off = Rate(nameof(AggregationCoreBenchmark.AggregateWithoutSizeClasses), span);
            var classes = Rate(nameof(AggregationCoreBenchmark.Aggregate), span);
            var full = Rate(nameof(AggregationCoreBenchmark.AggregateWithFootprint), span);
            var wide = Rate(nameof(AggregationCoreBenchmark.AggregateWithFootprintWidePrices), span);
            result.Details.Add($"| {(span == 24 ? "24 h" : "1 h")} | {Format.Rate(off)} trades/s | {Format.Rate(classes)} trades/s ({Format.Percent(classes / off)}) | {Format.Rate(full)} trades/s | {Format.Percent(full / off)} | {Format.Rate(wide)} trades/s ({Format.Percent(wide / off)}) |");
            result.Figures.Add(new Figure($"{span} h, size classes + footprint on, trades/s on one core", Format.Rate(full), $"both off {Format.Rate(off)}", Format.Percent(full / off), "≥ 1,000,000/s", full >= 1_000_000,
                full < 1_000_000 ? $"{Format.Percent(1 - (full / 1_000_000))} below 1,000,000/s" : null)
            { Cause = Analysis.For("core-footprint") });
            Log.Info($"core {span} h: off {Format.Rate(off)}, size classes {Format.Rate(classes)}, + footprint {Format.Rate(full)}, + footprint with wide prices {Format.Rate(wide)} trades/s");
        }

        result.Error = InProcessBenchmarks.ErrorOf(summary);

        return result;
    }
}
