using BitcoinVolume.Benchmarks.Harness;

namespace BitcoinVolume.Benchmarks.Report;

/// <summary>One headline figure: its value next to the baseline measured in the same run, the ratio, and the target.</summary>
/// <param name="What">What was measured, e.g. "end-to-end trades/s".</param>
/// <param name="Value">The figure, formatted with its unit.</param>
/// <param name="Baseline">The baseline it is compared with (or "—").</param>
/// <param name="Ratio">Value / baseline (or "—").</param>
/// <param name="Target">The target from the issue.</param>
/// <param name="Met">Whether the target is met; null when the figure has no target.</param>
/// <param name="Shortfall">By how much a missed target is missed, e.g. "3.4 s (11 %) over".</param>
public sealed record Figure(string What, string Value, string Baseline, string Ratio, string Target, bool? Met, string? Shortfall = null)
{
    /// <summary>What limits this figure when it misses its target, if not the measurement's general analysis (<see cref="Analysis.For"/>).</summary>
    public string? Cause { get; init; }
}

/// <summary>Everything one measurement found: figures, detail tables, CPU profiles and notes (or the error that stopped it).</summary>
public sealed class MeasurementResult(string key, string title, string method)
{
    public string Key { get; } = key;

    public string Title { get; } = title;

    /// <summary>How it was measured (one paragraph, markdown).</summary>
    public string Method { get; } = method;

    public List<Figure> Figures { get; } = [];

    /// <summary>Markdown lines: tables and facts of this run.</summary>
    public List<string> Details { get; } = [];

    public List<(string Label, CpuProfile Profile)> Cpu { get; } = [];

    public List<string> Notes { get; } = [];

    public string? Error { get; set; }

    public TimeSpan Elapsed { get; set; }
}
