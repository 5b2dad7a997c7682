using BenchmarkDotNet.Reports;
using BitcoinVolume.Benchmarks.Harness;
using BitcoinVolume.Benchmarks.Report;

namespace BitcoinVolume.Benchmarks.Measurements;

/// <summary>
/// The sink's store writes (<see cref="StoreWriteBenchmark"/> via BenchmarkDotNet, in-process): SQLite's one prepared
/// statement per row bound by index (the store's default, <c>SqliteUpsertMethod.BoundRows</c>) and the same statement through
/// ADO.NET parameters (<c>SqliteUpsertMethod.RowByRow</c>, the previous default) against one JSON-array statement per 1,000 rows
/// (<c>SqliteUpsertMethod.JsonRows</c>, the baseline), rows/s in the same run; PostgreSQL's <c>unnest</c> statement against COPY + merge when
/// <c>BV_TEST_POSTGRES</c> names a server (else skipped, said in the details).
/// </summary>
public static class StoreWrite
{
    private const string BoundRows = "sqlite: bound rows";
    private const string RowByRow = "sqlite: 1 row/statement";
    private const string JsonRows = "sqlite: json rows";
    private const string Unnest = "postgres: unnest";
    private const string CopyMerge = "postgres: copy + merge";

    public static MeasurementResult Run(BenchSettings settings)
    {
        var result = new MeasurementResult("store", "9. Store writes (the sink's upserts, one thread)",
            $"BenchmarkDotNet 0.15.8 ({(settings.Quick ? "dry" : "short")} job, in-process): {StoreWriteBenchmark.Versions:N0} window versions " +
            "(100 products × 2 sides × 1,000 minutes, then each again at a higher version: half inserts, half replacing updates) upserted " +
            "in batches of 5,000 into a fresh database per iteration. **store** = SQLite, one prepared single-row statement per window, " +
            "bound by index through SQLite's own API with UTF-8 values from reused buffers (the store's default); **1 row/statement** = the same " +
            "statement through Microsoft.Data.Sqlite's parameters (the default until 2026-12-03: a data reader, a name lookup and a conversion " +
            "per parameter on every execution); **baseline** = SQLite, one statement per 1,000 rows passed as one JSON array (`json_each`). " +
            "PostgreSQL (when `BV_TEST_POSTGRES` is set, as by `. tests/prerequisites.d/20-postgresql.sh`): the store's one `unnest` statement " +
            "per batch against binary COPY into a temporary table + one merge.");
        var postgres = Environment.GetEnvironmentVariable("BV_TEST_POSTGRES") is { Length: > 0 };
        Log.Info($"BenchmarkDotNet: store writes, SQLite json rows vs row by row vs bound rows{(postgres ? ", PostgreSQL unnest vs copy + merge" : string.Empty)} (a few minutes)");
        var summary = InProcessBenchmarks.Run<StoreWriteBenchmark>(settings,
            b => postgres || !((string)b.Parameters["Method"]).StartsWith("postgres", StringComparison.Ordinal), memory: true);

        result.Details.Add("| method | rows/s | allocated per row | / baseline |");
        result.Details.Add("|---|---|---|---|");
        var baseline = Rate(summary, JsonRows);
        foreach (var method in postgres ? [BoundRows, RowByRow, JsonRows, Unnest, CopyMerge] : new[] { BoundRows, RowByRow, JsonRows })
        {
            var rate = Rate(summary, method);
            var versus = method.StartsWith("postgres", StringComparison.Ordinal) ? Rate(summary, CopyMerge) : baseline;
            result.Details.Add($"| {method} | {Format.Rate(rate)} | {Bytes(summary, method)} | {Format.Ratio(rate / versus)} × |");
            Log.Info($"store {method}: {Format.Rate(rate)} rows/s");
        }

        result.Details.Add(string.Empty);
        result.Details.Add(postgres
            ? "- PostgreSQL rows compare with `copy + merge` (the PostgreSQL candidate), SQLite rows with json rows."
            : "- PostgreSQL skipped: `BV_TEST_POSTGRES` is not set (source `tests/prerequisites.d/20-postgresql.sh` to start the test server and measure it).");

        // The issue names no number: the store's default must be the fastest of the SQLite methods measured here.
        var rows = Rate(summary, BoundRows);
        var ado = Rate(summary, RowByRow);
        var fastestOther = Math.Max(baseline, ado);
        result.Figures.Add(new Figure("SQLite bound rows (the default), rows/s", Format.Rate(rows),
            $"json rows {Format.Rate(baseline)}; 1 row/statement (ADO.NET parameters) {Format.Rate(ado)}", Format.Ratio(rows / fastestOther) + " × the faster of the two",
            "≥ 1 × (the default is the fastest method)", rows >= fastestOther, rows < fastestOther ? $"{Format.Ratio(rows / fastestOther)} × of 1 ×" : null));
        if (postgres)
        {
            var unnest = Rate(summary, Unnest);
            var copy = Rate(summary, CopyMerge);
            result.Figures.Add(new Figure("PostgreSQL unnest (the store), rows/s", Format.Rate(unnest), $"copy + merge {Format.Rate(copy)}", Format.Ratio(unnest / copy) + " ×", "none (comparison)", null));
        }

        result.Error = InProcessBenchmarks.ErrorOf(summary);
        return result;
    }

    private static BenchmarkReport? Report(Summary summary, string method) =>
        summary.Reports.FirstOrDefault(r => Equals(r.BenchmarkCase.Parameters["Method"], method));

    private static double Rate(Summary summary, string method) => 1e9 / (Report(summary, method)?.ResultStatistics?.Mean ?? double.NaN);

    private static string Bytes(Summary summary, string method) =>
        Report(summary, method) is { } report && report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) is { } bytes ? $"{bytes:N0} B" : "n/a";
}
