using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using BitcoinVolume.Benchmarks.Harness;
using BitcoinVolume.Benchmarks.Report;
using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;

namespace BitcoinVolume.Benchmarks.Measurements;

/// <summary>
/// (8) Handoff: the time to resume a moved partition on an instance without its state folder, from the partition's
/// checkpoint (<c>Aggregate:Checkpoints</c>), with the same state size (same products, same event-time span) at 1× and
/// 4× the input history; the baseline is today's rebuild from offset 0 of the same history, measured in the same run.
/// </summary>
public static partial class Handoff
{
    private const int Products = 12;
    private const int Repetitions = 5;
    private static readonly TimeSpan Span = TimeSpan.FromHours(6);
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(5);

    public static async Task<MeasurementResult> RunAsync(BenchSettings settings)
    {
        var history = settings.HandoffTrades;
        var tail = settings.HandoffTail;
        var result = new MeasurementResult("handoff", "8. Handoff",
            $"`TradeStream.Generate`: N trades of {Products} products over {Span.TotalHours:0} h of event time (same products and span at 1× and 4×, so the same windows: the same state size), " +
            $"produced to a fresh development broker and aggregated by instance A with `Aggregate:Checkpoints:Interval=00:00:01`; once A has checkpointed every partition at the end of its log it is SIGKILLed, " +
            $"{tail:N0} more trades arrive, and a fresh instance B (empty state folder, its own copy of A's checkpoints, A's `group.instance.id`) takes the partitions over. " +
            $"Resume time = the slowest partition's \"caught up with the log … s after it was assigned\" in B's log (restore + replay of the {tail:N0} trades + fetches), median of {Repetitions} instances B; " +
            "baseline: an instance without checkpoints rebuilding the same partitions from offset 0 (today's move), once per size. Services from their Release builds.");
        result.Details.Add("| history | trades (records on trades) | checkpoint bytes (all partitions) | resume from checkpoint, s (median) | runs, s | process start → caught up, s | rebuild from offset 0, s |");
        result.Details.Add("|---|---|---|---|---|---|---|");
        var measured = new List<(int Multiple, double Resume, double Rebuild)>();
        foreach (var multiple in new[] { 1, 4 })
        {
            var point = await MeasureAsync($"handoff-{multiple}x", history * multiple, tail, seed: 8);
            measured.Add((multiple, point.Resume, point.Rebuild));
            result.Details.Add($"| {multiple}× | {history * multiple:N0} + {tail:N0} ({point.Records:N0}) | {point.CheckpointBytes:N0} | {point.Resume:0.000} | {string.Join(", ", point.Runs.Select(r => r.ToString("0.000", CultureInfo.InvariantCulture)))} | {point.Wall:0.0} | {point.Rebuild:0.000} |");
        }

        var (one, four) = (measured[0], measured[1]);
        result.Figures.Add(new Figure("resume of moved partitions from checkpoints, 4× vs 1× history (same state size), s", $"{four.Resume:0.000}", $"{one.Resume:0.000} s at 1×",
            Format.Ratio(four.Resume / one.Resume), "≤ 1.2", four.Resume <= one.Resume * 1.2, $"{Format.Percent((four.Resume / one.Resume) - 1.2)} above the allowed 1.2"));
        result.Figures.Add(new Figure("rebuild from offset 0 (no checkpoint), 4× vs 1× history, s", $"{four.Rebuild:0.000}", $"{one.Rebuild:0.000} s at 1×",
            Format.Ratio(four.Rebuild / one.Rebuild), "— (grows with history: the baseline)", null));
        result.Notes.Add("The development broker keeps ~5 MiB per partition: these histories are kept small enough that the baseline rebuild is still possible; " +
            "beyond that only the checkpoint resume works (tests/Pipeline.Tests/HandoffTests).");
        return result;
    }

