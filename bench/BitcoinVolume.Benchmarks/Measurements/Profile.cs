using System.Globalization;
using BitcoinVolume.Benchmarks.Harness;
using BitcoinVolume.Benchmarks.Report;
using BitcoinVolume.TestSupport;

namespace BitcoinVolume.Benchmarks.Measurements;

/// <summary>
/// The throughput workload once more, untimed, with dotnet-counters on every service and a dotnet-trace thread-time
/// sample of the aggregator and ingest while trades flow: the evidence behind "what limits it".
/// </summary>
public static class Profile
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(6);

    public static async Task<MeasurementResult> RunAsync(BenchSettings settings, int partitions)
    {
        var count = settings.ThroughputTrades;
        var source = $"synthetic:products=100,rate=0,count={count},heartbeats=false,seed=1";
        var result = new MeasurementResult("profile", "7. Profile of the pipeline under full load",
            $"The throughput workload (`{source}`) once more, not timed: while trades flow, `dotnet-counters collect --counters System.Runtime,BitcoinVolume.<Service>` " +
            $"runs on each service and `dotnet-trace collect --profile dotnet-sampled-thread-time` on the aggregator and ingest, for {Window.TotalSeconds:0} s " +
            "(the tools themselves take CPU, so rates here are lower than in 2).");
        var root = ServiceProcess.RepositoryRoot;
        if (await DiagnosticTools.RestoreAsync(root) is { } error)
        {
            result.Error = error;
            return result;
        }

        await using var run = new PipelineRun("profile", partitions);
        await run.StartConsumersAsync();
        run.StartIngest(source);
        while (run.EndOffsets(BitcoinVolume.Contracts.Topics.Trades) < count / 10)
        {
            await Task.Delay(50);
        }

        Log.Info($"collecting counters and traces for {Window.TotalSeconds:0} s");
        var services = new[] { ("ingest", run.Ingest!), ("aggregate", run.Aggregator), ("sink", run.Sink) };
        var counters = services.Select(s => DiagnosticTools.CountersAsync(root, s.Item2.ProcessId!.Value, $"BitcoinVolume.{char.ToUpperInvariant(s.Item1[0])}{s.Item1[1..]}", Window, Path.Combine(run.WorkDirectory, s.Item1 + ".counters.csv"))).ToList();
        var traces = services.Take(2).Select(s => DiagnosticTools.TopMethodsAsync(root, s.Item2.ProcessId!.Value, Window, Path.Combine(run.WorkDirectory, s.Item1 + ".nettrace"), 15)).ToList();
        var cpu = run.CpuMeter().Start();
        await Task.WhenAll(counters);
        result.Cpu.Add(("while profiled", cpu.Stop()));
        await Task.WhenAll(traces);

        var means = counters.Select(c => c.Result).ToList();
        result.Details.Add("| counter (mean per second over the window) | " + string.Join(" | ", services.Select(s => s.Item1)) + " |");
        result.Details.Add("|---|" + string.Concat(services.Select(_ => "---|")));
        foreach (var name in means.SelectMany(m => m.Keys).Distinct().Order(StringComparer.Ordinal))
        {
            result.Details.Add($"| {name} | " + string.Join(" | ", means.Select(m => m.TryGetValue(name, out var v) ? v.ToString("#,0.###", CultureInfo.InvariantCulture) : "—")) + " |");
        }

        for (var i = 0; i < traces.Count; i++)
        {
            result.Details.Add(string.Empty);
            result.Details.Add($"Top methods of {services[i].Item1} by exclusive thread time (blocked threads included: waits and polls are threads with nothing to do):");
            result.Details.Add(string.Empty);
            result.Details.Add("```");
            result.Details.AddRange(traces[i].Result.Split('\n').Select(line => line.TrimEnd()));
            result.Details.Add("```");
        }

        return result;
    }
}
