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
            "BenchmarkDotNet's short job varies by ±15 % between runs on this machine, so a figure near 1,000,000/s can land on either " +
            "side. In the sparse case (24 h: ≈3.5 trades per window) nearly every trade opens a window (a dictionary insert and two queue " +
            "entries) and nearly every trade's window is built and serialized in its batch; on an existing window a trade costs ~150 ns. " +
            "Changed on 2026-12-03 (second session): windows and their size-class cells live in chunked struct arrays (StructSlab), not one " +
            "object and one array per window, so the ~288k live windows of a 24 h run are no longer copied by the GC from generation 0 to 1 " +
            "to 2: in a scratch harness interleaved with the base commit the GC pause per 1M trades fell from 0.23–0.40 s to 0.02–0.10 s " +
            "and gen1 collections from 16 to 3; what remains is mostly the emitted values' allocation (~570 B per trade: the window value, " +
            "its classes and its serialized bytes) and the kernel zeroing fresh pages for it (~11 % in `perf`). Earlier the same day: the " +
            "trade reader is hand-written (TradeRecordReader; the bare loop went 1.86 → 2.6–2.8 M/s), decimals are formatted through a 64-bit " +
            "integer (Utf8Decimal), and empty size classes are shared values. The ratio to the bare loop is low because the bare loop " +
            "deserializes with the same fast reader. Breakdown: `--filter '*AggregationCore*' --inProcess`.",
        "core-footprint" =>
            "The footprint is a second window state next to the bar's: per counted trade it adds a level lookup (two comparisons with the " +
            "stream's last level, else floor(price / tick) × tick in decimal) and two decimal additions, and per batch every footprint window that " +
            "changed is built and written in full — all its levels — for `footprint.1m` (a hand-written UTF-8 JSON writer; it was the generated " +
            "serializer and a SortedDictionary of decimals until this run's commit). So its cost grows with the levels per window times the batches " +
            "a window changes in: compare the realistic random-walk prices (a few levels per window) with the wide-price column (≈70). In the sparse " +
            "24 h case nearly every trade also opens a footprint window (a dictionary insert and two queue entries, as for the bar; since " +
            "2026-12-03 the window and its levels are structs in StructSlab chunks, not an object, an array and an object per level: GC pause " +
            "per 1M trades 0.33–0.47 → 0.02–0.09 s in a scratch harness), which is the larger part of the cost there. The footprint can be turned off (`Aggregate:Footprint:Enabled=false`) where it is not needed; " +
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
            "No aggregator can run faster than the transport ceiling of 1 (one produce → consume hop on this broker), so 5 × Streamiz is " +
            "out of reach here whenever Streamiz runs above a fifth of that ceiling, whatever the aggregator does. In this session's runs " +
            "(2026-12-03) our aggregator alone ran at 181,261–185,338 trades/s against ceilings of 191,984–230,985, and Streamiz between " +
            "40,908 and 73,815/s on the same code: the ratio moves with Streamiz's rate on a noisy machine more than with ours. Per trade, " +
            "the machine CPU (CPU-per-trade line of 3) includes the development broker's, the same for both: its mock cluster finds a " +
            "fetch's offset by walking the partition's message sets from the oldest (librdkafka's rd_kafka_mock_msgset_find, marked FIXME: " +
            "no index), which took ~59 % of the broker process's CPU in a `perf record` of the latency run (2026-12-03). That shared cost " +
            "caps the ratio well below 8 ×. Streamiz runs at-least-once (the development broker cannot do transactions) and without fsync, " +
            "ours exactly-once with fsync: the setup favours Streamiz.",
        "latency" =>
            "Latency is the sum of waits, not of work: the notes of 4 split it by stage (when the trade is on `trades`, when its window's " +
            "version is on `volumes.1m`, when the sink pushes it) for the whole interval and per 5 s slice. The slices show the cause of " +
            "the tail: every stage's p99 grows through the run (at 1,000/s on 2026-12-03 the aggregator stage went from ~15 to ~100 ms, " +
            "ingest → `trades` from 30 to 70 ms), because the development broker gets slower as its logs grow. Its mock cluster finds a " +
            "fetch's offset by walking the partition's message sets from the oldest (librdkafka's rd_kafka_mock_msgset_find, marked FIXME: " +
            "no index), up to ~5 MiB or 100,000 sets per partition, hard-coded; every fetch that returns data pays that walk, and a `perf " +
            "record` of the harness process (which hosts the broker) during the 1,000/s run put ~59 % of its CPU there (0.87 cores at both " +
            "rates, more than all three services together). A real broker indexes offsets. Against this broker a consumer's empty fetch is " +
            "also answered only after fetch.wait.max.ms, so every hop pays up to 10 ms (the AppHost's setting). Runs of the same commit " +
            "gave p99 96 and 146 ms at 1,000/s on 2026-12-03. Earlier fixes: the sink's SQLite writers waited for each other through " +
            "Microsoft.Data.Sqlite's fixed 150 ms sleep on SQLITE_BUSY (now busy_timeout): p99 208 → 107 ms.",
        "backfill" =>
            "Every process is busy (CPU table of 5: the machine at ~1.6–1.9 of 2 cores) while ingest is paused by back-pressure for about " +
            "half the run. A day of 500 products turns 3M trades into ~0.9M window records and about as many footprint records (issue 17 " +
            "added them; the 30–45 s of earlier runs were without), and the sink writes both into one SQLite file. Fixed on 2026-12-03: the " +
            "development broker's zero initial rebalance delay made the aggregator's second loop start a ~5 s rebalance in every run (now " +
            "0.5 s: both loops join one generation); the footprint store fsynced every batch (now synchronous=NORMAL, as the volume store) and " +
            "prepared its statement per row; the volume store's default was the slower JSON-array statement (section 9). --only backfill: " +
            "3M in 96.8 s before, 63.9 s after, both on a loaded machine. Earlier profile (`perf record` on the sink, 1M backfill): ~35–44 % " +
            "of its CPU in the kernel writing WAL pages, ~17–21 % in SQLite, ~20 % managed. Time grows linearly with window records. Tried on " +
            "2026-12-03 (second session), `--only backfill --backfill-sizes 1000000`, interleaved with the base commit: the footprint table in a " +
            "SQLite file of its own (no shared write lock, no page-cache resets between the two writers) gave 47.6 and 50.2 s against 52.3 and " +
            "48.6 s, within the noise, so it was not kept: sharing the file is not what binds. The aggregator's window state in StructSlabs " +
            "gave 39.0 and 45.0 s against 44.9 and 52.2 s (aggregator CPU ~12 % lower). The sink is now the largest consumer (~0.75 cores); " +
            "a `perf record` of it over 20 s of a 1M backfill spread its CPU over the kernel (29 %: WAL pwrite 8 %, fsync at checkpoints " +
            "5.5 %, page faults 5.5 %), the GC (14 %), SQLite (11 %), the JIT (7 %) and decoding records with the generated deserializers " +
            "(~8 %), with no single hot spot. Third session of 2026-12-03: the sink's volume writer thread, sampled from /proc during a 1M " +
            "backfill, was runnable 78 % of the time but ran 0.52 cores (the rest it waited for a core: the machine is CPU-bound), and a " +
            "`perf record` of that thread alone put 30 % in pwrite of WAL pages (a third of it ext4 zeroing newly allocated blocks), 8 % in " +
            "fsync and 9 % in page faults of the GC's fresh memory. The WAL grew to ~200 MB per 1M backfill because SQLite's automatic " +
            "checkpoint cannot start it over while the footprint writer and the API readers use it; the volume store now ends a write past " +
            "32 MiB of WAL with a RESTART checkpoint (WAL 44–46 MB at the end). Both stores bind their upsert by index through SQLite's own " +
            "API (section 9: 1.19 × the ADO.NET path, 118 instead of 2,621 B per row). Interleaved with the base commit, 4 runs each: sink " +
            "CPU 22.4 vs 25.7 core-seconds per 1M trades; the end-to-end times (26–39 s either way) move more with the machine than with " +
            "the change. Batches of 20,000 instead of 5,000 (Sink:BatchSize) and workstation instead of server GC gave 33.4 and 32.0/34.7 " +
            "against 35.0/35.7 s: within the noise. What binds is the CPU the four processes share on 2 cores, ~56 µs of machine CPU per trade here.",
        "store" =>
            "SQLite's JSON-array statement (`json_each` plus 18 `->>` extractions per row inside SQLite, and the JSON text built per " +
            "chunk) measured slower than one prepared statement per row in every run (2026-12-03: 33,657 vs 80,002 and 59,404 vs " +
            "104,703 rows/s), so the store's default became the prepared statement. Since the third session of 2026-12-03 it is bound by " +
            "index through SQLite's own API (bound rows): Microsoft.Data.Sqlite's parameters cost a data reader, a name lookup, a UTF-8 " +
            "conversion and an allocation per parameter on every execution (first run: 147,741 vs 124,461 rows/s, 118 vs 2,621 B per row); " +
            "what remains is SQLite's own B-tree and WAL work per row.",
        "loops" =>
            "The bare loop only consumes and deserializes; the aggregator also deduplicates, keeps exactly-once state (RocksDB, fsync per " +
            "commit), produces its windows and footprints and commits offsets, and in a run this short (the development broker keeps ~5 MiB " +
            "per partition, so 360,000 trades; the rate is taken over their last two thirds, ~2 s) it is still warming up: .NET's tiered " +
            "compilation runs instrumented code for dynamic PGO in the first seconds. On 2026-12-03 `--only loops` with the aggregator under " +
            "DOTNET_TieredPGO=0 used 0.70 instead of 1.09 cores in the measured interval with Loops=1 (machine CPU per trade 6.8 vs 10.3 µs) and Loops=2 " +
            "reached 161,951 instead of 130,997 trades/s; but the steady-state aggregation core was 10–20 % slower without PGO (scratch " +
            "harness, best of 8 runs: 575–760k vs 776–826k trades/s, 24 h with footprint), so the services keep the runtime's default. With " +
            "Loops=2 the aggregator and the broker keep both cores busy (CPU table below), so a second loop adds little here.",
        _ => "See the CPU profile of this measurement below.",
    };
}
