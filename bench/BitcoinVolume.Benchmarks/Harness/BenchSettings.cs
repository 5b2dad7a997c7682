using System.Globalization;
using Spectre.Console;

namespace BitcoinVolume.Benchmarks.Harness;

/// <summary>
/// What one run of the suite measures and how big: <c>--quick</c> shrinks every workload (a smoke run of the harness,
/// figures not comparable to the targets), <c>--only a,b</c> picks measurements, <c>--kafka</c> points the transport
/// ceiling at another broker, <c>--output</c> names the report file.
/// </summary>
public sealed record BenchSettings(bool Quick, IReadOnlySet<string> Only, string OutputPath, string? ExternalKafka, string CommandLine, int[]? BackfillSizes = null)
{
    public static readonly string[] AllMeasurements = ["core", "transport", "throughput", "peer", "loops", "latency", "backfill", "footprint", "profile", "handoff", "store", "ingest"];

    /// <summary>Trades of the transport ceiling and the pipeline throughput run.</summary>
    public int ThroughputTrades => Quick ? 200_000 : 1_000_000;

    /// <summary>Trades pre-filled for the peer comparison.</summary>
    public int PeerTrades => Quick ? 100_000 : 450_000;

    public TimeSpan LatencyDuration => Quick ? TimeSpan.FromSeconds(20) : TimeSpan.FromSeconds(60);

    public int[] BackfillTrades => BackfillSizes ?? (Quick ? [100_000, 200_000, 300_000] : [1_000_000, 2_000_000, 3_000_000]);

    /// <summary>Trades of the 1× history of the handoff measurement (4× is four times this), and the trades after the move.</summary>
    public int HandoffTrades => Quick ? 15_000 : 50_000;

    /// <inheritdoc cref="HandoffTrades"/>
    public int HandoffTail => Quick ? 5_000 : 10_000;

    public TimeSpan FootprintDuration => Quick ? TimeSpan.FromSeconds(20) : TimeSpan.FromSeconds(60);

    public bool Runs(string measurement) => Only.Count == 0 || Only.Contains(measurement);

    /// <summary>Parses the suite's arguments; throws <see cref="ArgumentException"/> with the usage on a bad one.</summary>
    public static BenchSettings Parse(string[] args, string repositoryRoot)
    {
        var quick = false;
        var only = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string? output = null;
        string? kafka = null;
        int[]? sizes = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    quick = true;
                    break;
                case "--only" when i + 1 < args.Length:
                    foreach (var name in args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        only.Add(AllMeasurements.Contains(name, StringComparer.OrdinalIgnoreCase) ? name.ToLowerInvariant() : throw new ArgumentException($"unknown measurement '{name}'; known: {string.Join(", ", AllMeasurements)}"));
                    }

                    break;
                case "--output" when i + 1 < args.Length:
                    output = Path.GetFullPath(args[++i]);
                    break;
                case "--backfill-sizes" when i + 1 < args.Length:
                    sizes = [.. args[++i].Split(',').Select(v => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"bad backfill size '{v}'"))];
                    break;
                case "--kafka" when i + 1 < args.Length:
                    kafka = args[++i];
                    break;
                default:
                    throw new ArgumentException($"unknown argument '{args[i]}'");
            }
        }

        // A partial or quick run never overwrites the committed report unless asked to.
        output ??= only.Count == 0 && !quick && sizes is null
            ? Path.Combine(repositoryRoot, "docs", "BENCHMARKS.md")
            : Path.Combine(Path.GetTempPath(), "bv-bench", "BENCHMARKS.partial.md");
        var command = "dotnet run -c Release --project bench/BitcoinVolume.Benchmarks" + (args.Length > 0 ? " -- " + string.Join(' ', args) : string.Empty);
        return new BenchSettings(quick, only, output, kafka, command, sizes);
    }

    public const string Usage = """
        usage: dotnet run -c Release --project bench/BitcoinVolume.Benchmarks [-- options]
          (no options)      every measurement at full size; writes docs/BENCHMARKS.md
          --quick           small workloads (checks the harness; figures not comparable to targets)
          --only a,b        only these: core, transport, throughput, peer, loops, latency, backfill, footprint, profile, handoff, store, ingest
          --output FILE     where the report goes (default: docs/BENCHMARKS.md for a full run, else a temp file)
          --kafka HOST:PORT transport ceiling against this broker instead of the development broker
          --backfill-sizes N,N,...  trades of each backfill run (default 1000000,2000000,3000000)
          --filter PATTERN  (instead of the above) BenchmarkDotNet micro-benchmarks, e.g. --filter '*AggregationCore*' --inProcess
        """;
}

/// <summary>Timestamped progress lines on the console (the suite runs for minutes: say what it is doing).</summary>
public static class Log
{
    private static readonly System.Diagnostics.Stopwatch Clock = System.Diagnostics.Stopwatch.StartNew();

    public static void Info(string message) =>
        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"[grey]{Clock.Elapsed:mm\\:ss}[/] {Markup.Escape(message)}"));

    public static void Heading(string message) =>
        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"[grey]{Clock.Elapsed:mm\\:ss}[/] [bold yellow]{Markup.Escape(message)}[/]"));

    public static void Warn(string message) =>
        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"[grey]{Clock.Elapsed:mm\\:ss}[/] [red]{Markup.Escape(message)}[/]"));
}
