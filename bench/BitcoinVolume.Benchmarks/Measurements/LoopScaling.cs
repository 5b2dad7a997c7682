using System.Diagnostics;
using BitcoinVolume.Benchmarks.Harness;
using BitcoinVolume.Benchmarks.Report;
using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;
using Confluent.Kafka;

namespace BitcoinVolume.Benchmarks.Measurements;

/// <summary>
/// (3b) Scaling of the partition-parallel aggregator, and its ceiling: one pre-filled <c>trades</c> topic (products of
/// several venues) read from the start by a bare consume-and-deserialize loop (the most any aggregator can do on this
/// broker), then by our aggregator with <c>Aggregate:Loops=1</c> and with <c>Aggregate:Loops=2</c>, each in a consumer
/// group of its own; every aggregator run's output on <c>volumes.1m</c> is checked against the oracle.
/// </summary>
public static class LoopScaling
{
    /// <summary>The venues the synthetic products are spread over (product i → venue i mod 6): the contract's ids.</summary>
    public static readonly string[] BenchVenues = [Venues.Coinbase, Venues.Binance, Venues.Kraken, Venues.Okx, Venues.Bitstamp, Venues.Bybit];

    private static readonly int[] LoopCounts = [1, 2];

    private static readonly int[] BareThreads = [1, 2];

