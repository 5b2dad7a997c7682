using BitcoinVolume.Benchmarks.Harness;
using BitcoinVolume.Benchmarks.Report;
using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;

namespace BitcoinVolume.Benchmarks.Measurements;

/// <summary>
/// (2) The whole pipeline at full speed: ingest's synthetic source (100 products, unpaced) → ingest → <c>trades</c> →
/// aggregate → <c>volumes.1m</c> → sink (SQLite), every service a separate process with its default settings; the
/// run ends when the sink has written every window; then every window is checked against the oracle through the API.
/// </summary>
public static class PipelineThroughput
{
    public static async Task<MeasurementResult> RunAsync(BenchSettings settings, int partitions, double transportRate)
    {
        var count = settings.ThroughputTrades;
        var source = $"synthetic:products=100,rate=0,count={count},heartbeats=false,seed=1";
        var result = new MeasurementResult("throughput", "2. Pipeline throughput",
            $"`{source}` (event times 1 ms apart, ≈{count / 60_000} minutes of trading) through ingest → `trades` ({partitions} partitions) → aggregate → " +
            "`volumes.1m` → sink (SQLite), each service a separate process with default settings (aggregator fsyncs every state commit). " +
            "Sustained end-to-end rate = the 90 % of trades produced after the first 10 % / (time from that point until the sink has committed every " +
            "window record of every trade) — the services' first seconds (start-up, JIT) are left out, the drain at the end is in; the whole-run rate " +
            "including start-up is shown too. Progress is read from topic end offsets and the consumer groups' committed offsets every 100 ms. Then every window is compared with an " +
            "oracle computed here from the same generator (count, base, quote, open, high, low, close per product, side and minute).");
        var (_, samples, profile, run) = await PipelineDrain.RunAsync("throughput", partitions, source, count, result);
        await using (run)
        {
            if (result.Error is not null)
            {
                return result;
            }

            var rate = PipelineDrain.SustainedRate(samples, count);
            var ratio = rate / transportRate;
            result.Figures.Add(new Figure("sustained end-to-end trades/s", Format.Rate(rate), $"transport ceiling {Format.Rate(transportRate)}", Format.Percent(ratio), "≥ 80 %", ratio >= 0.8,
                $"{(0.8 - ratio) * 100:0} percentage points ({Format.Rate(0.8 * transportRate)} trades/s needed)"));
            result.Details.Add($"- steady rates (10 % → 90 % of the run): ingest produced {Format.Rate(Percentiles.SteadyRate(samples, s => s.Produced))} trades/s, " +
                $"aggregator committed {Format.Rate(Percentiles.SteadyRate(samples, s => s.Aggregated))} trades/s, sink committed {Format.Rate(Percentiles.SteadyRate(samples, s => s.Sunk))} window records/s");
            result.Cpu.Add(("whole run", profile));
            await PipelineDrain.VerifyAsync(run, source, result);
        }

        return result;
    }
}

/// <summary>Shared by the throughput and backfill runs: one fresh pipeline fed by a finite synthetic source until drained.</summary>
public static class PipelineDrain
{
    public static async Task<(double Rate, List<Progress> Samples, CpuProfile Cpu, PipelineRun Run)> RunAsync(string name, int partitions, string source, long count, MeasurementResult result)
    {
        var run = new PipelineRun(name, partitions);
        Log.Info($"starting aggregate and sink (logs in {run.WorkDirectory})");
        await run.StartConsumersAsync();
        var cpu = run.CpuMeter().Start();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Log.Info($"starting ingest with {source}");
        run.StartIngest(source);
        List<Progress> samples;
        try
        {
            samples = await run.WaitUntilDrainedAsync(count, TimeSpan.FromMinutes(10));
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            result.Error = e.Message;
            return (double.NaN, [], cpu.Stop(), run);
        }

        var profile = cpu.Stop();
        var sinceStart = watch.Elapsed;
        var first = samples.First(s => s.Produced > 0).At;
        var last = samples[^1];
        var rate = count / (last.At - first).TotalSeconds;
        result.Details.Add($"- {count:N0} trades → {last.Windows:N0} window records; first trade on the topic {first.TotalSeconds:0.0} s after ingest started; " +
            $"drained {(last.At - first).TotalSeconds:0.0} s later ({sinceStart.TotalSeconds:0.0} s from ingest start, process start-up included): whole-run rate {Format.Rate(rate)} trades/s; " +
            $"sustained (after the first 10 %) {Format.Rate(SustainedRate(samples, count))} trades/s; ingest paused by back-pressure for {run.PausedTime.TotalSeconds:0.0} s " +
            $"(a partition more than {PipelineRun.MaxTradeLag:N0} trades or {PipelineRun.MaxWindowLag:N0} window records ahead of its reader: the development broker keeps only ~5 MiB per partition)");
        Log.Info($"{name}: {count:N0} trades in {(last.At - first).TotalSeconds:0.0} s = {Format.Rate(rate)} trades/s end to end, sustained {Format.Rate(SustainedRate(samples, count))} ({profile})");
        return (rate, samples, profile, run);
    }

    /// <summary>The trades produced after the first 10 % / the time from then until everything was in the database.</summary>
    public static double SustainedRate(IReadOnlyList<Progress> samples, long count)
    {
        var from = samples.First(s => s.Produced >= count / 10);
        return (count - from.Produced) / (samples[^1].At - from.At).TotalSeconds;
    }

    /// <summary>Compares every window the sink serves with the oracle: the proof that nothing was lost or doubled.</summary>
    public static async Task<int> VerifyAsync(PipelineRun run, string source, MeasurementResult result)
    {
        var trimmed = (Trades: run.Trimmed(Topics.Trades), Windows: run.Trimmed(Topics.Volumes1m));
        Log.Info("computing the oracle and comparing every window through the sink's API");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var oracle = WindowOracle.Compute(SyntheticTrades.Generate(source["synthetic:".Length..]));
        var differences = await SinkOracle.DifferencesAsync(run.SinkApi, oracle);
        var exact = differences.Count == 0;
        result.Details.Add($"- exactness: {oracle.Count:N0} windows compared through `/api/volumes`, {differences.Count} differ → " +
            (exact ? "**exact**" : "**NOT exact**") + $" (checked in {watch.Elapsed.TotalSeconds:0} s, not timed). The development broker's ~5 MiB-per-partition cap " +
            $"trimmed {trimmed.Trades:N0} `trades` and {trimmed.Windows:N0} `volumes.1m` records after they had been consumed.");
        if (!exact)
        {
            result.Error = $"the sink does not hold exactly the oracle: {differences.Count} windows differ (first: {string.Join(" | ", differences.Take(3))}); " +
                $"{trimmed.Trades:N0} trades and {trimmed.Windows:N0} window records were trimmed by the broker; logs in {run.WorkDirectory}";
        }

        return oracle.Count;
    }
}
