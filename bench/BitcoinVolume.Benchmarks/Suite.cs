using System.Diagnostics;
using BitcoinVolume.Benchmarks.Harness;
using BitcoinVolume.Benchmarks.Measurements;
using BitcoinVolume.Benchmarks.Report;
using BitcoinVolume.TestSupport;

namespace BitcoinVolume.Benchmarks;

/// <summary>
/// The one command: every measurement in turn on this machine, each against its baseline from the same run, then the
/// report. A measurement that fails is reported with its error and the others still run; the exit code says so.
/// </summary>
public static class Suite
{
    /// <summary>Partitions of <c>trades</c> and <c>volumes.1m</c> in the whole-pipeline runs (see the report's notes).</summary>
    public const int Partitions = 6;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(BenchSettings.Usage);
            return 0;
        }

        BenchSettings settings;
        try
        {
            settings = BenchSettings.Parse(args, ServiceProcess.RepositoryRoot);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(BenchSettings.Usage);
            return 2;
        }

        var machine = MachineInfo.Describe(ServiceProcess.RepositoryRoot);
        Log.Heading($"BitcoinVolume benchmarks on {machine.CpuModel}, {machine.Cores} cores{(settings.Quick ? " (quick: small workloads)" : string.Empty)}");
        var total = Stopwatch.StartNew();
        var results = new List<MeasurementResult>();
        var transportRate = double.NaN;

        async Task Measure(string key, Func<Task<MeasurementResult>> measure)
        {
            if (!settings.Runs(key))
            {
                return;
            }

            Log.Heading($"[{key}]");
            var watch = Stopwatch.StartNew();
            MeasurementResult result;
            try
            {
                result = await measure();
            }
            catch (Exception e)
            {
                result = new MeasurementResult(key, key, string.Empty) { Error = $"{e.GetType().Name}: {e.Message}" };
            }

            result.Elapsed = watch.Elapsed;
            if (result.Error is not null)
            {
                Log.Warn($"{key} failed: {result.Error}");
            }

            results.Add(result);
        }

        await Measure("core", () => Task.FromResult(AggregationCore.Run(settings)));
        await Measure("transport", async () =>
        {
            var (result, rate) = await TransportCeiling.RunAsync(settings, Partitions);
            transportRate = rate;
            return result;
        });
        await Measure("throughput", () => PipelineThroughput.RunAsync(settings, Partitions, transportRate));
        await Measure("peer", () => PeerComparison.RunAsync(settings, Partitions));
        await Measure("loops", () => LoopScaling.RunAsync(settings, Partitions));
        await Measure("latency", () => Latency.RunAsync(settings, Partitions));
        await Measure("backfill", () => Backfill.RunAsync(settings, Partitions));
        await Measure("footprint", () => Footprint.RunAsync(settings, Partitions));
        await Measure("profile", () => Profile.RunAsync(settings, Partitions));
        await Measure("handoff", () => Handoff.RunAsync(settings));
        await Measure("store", () => Task.FromResult(StoreWrite.Run(settings)));
        await Measure("ingest", () => Task.FromResult(IngestFrame.Run(settings)));

        var report = MarkdownReport.Write(settings, machine, results, total.Elapsed);
        Directory.CreateDirectory(Path.GetDirectoryName(settings.OutputPath)!);
        await File.WriteAllTextAsync(settings.OutputPath, report);
        Log.Heading($"report written to {settings.OutputPath} ({total.Elapsed.TotalMinutes:0.0} min)");
        foreach (var r in results)
        {
            foreach (var f in r.Figures)
            {
                Log.Info($"{r.Title}: {f.What} = {f.Value} (baseline {f.Baseline}, ratio {f.Ratio}, target {f.Target}: {(f.Met is null ? "—" : f.Met.Value ? "met" : "MISSED")})");
            }
        }

        return results.Exists(r => r.Error is not null) ? 1 : 0;
    }
}