    public static async Task<MeasurementResult> RunAsync(BenchSettings settings, int partitions)
    {
        // Fewer than in 3: with a venue in every record (and its key) 450,000 trades overflowed the development broker's
        // ~5 MiB per partition (16,538 trimmed before they were read, full run of 2026-12-03).
        var count = settings.Quick ? settings.PeerTrades : 360_000;
        var options = $"products=120,rate=0,count={count},span=1h,heartbeats=false,seed=3";
        var result = new MeasurementResult("loops", "3b. Aggregator loops and the bare-consumer ceiling",
            $"`trades` ({partitions} partitions) is filled first with {count:N0} trades (`synthetic:{options}`, the 120 products spread over " +
            $"{BenchVenues.Length} venues: {string.Join(", ", BenchVenues)} — product i on venue i mod {BenchVenues.Length}, so both dedup kinds run: contiguous ids and " +
            "by horizon), then read from the start, each in a consumer group of its own, by: a bare consume-and-deserialize loop in the harness " +
            $"process (librdkafka consumer, every record's JSON deserialized to a trade, offsets auto-committed every 50 ms; with {string.Join(" and ", BareThreads)} " +
            "consumer thread(s), the better one is the baseline: the ceiling of any aggregator on this broker), and our aggregator (its own " +
            $"process, default settings but `Aggregate:Loops`) with {string.Join(" and ", LoopCounts.Select(l => $"Loops={l}"))}. Rate = the last two thirds of " +
            "the trades / the time they took (first third: start-up and JIT), from committed offsets polled every 50 ms, as in 3. Each aggregator " +
            "run's own records on `volumes.1m` (highest version per window) are compared with the oracle.");
        await using var run = new PipelineRun("loops", partitions);
        var trades = SyntheticTrades.Generate(options).Select(t => t with { Venue = BenchVenues[ProductIndex(t.Product) % BenchVenues.Length] }).ToList();
        Log.Info($"filling trades with {count:N0} trades of {trades.Select(t => t.Key).Distinct().Count()} streams on {BenchVenues.Length} venues");
        PeerComparison.Fill(run.Broker.BootstrapServers, trades, byStream: true);
        if (run.Trimmed(Topics.Trades) is > 0 and var fellOff)
        {
            result.Error = $"{fellOff} of {count} pre-filled trades fell off the development broker's memory cap; use fewer";
            return result;
        }

        var bare = new List<(int Threads, double Rate, double CpuMicros)>();
        foreach (var threads in BareThreads)
        {
            Log.Info($"bare consume-and-deserialize loop, {threads} consumer thread(s)");
            var group = $"bench-bare-{threads}t";
            var cpu = new CpuMeter().Track("broker+harness+bare loop", () => Environment.ProcessId);
            using var stop = new CancellationTokenSource();
            var consumers = Enumerable.Range(0, threads).Select(_ => Task.Factory.StartNew(() => BareLoop(run.Broker.BootstrapServers, group, stop.Token), TaskCreationOptions.LongRunning)).ToList();
            var measured = await PeerComparison.MeasureAsync(() => consumers.Find(c => c.IsFaulted) is { } failed ? throw failed.Exception! : run.Committed(group, Topics.Trades), count, cpu);
            await stop.CancelAsync();
            await Task.WhenAll(consumers);
            bare.Add((threads, measured.Rate, CpuMicrosPerTrade(measured.Rate, measured.Cpu)));
            result.Cpu.Add(($"bare loop, {threads} thread(s)", measured.Cpu));
            Log.Info($"  {Format.Rate(measured.Rate)} trades/s");
        }

        var oracle = WindowOracle.ComputeByVenue(trades, WindowSpec.Default);
        var ours = new List<(int Loops, double Rate, double CpuMicros)>();
        foreach (var loops in LoopCounts)
        {
            Log.Info($"our aggregator, Aggregate:Loops={loops}");
            var outputFrom = run.Watermarks(Topics.Volumes1m).Select(w => w.High).ToArray();
            var group = $"aggregate-loops{loops}";
            await using var aggregator = new ServiceProcess($"aggregate-loops{loops}", "Aggregate.Service", "BitcoinVolume.Aggregate", new Dictionary<string, string>
            {
                ["ConnectionStrings__kafka"] = run.Broker.BootstrapServers,
                ["Aggregate__StatePath"] = Path.Combine(run.WorkDirectory, $"aggregate-state-loops{loops}"),
                ["Aggregate__GroupId"] = group,
                ["Aggregate__Loops"] = loops.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Aggregate__Kafka__fetch.wait.max.ms"] = PipelineRun.DevelopmentFetchWaitMs,
                ["Aggregate__Kafka__session.timeout.ms"] = PipelineRun.DevelopmentSessionTimeoutMs,
                ["Aggregate__Kafka__heartbeat.interval.ms"] = PipelineRun.DevelopmentHeartbeatIntervalMs,
            }, Path.Combine(run.WorkDirectory, $"aggregate-loops{loops}.log"));
            var cpu = new CpuMeter().Track("aggregate", () => aggregator.ProcessId).Track("broker+harness", () => Environment.ProcessId);
            aggregator.Start();
            var measured = await PeerComparison.MeasureAsync(() => run.Committed(group, Topics.Trades), count, cpu);
            await Task.Delay(500); // the last batch's output is flushed before its commit; let the consumer below see the end offsets
            await aggregator.KillAsync();
            ours.Add((loops, measured.Rate, CpuMicrosPerTrade(measured.Rate, measured.Cpu)));
            result.Cpu.Add(($"our aggregator, Loops={loops}", measured.Cpu));
            var differences = Differences(oracle, ReadOutput(run, outputFrom));
            result.Details.Add($"- our aggregator, Loops={loops}: {count:N0} trades in {measured.Elapsed.TotalSeconds:0.0} s from process start; last two thirds at " +
                $"{Format.Rate(measured.Rate)} trades/s; machine CPU per trade {CpuMicrosPerTrade(measured.Rate, measured.Cpu):0.0} µs; exactness: {oracle.Count:N0} windows compared, " +
                $"{differences.Count} differ → {(differences.Count == 0 ? "**exact**" : "**NOT exact**")}");
            if (differences.Count > 0)
            {
                result.Error = $"Loops={loops}: {differences.Count} of {oracle.Count} windows on volumes.1m differ from the oracle (first: {string.Join(" | ", differences.Take(3))}); logs in {run.WorkDirectory}";
                return result;
            }

            Log.Info($"  {Format.Rate(measured.Rate)} trades/s, exact");
        }

        foreach (var b in bare)
        {
            result.Details.Add($"- bare consume-and-deserialize loop, {b.Threads} thread(s): last two thirds at {Format.Rate(b.Rate)} trades/s; machine CPU per trade {b.CpuMicros:0.0} µs");
        }

        var (one, two) = (ours.Single(o => o.Loops == 1), ours.Single(o => o.Loops == 2));
        var scaling = two.Rate / one.Rate;
        result.Figures.Add(new Figure("aggregator Loops=2 / Loops=1, trades/s", Format.Rate(two.Rate), $"Loops=1 {Format.Rate(one.Rate)}", Format.Ratio(scaling) + " ×", "— (scaling measured)", null));
        var best = bare.MaxBy(b => b.Rate);
        var oursBest = ours.MaxBy(o => o.Rate);
        var ceiling = oursBest.Rate / best.Rate;
        result.Figures.Add(new Figure($"aggregator (Loops={oursBest.Loops}) / bare consume-and-deserialize loop", Format.Rate(oursBest.Rate),
            $"bare loop ({best.Threads} thread(s)) {Format.Rate(best.Rate)}", Format.Percent(ceiling), "≥ 90 %", ceiling >= 0.9,
            $"{(0.9 - ceiling) * 100:0} percentage points ({Format.Rate(0.9 * best.Rate)} trades/s needed)"));
        return result;
    }

