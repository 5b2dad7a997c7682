namespace BitcoinVolume.Benchmarks.Report;

/// <summary>
/// What limits a measurement whose target is missed. Written by hand from the profiles of this suite (sections 7 and the
/// CPU tables) and from <c>perf record -g -p PID</c> runs of 2026-11-27 on this machine; the figures of each run are in
/// its own sections.
/// </summary>
public static class Analysis
{
    public static string For(string measurement) => measurement switch
    {
        "core" =>
            "The 1 h case (≈83 trades per window) sits at the target within this machine's noise: BenchmarkDotNet's short job varies by ±15 % " +
            "between runs here (it measured 0.96–1.19 M/s in this session). In the sparse case (24 h: ≈3.5 trades per window) nearly every trade " +
            "opens a window — a state object, a dictionary insert and two queue entries, with ~288k live windows (≈70 MB) so lookups miss the " +
            "CPU caches — and nearly every trade's window is serialized in its batch; on an existing window a trade costs ~150 ns. Breakdown: " +
            "`--filter '*AggregationCore*' --inProcess`.",
        "core-footprint" =>
            "The footprint is a second window state next to the bar's: per counted trade it adds a level lookup (two comparisons with the " +
            "stream's last level, else floor(price / tick) × tick in decimal) and two decimal additions, and per batch every footprint window that " +
            "changed is built and written in full — all its levels — for `footprint.1m` (a hand-written UTF-8 JSON writer; it was the generated " +
            "serializer and a SortedDictionary of decimals until this run's commit). So its cost grows with the levels per window times the batches " +
            "a window changes in: compare the realistic random-walk prices (a few levels per window) with the wide-price column (≈70). In the sparse " +
            "24 h case nearly every trade also opens a footprint window (an object, a dictionary insert and two queue entries, as for the bar), which " +
            "is the larger part of the cost there. The footprint can be turned off (`Aggregate:Footprint:Enabled=false`) where it is not needed; " +
            "the size classes' own cost is the third column.",
        "throughput" =>
            "CPU: all three services and the broker share 2 cores and the run keeps them nearly all busy (machine-busy column of 2). The ceiling " +
            "is one produce → consume hop, which alone keeps ~0.8–0.9 cores busy; the pipeline makes that hop and a second one (aggregate → sink), " +
            "and on top of it ingest generates and parses raw Coinbase frames (it is the busiest process, ~0.85 cores), the aggregator keeps " +
            "exactly-once state and the sink writes SQLite. The aggregator, one serial loop, is the slowest stage (ingest is paused by back-pressure " +
            "while it catches up) and runs at about the same rate alone (3). In 7 its batches are full (5,000 records) and each batch's output " +
            "flush + fsync'd state commit takes p50 ≈16 ms (`aggregate.commit.duration`), but overlapping that commit with the next batch's " +
            "aggregation was tried in this session and gave no measurable gain (our rate in 3: 104–107k/s with it, 99–133k/s without), so it was " +
            "not kept: the loop's own per-record work binds. A `perf record` of the aggregator during a short run split its CPU into JIT-compiled " +
            "code ~32 %, the JIT itself ~18 % (tiering still at work seconds after start), the runtime/GC ~13 %, kernel ~11 %, librdkafka ~10 %. " +
            "Next: one aggregation loop per partition group across cores, cheaper per-record consume (keys ignored, no per-record allocations), " +
            "and cheaper frame handling in ingest (its allocation rate is in 7).",
        "peer" =>
            "Our aggregator is one serial loop (consume a batch → aggregate → produce → flush → fsync'd RocksDB commit → commit offsets) and uses " +
            "well under the 2 cores here (CPU table of 3), while Streamiz runs two stream threads. Per trade, Streamiz uses about 5–6 times as " +
            "much machine CPU (CPU-per-trade line of 3; 4.7–7.7× in this session's runs), so where CPU is the limit — a busy machine, many " +
            "partitions per instance — the gap is about that; on 2 idle cores Streamiz's two threads simply use more of the machine. Streamiz " +
            "runs at-least-once (the development broker cannot do transactions) and without fsync, ours exactly-once with fsync: the setup " +
            "favours Streamiz. Closing the rest needs the partition-parallel loop named under 2.",
        "latency" =>
            "Latency is the sum of waits, not of work (the machine is mostly idle at 1,000 trades/s): the aggregator's batch (≤50 ms), its flush " +
            "and fsync'd commit, the sink's batch (≤50 ms after its first record) and transaction, and the consumers' fetch wait. Against the " +
            "development broker a consumer's empty fetch is answered only after fetch.wait.max.ms even when data arrives meanwhile (librdkafka's mock " +
            "cluster), so the AppHost and this harness set it to 10 ms; at librdkafka's default of 500 ms p50 was 792 ms and p99 1,225 ms.",
        "backfill" =>
            "A backfill is bound by the sink: a day of 500 products turns 3M trades into ~1M window records (section 5 gives records and windows), " +
            "and the sink is the busiest process (CPU table of 5) while ingest is paused by back-pressure. `perf record` on the sink during a 1M " +
            "backfill put ~35–44 % of its CPU in the kernel writing WAL pages, ~17–21 % in SQLite and ~20 % in managed code; a 64 MiB page cache " +
            "with memory-mapped reads and 5,000-row transactions (was 2 MiB and 1,000) came with 3M backfills of 33.4–44.8 s in this " +
            "session's runs, against 51.6 s before (noisy, single runs). Time grows linearly with window records; with trades it grows a little less than linearly because denser trading on " +
            "the same day × product grid fills windows that already exist. Next: skip non-final versions of windows far behind the wall clock, " +
            "and multi-row upserts.",
        "store" =>
            "SQLite's JSON-array statement (`json_each` plus 18 `->>` extractions per row inside SQLite, and the JSON text built per " +
            "chunk) measured slower than one prepared statement per row in every run (2026-12-03: 33,657 vs 80,002 and 59,404 vs " +
            "104,703 rows/s), so the store's default is now the prepared statement; what remains is SQLite's own B-tree and WAL work " +
            "per row.",
        _ => "See the CPU profile of this measurement below.",
    };
}
