using BenchmarkDotNet.Reports;
using BitcoinVolume.Benchmarks.Harness;
using BitcoinVolume.Benchmarks.Report;

namespace BitcoinVolume.Benchmarks.Measurements;

/// <summary>
/// Ingest's frame → serialized record path per trade (<see cref="IngestFrameBenchmark"/> via BenchmarkDotNet with the
/// memory diagnoser, in-process): CPU time and bytes allocated per trade of the path as it is (<c>TradePublisher.RecordOf</c>)
/// against the same path through the generated <c>System.Text.Json</c> serializer (the baseline), in the same run.
/// </summary>
public static class IngestFrame
{
    public static MeasurementResult Run(BenchSettings settings)
    {
        var result = new MeasurementResult("ingest", "10. Ingest: websocket frame → Kafka record (one thread)",
            $"BenchmarkDotNet 0.15.8 ({(settings.Quick ? "dry" : "short")} job, in-process, memory diagnoser) over the recorded Coinbase Exchange " +
            "`match` frames of tests/data (107 trades, 10 products) replayed 100 times with trade ids renumbered so every trade is new to the gate. " +
            "One operation = one trade. **frame → record** = the whole `FrameProcessor` (parse → gate → publish) with an output that makes the " +
            "record value as `TradePublisher` hands it to the Kafka client (the Kafka client's own work is not in it); **record only** = that " +
            "last step on parsed trades; **parse** = the Coinbase parser alone. **baseline** = the same with the generated serializer " +
            "(`ContractSerializers.TradeSerializer`); **ingest** = with `TradePublisher.RecordOf` (the path ingest runs).");
        Log.Info("BenchmarkDotNet: ingest frame → record, RecordOf vs generated serializer (a few minutes)");
        var summary = InProcessBenchmarks.Run<IngestFrameBenchmark>(settings, _ => true, memory: true);

        result.Details.Add("| case | ns per trade | allocated per trade |");
        result.Details.Add("|---|---|---|");
        foreach (var method in new[] { nameof(IngestFrameBenchmark.Parse), nameof(IngestFrameBenchmark.RecordGenerated), nameof(IngestFrameBenchmark.RecordReused),
            nameof(IngestFrameBenchmark.FrameToRecordGenerated), nameof(IngestFrameBenchmark.FrameToRecordReused) })
        {
            var report = Report(summary, method);
            result.Details.Add($"| {report?.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo.Trim('\'') ?? method} | {Ns(Nanoseconds(summary, method))} | {Bytes(Allocated(summary, method))} |");
        }

        foreach (var (label, ours, baseline) in new[]
        {
            ("frame → record", nameof(IngestFrameBenchmark.FrameToRecordReused), nameof(IngestFrameBenchmark.FrameToRecordGenerated)),
            ("record only", nameof(IngestFrameBenchmark.RecordReused), nameof(IngestFrameBenchmark.RecordGenerated)),
        })
        {
            var (ns, baseNs) = (Nanoseconds(summary, ours), Nanoseconds(summary, baseline));
            var (bytes, baseBytes) = (Allocated(summary, ours), Allocated(summary, baseline));
            result.Figures.Add(new Figure($"{label}, CPU ns per trade", Ns(ns), $"generated serializer {Ns(baseNs)}", Format.Ratio(ns / baseNs) + " ×", "none stated", null));
            result.Figures.Add(new Figure($"{label}, bytes allocated per trade", Bytes(bytes), $"generated serializer {Bytes(baseBytes)}",
                bytes is { } b && baseBytes is > 0 ? Format.Ratio((double)b / baseBytes.Value) + " ×" : "n/a", "none stated", null));
            Log.Info($"ingest {label}: {Ns(ns)} ns, {Bytes(bytes)} per trade (generated serializer {Ns(baseNs)} ns, {Bytes(baseBytes)})");
        }

        result.Error = InProcessBenchmarks.ErrorOf(summary);
        return result;
    }

    private static BenchmarkReport? Report(Summary summary, string method) =>
        summary.Reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method);

    private static double Nanoseconds(Summary summary, string method) => Report(summary, method)?.ResultStatistics?.Mean ?? double.NaN;

    private static long? Allocated(Summary summary, string method) =>
        Report(summary, method) is { } report ? report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) : null;

    private static string Ns(double ns) => double.IsNaN(ns) ? "n/a" : ns.ToString("N1", System.Globalization.CultureInfo.InvariantCulture);

    private static string Bytes(long? bytes) => bytes is { } b ? b.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " B" : "n/a";
}