    /// <summary>The bare loop: consume, deserialize every trade, store its offset (committed automatically); nothing else.</summary>
    private static void BareLoop(string bootstrap, string group, CancellationToken stop)
    {
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = group,
            EnableAutoCommit = true,
            AutoCommitIntervalMs = 50,
            AutoOffsetReset = AutoOffsetReset.Earliest, // a group of its own: from the start (records lost to the cap are checked above)
            SessionTimeoutMs = int.Parse(PipelineRun.DevelopmentSessionTimeoutMs, System.Globalization.CultureInfo.InvariantCulture),
            HeartbeatIntervalMs = int.Parse(PipelineRun.DevelopmentHeartbeatIntervalMs, System.Globalization.CultureInfo.InvariantCulture),
            FetchWaitMaxMs = int.Parse(PipelineRun.DevelopmentFetchWaitMs, System.Globalization.CultureInfo.InvariantCulture),
        }).Build();
        consumer.Subscribe(Topics.Trades);
        long checksum = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                if (consumer.Consume(100) is { IsPartitionEOF: false } record)
                {
                    var trade = ContractSerializers.TradeDeserializer.Deserialize(record.Message.Value, record.Message.Value is null, new SerializationContext(MessageComponentType.Value, record.Topic));
                    checksum += trade.TradeId; // the trade is used: the deserialization cannot be optimized away
                }
            }
        }
        finally
        {
            consumer.Close();
            GC.KeepAlive(checksum);
        }
    }

    /// <summary>The aggregator's records on <c>volumes.1m</c> from <paramref name="from"/> (per partition) on: the highest version of each window.</summary>
    private static Dictionary<(string Venue, string Product, TakerSide Side, DateTime Start), WindowVolume> ReadOutput(PipelineRun run, long[] from)
    {
        var ends = run.Watermarks(Topics.Volumes1m).Select(w => w.High).ToArray();
        var latest = new Dictionary<(string, string, TakerSide, DateTime), WindowVolume>();
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig { BootstrapServers = run.Broker.BootstrapServers, GroupId = "bench-loops-check", EnableAutoCommit = false }).Build();
        consumer.Assign(from.Select((offset, p) => new TopicPartitionOffset(Topics.Volumes1m, p, offset)));
        var remaining = ends.Zip(from, (end, start) => end - start).Sum();
        var watch = Stopwatch.StartNew();
        while (remaining > 0 && watch.Elapsed < TimeSpan.FromMinutes(2))
        {
            if (consumer.Consume(500) is not { IsPartitionEOF: false } record)
            {
                continue;
            }

            remaining--;
            var w = ContractSerializers.WindowDeserializer.Deserialize(record.Message.Value, false, new SerializationContext(MessageComponentType.Value, record.Topic));
            var key = (w.Venue, w.Product, w.Side, w.WindowStart.UtcDateTime);
            if (!latest.TryGetValue(key, out var known) || w.Version > known.Version)
            {
                latest[key] = w;
            }
        }

        return latest;
    }

    private static List<string> Differences(Dictionary<(string Venue, string Product, TakerSide Side, DateTime Start), OracleWindow> oracle, Dictionary<(string Venue, string Product, TakerSide Side, DateTime Start), WindowVolume> output)
    {
        var wrong = oracle.Where(o => !output.TryGetValue(o.Key, out var got) || got.Trades != o.Value.Trades || got.BaseVolume != o.Value.BaseVolume
                || got.QuoteVolume != o.Value.QuoteVolume || got.Open != o.Value.Open || got.High != o.Value.High || got.Low != o.Value.Low || got.Close != o.Value.Close)
            .Select(o => $"{o.Key}: expected {o.Value.Trades} trades / {o.Value.BaseVolume} base, got {(output.TryGetValue(o.Key, out var got) ? $"{got.Trades} / {got.BaseVolume}" : "none")}")
            .ToList();
        wrong.AddRange(output.Keys.Where(k => !oracle.ContainsKey(k)).Select(k => $"{k}: not in the oracle"));
        return wrong;
    }

    private static int ProductIndex(string product) => SyntheticIndex.TryGetValue(product, out var i) ? i : Math.Abs(StringComparer.Ordinal.GetHashCode(product));

    private static readonly Dictionary<string, int> SyntheticIndex = Enumerable.Range(0, 10_000).ToDictionary(Ingest.Sources.SyntheticSource.ProductName, i => i, StringComparer.Ordinal);

    private static double CpuMicrosPerTrade(double rate, CpuProfile cpu) => cpu.MachineBusyCores / rate * 1e6;
}