    private static async Task<Point> MeasureAsync(string name, int historyTrades, int tailTrades, int seed)
    {
        var work = Path.Combine(Path.GetTempPath(), "bv-bench", $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{name}");
        Directory.CreateDirectory(work);
        var (arrival, _) = TradeStream.Generate(historyTrades + tailTrades, Products, Span, seed);
        var split = arrival.Count - tailTrades;
        await using var kafka = KafkaTestCluster.Start();
        var checkpoints = new CheckpointFolder(Path.Combine(work, "checkpoints"));
        var processes = new List<ServiceProcess>();
        try
        {
            var first = Aggregator(processes, kafka, work, "aggregate-a", checkpoints.Path);
            first.Start();
            Log.Info($"{name}: producing {split:N0} records of history");
            await kafka.ProduceTradesAsync(arrival.Take(split).ToList(), TimeSpan.FromSeconds(split / 40_000.0), CancellationToken.None);
            await checkpoints.WaitAtLogEndAsync(kafka, Deadline);
            await first.KillAsync();
            await kafka.ProduceTradesAsync(arrival.Skip(split).ToList(), TimeSpan.Zero, CancellationToken.None);
            var logs = Enumerable.Range(0, Topics.All.Single(t => t.Name == Topics.Trades).Partitions).Select(p => (Partition: p, Log: kafka.Watermarks(Topics.Trades, p))).ToList();
            var partitions = logs.Where(l => l.Log.High > 0).Select(l => l.Partition).ToList();
            var bytes = checkpoints.NewestBytes();

            var runs = new List<(double Resume, double Wall)>();
            for (var run = 1; run <= Repetitions; run++)
            {
                var copy = checkpoints.CopyTo(Path.Combine(work, $"checkpoints-{run}"));
                runs.Add(await ResumeAsync(Aggregator(processes, kafka, work, $"aggregate-b{run}", copy.Path), partitions));
                Log.Info($"{name}: resume {run}: {runs[^1].Resume:0.000} s (process start → caught up {runs[^1].Wall:0.0} s)");
            }

            var rebuild = logs.Any(l => l.Log.Low > 0)
                ? double.NaN // trimmed: a rebuild from offset 0 is blocked
                : (await ResumeAsync(Aggregator(processes, kafka, work, "aggregate-rebuild", checkpoints: null), partitions)).Resume;
            Log.Info($"{name}: rebuild from offset 0: {rebuild:0.000} s");
            var ordered = runs.OrderBy(r => r.Resume).ToList();
            return new Point(ordered[ordered.Count / 2].Resume, ordered[ordered.Count / 2].Wall, runs.Select(r => r.Resume).ToList(), rebuild, bytes, logs.Sum(l => l.Log.High));
        }
        finally
        {
            foreach (var process in processes)
            {
                await process.DisposeAsync();
            }
        }
    }

    /// <summary>Starts <paramref name="instance"/>, waits until every partition caught up, kills it; the slowest partition's in-service time and the wall time.</summary>
    private static async Task<(double Resume, double Wall)> ResumeAsync(ServiceProcess instance, IReadOnlyList<int> partitions)
    {
        var wall = Stopwatch.StartNew();
        instance.Start();
        foreach (var partition in partitions)
        {
            await instance.WaitForOutputAsync($"Partition {partition} caught up with the log", Deadline);
        }

        var elapsed = wall.Elapsed.TotalSeconds;
        await instance.KillAsync();
        var seconds = CaughtUp().Matches(await File.ReadAllTextAsync(instance.LogPath))
            .Where(m => partitions.Contains(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)))
            .Select(m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))
            .ToList();
        return (seconds.Max(), elapsed);
    }

    /// <summary>An aggregator with its own empty state folder, with checkpoints in <paramref name="checkpoints"/> (null: none), in A's place in the group.</summary>
    private static ServiceProcess Aggregator(List<ServiceProcess> processes, KafkaTestCluster kafka, string work, string name, string? checkpoints)
    {
        var process = new ServiceProcess(name, "Aggregate.Service", "BitcoinVolume.Aggregate", new Dictionary<string, string>
        {
            ["ConnectionStrings__kafka"] = kafka.BootstrapServers,
            ["Aggregate__StatePath"] = Path.Combine(work, name),
            ["Aggregate__Checkpoints__Path"] = checkpoints ?? string.Empty,
            ["Aggregate__Checkpoints__Interval"] = "00:00:01",
            ["Aggregate__Kafka__fetch.wait.max.ms"] = PipelineRun.DevelopmentFetchWaitMs,
            ["Aggregate__Kafka__group.instance.id"] = "aggregate",
            ["Aggregate__Kafka__session.timeout.ms"] = PipelineRun.DevelopmentSessionTimeoutMs,
        }, Path.Combine(work, name + ".log"));
        processes.Add(process);
        return process;
    }

    [GeneratedRegex(@"Partition (\d+) caught up with the log at offset \d+, ([\d.]+) s after it was assigned")]
    private static partial Regex CaughtUp();

    private sealed record Point(double Resume, double Wall, List<double> Runs, double Rebuild, long CheckpointBytes, long Records);
}
