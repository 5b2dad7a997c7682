using BitcoinVolume.Benchmarks.Harness;
using BitcoinVolume.Benchmarks.Report;

namespace BitcoinVolume.Benchmarks.Measurements;

/// <summary>
/// (5) Backfill: a day of trading of many products replayed end to end as fast as the pipeline takes it, at three sizes
/// to show how the time grows with the number of trades.
/// </summary>
public static class Backfill
{
    private const int Products = 500;

    public static async Task<MeasurementResult> RunAsync(BenchSettings settings, int partitions)
    {
        var sizes = settings.BackfillTrades;
        var result = new MeasurementResult("backfill", "5. Backfill",
            $"`synthetic:products={Products},rate=0,count=N,span=24h,heartbeats=false`: N trades spread over one day of event time for {Products} products " +
            "(about as many as Coinbase lists; popularity 1/rank), replayed through ingest → aggregate → sink (SQLite) as fast as they are taken. " +
            $"Time = ingest process start → the sink has committed every window record; each size on a fresh broker and fresh services ({partitions} partitions); " +
            "every window checked against the oracle afterwards.");
        result.Details.Add("| trades | windows | window records written | time (s) | trades/s | ingest paused by back-pressure (s) | exact |");
        result.Details.Add("|---|---|---|---|---|---|---|");
        var points = new List<(double Trades, double Seconds)>();
        var byRecords = new List<(double Records, double Seconds)>();
        foreach (var count in sizes)
        {
            var source = $"synthetic:products={Products},rate=0,count={count},span=24h,heartbeats=false,seed=5";
            var sub = new MeasurementResult("backfill", string.Empty, string.Empty);
            var (_, samples, profile, run) = await PipelineDrain.RunAsync($"backfill-{count / 1000}k", partitions, source, count, sub);
            var windows = 0;
            var paused = TimeSpan.Zero;
            await using (run)
            {
                if (sub.Error is null)
                {
                    windows = await PipelineDrain.VerifyAsync(run, source, sub);
                    paused = run.PausedTime;
                }
            }

            if (sub.Error is not null)
            {
                result.Error = $"{count:N0} trades: {sub.Error}";
                return result;
            }

            var seconds = samples[^1].At.TotalSeconds; // from ingest start (the clock starts right before it)
            points.Add((count, seconds));
            byRecords.Add((samples[^1].Windows, seconds));
            result.Details.Add($"| {count:N0} | {windows:N0} | {samples[^1].Windows:N0} | {seconds:0.0} | {Format.Rate(count / seconds)} | {paused.TotalSeconds:0.0} | ✓ |");
            result.Cpu.Add(($"{count:N0} trades", profile));
        }

        var largest = points[^1];
        var fit = LinearFit(points);
        var recordsFit = LinearFit(byRecords);
        result.Details.Add(string.Empty);
        result.Details.Add($"- least squares, time = a + b·N: against trades R² {fit.RSquared:0.000} (b = {fit.Slope * 1_000_000:0.0} s per million trades, a = {fit.Intercept:0.0} s); " +
            $"against window records written R² {recordsFit.RSquared:0.000} (b = {recordsFit.Slope * 1_000_000:0.0} s per million records, a = {recordsFit.Intercept:0.0} s)");
        var perMillion = fit.Slope * 1_000_000;
        result.Figures.Add(new Figure($"{largest.Trades:N0} trades end to end, s", $"{largest.Seconds:0.0}", $"{points[0].Trades:N0} trades in {points[0].Seconds:0.0} s",
            Format.Ratio(largest.Seconds / points[0].Seconds) + " × the time for " + Format.Ratio(largest.Trades / points[0].Trades) + " × the trades", "≤ 30 s", largest.Seconds <= 30,
            $"{largest.Seconds - 30:0.0} s ({Format.Percent((largest.Seconds / 30) - 1)}) over"));
        // Linear (or better): the time per trade at the largest size is not above the smallest size's (10 % noise allowed).
        var perMillionSmall = points[0].Seconds / points[0].Trades * 1_000_000;
        var perMillionLarge = largest.Seconds / largest.Trades * 1_000_000;
        result.Figures.Add(new Figure("time per million trades, largest vs smallest run (linear: not growing)", $"{perMillionLarge:0.0} s",
            $"{perMillionSmall:0.0} s at {points[0].Trades:N0} trades; fit time = a + b·N: R² {fit.RSquared:0.000}, b = {perMillion:0.0} s per million, a = {fit.Intercept:0.0} s",
            Format.Ratio(perMillionLarge / perMillionSmall), "≤ 1.10 (no super-linear growth)", perMillionLarge <= perMillionSmall * 1.1,
            $"{Format.Percent((perMillionLarge / perMillionSmall) - 1.1)} above the allowed 1.10"));
        return result;
    }

    private static (double Slope, double Intercept, double RSquared) LinearFit(IReadOnlyList<(double X, double Y)> points)
    {
        var n = points.Count;
        var mx = points.Average(p => p.X);
        var my = points.Average(p => p.Y);
        var sxx = points.Sum(p => (p.X - mx) * (p.X - mx));
        var sxy = points.Sum(p => (p.X - mx) * (p.Y - my));
        var slope = sxy / sxx;
        var intercept = my - (slope * mx);
        var ssTot = points.Sum(p => (p.Y - my) * (p.Y - my));
        var ssRes = points.Sum(p => Math.Pow(p.Y - (intercept + (slope * p.X)), 2));
        return (slope, intercept, n < 3 || ssTot == 0 ? double.NaN : 1 - (ssRes / ssTot));
    }
}
