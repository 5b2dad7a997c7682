using System.Net.Http.Json;
using System.Text.Json;
using BitcoinVolume.Benchmarks.Harness;
using BitcoinVolume.Benchmarks.Report;

namespace BitcoinVolume.Benchmarks.Measurements;

/// <summary>(6) Footprint: peak resident memory of each service while 1,000 products trade live.</summary>
public static class Footprint
{
    private const int Products = 1000;
    private const int Rate = 5000;

    public static async Task<MeasurementResult> RunAsync(BenchSettings settings, int partitions)
    {
        var source = $"synthetic:products={Products},rate={Rate},start=now,seed=9";
        var result = new MeasurementResult("footprint", "6. Footprint",
            $"`{source}` for {settings.FootprintDuration.TotalSeconds:0} s: {Products:N0} products trading live at {Rate:N0} trades/s in total " +
            $"(the least popular still ≈{Rate * 60.0 / Products / 7.49:0} trades a minute, so every product has open windows all the time), with heartbeats. " +
            "Peak RSS = VmHWM of each service process from /proc at the end (default settings, .NET's defaults for GC).");
        await using var run = new PipelineRun("footprint", partitions);
        await run.StartConsumersAsync();
        run.StartIngest(source);
        var cpu = run.CpuMeter().Start();
        var services = new[] { ("ingest", run.Ingest!), ("aggregate", run.Aggregator), ("sink", run.Sink) };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < settings.FootprintDuration)
        {
            await Task.Delay(5000);
            Log.Info("  RSS " + string.Join(", ", services.Select(s => $"{s.Item1} {Format.Mib(s.Item2.ProcessId is int pid ? ProcFs.RssBytes(pid) : 0)}")));
        }

        result.Cpu.Add(("whole run", cpu.Stop()));
        var known = (await run.SinkApi.GetFromJsonAsync<JsonElement>("/api/products")).GetArrayLength();
        result.Details.Add("| service | peak RSS | RSS at the end |");
        result.Details.Add("|---|---|---|");
        long aggregatorPeak = 0;
        foreach (var (name, service) in services)
        {
            var pid = service.ProcessId ?? 0;
            var peak = ProcFs.PeakRssBytes(pid);
            result.Details.Add($"| {name} | {Format.Mib(peak)} | {Format.Mib(ProcFs.RssBytes(pid))} |");
            if (name == "aggregate")
            {
                aggregatorPeak = peak;
            }

            Log.Info($"{name}: peak RSS {Format.Mib(peak)}");
        }

        result.Details.Add($"| broker + harness (this process, for scale) | {Format.Mib(ProcFs.PeakRssBytes(Environment.ProcessId))} | {Format.Mib(ProcFs.RssBytes(Environment.ProcessId))} |");
        result.Details.Add(string.Empty);
        result.Details.Add($"- products the sink serves at the end: {known:N0} of {Products:N0}; trades on `trades`: {run.EndOffsets(BitcoinVolume.Contracts.Topics.Trades):N0}");
        result.Figures.Add(new Figure($"aggregator peak RSS, {Products:N0} products", Format.Mib(aggregatorPeak), "—", "—", "≤ 300 MB", aggregatorPeak <= 300L * 1024 * 1024, $"{Format.Mib(aggregatorPeak - (300L * 1024 * 1024))}"));
        if (known < Products)
        {
            result.Error = $"only {known} of {Products} products reached the sink";
        }

        return result;
    }
}
