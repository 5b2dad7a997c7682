using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace BitcoinVolume.Benchmarks.Harness;

/// <summary>
/// How the suite runs a BenchmarkDotNet class: in-process, short job (<c>--quick</c>: the dry job, one cold iteration),
/// no console or log file, only the cases <c>include</c> keeps; with <c>memory</c> the allocations per operation too.
/// </summary>
public static class InProcessBenchmarks
{
    public static Summary Run<T>(BenchSettings settings, Func<BenchmarkCase, bool> include, bool memory = false)
    {
        var job = (settings.Quick ? Job.Dry : Job.ShortRun).WithToolchain(InProcessEmitToolchain.Instance);
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddLogger(NullLogger.Instance)
            .AddColumnProvider(BenchmarkDotNet.Columns.DefaultColumnProviders.Instance)
            .AddFilter(new SimpleFilter(include))
            .WithOptions(ConfigOptions.DisableLogFile | ConfigOptions.JoinSummary);
        return BenchmarkRunner.Run<T>(memory ? config.AddDiagnoser(MemoryDiagnoser.Default) : config);
    }

    /// <summary>The error to report when BenchmarkDotNet could not measure every case it ran, else null.</summary>
    public static string? ErrorOf(Summary summary) =>
        summary.HasCriticalValidationErrors || summary.Reports.Any(r => r.ResultStatistics is null) || summary.Reports.IsEmpty
            ? "BenchmarkDotNet could not measure every case: " + string.Join("; ", summary.ValidationErrors.Select(e => e.Message))
            : null;
}
