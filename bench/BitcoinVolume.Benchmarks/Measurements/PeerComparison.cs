using System.Diagnostics;
using BitcoinVolume.Benchmarks.Harness;
using BitcoinVolume.Benchmarks.Peer;
using BitcoinVolume.Benchmarks.Report;
using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;

namespace BitcoinVolume.Benchmarks.Measurements;

/// <summary>
/// (3) The peer: our aggregator and Streamiz.Kafka.Net 1.8.2 (the .NET Kafka Streams port, RocksDB window store) each
/// run the same 1-minute windowed volume aggregation over the same pre-filled <c>trades</c> topic on the same broker.
/// </summary>
public static class PeerComparison
{
    private static readonly int[] Threads = [1, 2];

    private static string AppId(int threads) => $"{StreamizAggregation.ApplicationId}-{threads}t";

    private static string Output(int threads) => $"bench.peer.volumes.{threads}t";

    public static async Task<MeasurementResult> RunAsync(BenchSettings settings, int partitions)
    {
        var count = settings.PeerTrades;
        var options = $"products=100,rate=0,count={count},span=1h,heartbeats=false,seed=2";
        var result = new MeasurementResult("peer", "3. Peer: Streamiz.Kafka.Net",
            $"`trades` ({partitions} partitions) is filled first with {count:N0} trades (`synthetic:{options}`: 100 products over an hour, ≈25 trades per window), " +
            $"then read from the start by our aggregator (its own process, default settings: exactly-once state with fsync per commit, dedup by trade id, " +
            $"per-side windows with OHLC) and afterwards by Streamiz 1.8.2 with 1 and with 2 stream threads (the better one is the baseline; in the harness process, KIP-848 consumer group protocol: groupByKey → " +
            "tumbling 1-minute windows by trade time, grace 5 s → aggregate of both sides' count/base/quote/OHLC → RocksDB window store with changelog → " +
            "output topic; at-least-once, since the development broker's transactions do not work). Rate = the last two thirds of the trades / the time they took " +
            "(first third: start-up and JIT), from committed offsets polled every 50 ms (both commit at least every 100 ms). Streamiz's output is checked against the oracle.");
        await using var run = new PipelineRun("peer", partitions, Threads.SelectMany(t => StreamizAggregation.TopicsToCreate(partitions, Output(t), AppId(t))));
        var trades = SyntheticTrades.Generate(options);
        Log.Info($"filling trades with {count:N0} trades");
        Fill(run.Broker.BootstrapServers, trades);
        var fellOff = run.Trimmed(Topics.Trades);
        if (fellOff > 0)
        {
            result.Error = $"{fellOff} of {count} pre-filled trades fell off the development broker's memory cap; use fewer";
            return result;
        }

        Log.Info("our aggregator");
        var oursCpu = run.CpuMeter();
        run.Aggregator.Start();
        var ours = await MeasureAsync(() => run.Committed("aggregate", Topics.Trades), count, oursCpu);
        await run.Aggregator.KillAsync();
        result.Cpu.Add(("our aggregator", ours.Cpu));

        var oracle = WindowOracle.Compute(trades);
        var peers = new List<(int Threads, double Rate, TimeSpan Elapsed, double CpuMicros)>();
        foreach (var threads in Threads)
        {
            Log.Info($"Streamiz, {threads} stream thread(s)");
            var peerCpu = new CpuMeter().Track("broker+harness+Streamiz", () => Environment.ProcessId);
            (double Rate, TimeSpan Elapsed, CpuProfile Cpu) peer;
            await using (var streamiz = StreamizAggregation.Start(run.Broker.BootstrapServers, Topics.Trades, Output(threads), threads, applicationId: AppId(threads)))
            {
                peer = await MeasureAsync(() => streamiz.State == "ERROR" ? throw new InvalidOperationException("Streamiz stopped (state ERROR)") : run.Committed(AppId(threads), Topics.Trades), count, peerCpu);
            }

            peers.Add((threads, peer.Rate, peer.Elapsed, CpuMicrosPerTrade(peer.Rate, peer.Cpu)));
            result.Cpu.Add(($"Streamiz, {threads} thread(s)", peer.Cpu));
            var wrong = Differences(oracle, StreamizOutput.ReadLatest(run.Broker.BootstrapServers, Output(threads), TimeSpan.FromSeconds(60)), out var windows);
            result.Details.Add($"- Streamiz, {threads} thread(s): {count:N0} trades in {peer.Elapsed.TotalSeconds:0.0} s from start; last two thirds at {Format.Rate(peer.Rate)} trades/s; " +
                $"its output equals the oracle's counts and base/quote volumes in {windows - wrong:N0} of {windows:N0} product-windows");
            if (wrong > 0)
            {
                result.Notes.Add($"Streamiz ({threads} threads) differs from the oracle in {wrong} product-windows (at-least-once replays after a rebalance count twice).");
            }
        }

        var best = peers.MaxBy(p => p.Rate);
        var ratio = ours.Rate / best.Rate;
        result.Figures.Add(new Figure("our aggregator / Streamiz, trades/s", Format.Rate(ours.Rate), $"Streamiz ({best.Threads} thread(s)) {Format.Rate(best.Rate)}", Format.Ratio(ratio) + " ×", "≥ 5 ×", ratio >= 5,
            $"a factor of {Format.Ratio(5 / ratio)} (our rate would have to be {Format.Rate(5 * best.Rate)} trades/s)"));
        var oursMicros = CpuMicrosPerTrade(ours.Rate, ours.Cpu);
        result.Details.Add($"- machine CPU per trade while measured (all processes, broker included): our aggregator {oursMicros:0.0} µs; " +
            string.Join("; ", peers.Select(p => $"Streamiz with {p.Threads} thread(s) {p.CpuMicros:0.0} µs ({p.CpuMicros / oursMicros:0.0} × ours)")));
        result.Details.Insert(0, $"- our aggregator: {count:N0} trades in {ours.Elapsed.TotalSeconds:0.0} s from process start; last two thirds at {Format.Rate(ours.Rate)} trades/s (its output is checked against the oracle in 2)");
        return result;
    }

    private static double CpuMicrosPerTrade(double rate, CpuProfile cpu) => cpu.MachineBusyCores / rate * 1e6;

    private static int Differences(Dictionary<(string, TakerSide, DateTime), OracleWindow> oracle, IReadOnlyDictionary<(string Product, DateTime Start), PeerWindow> output, out int windows)
    {
        var groups = oracle.Values.GroupBy(w => (w.Product, w.Start)).ToList();
        windows = groups.Count;
        return groups.Count(g =>
        {
            var buy = g.FirstOrDefault(w => w.Side == TakerSide.Buy);
            var sell = g.FirstOrDefault(w => w.Side == TakerSide.Sell);
            return !output.TryGetValue(g.Key, out var got)
                || got.BuyTrades != (buy?.Trades ?? 0) || got.BuyBase != (buy?.BaseVolume ?? 0) || got.BuyQuote != (buy?.QuoteVolume ?? 0)
                || got.SellTrades != (sell?.Trades ?? 0) || got.SellBase != (sell?.BaseVolume ?? 0) || got.SellQuote != (sell?.QuoteVolume ?? 0);
        });
    }

    /// <summary>Produces <paramref name="trades"/> to <c>trades</c> (keyed by product; by stream with <paramref name="byStream"/>) and waits until the broker has them all.</summary>
    internal static void Fill(string bootstrap, List<Trade> trades, bool byStream = false)
    {
        using var producer = TradeProducer.Create(bootstrap, "bench-peer-fill", lingerMs: 20);
        foreach (var trade in trades)
        {
            producer.ProduceWaiting(Topics.Trades, byStream ? trade.Key : trade.Product, ContractSerializers.TradeSerializer.Serialize(trade, default));
        }

        if (producer.Flush(TimeSpan.FromMinutes(1)) > 0)
        {
            throw new InvalidOperationException("the broker did not take the pre-fill within a minute");
        }
    }

    /// <summary>Polls <paramref name="committed"/> until it reaches <paramref name="count"/>: the rate over the last two thirds, the time from start, the CPU of those two thirds.</summary>
    internal static async Task<(double Rate, TimeSpan Elapsed, CpuProfile Cpu)> MeasureAsync(Func<long> committed, long count, CpuMeter cpu)
    {
        var watch = Stopwatch.StartNew();
        TimeSpan? first = null;
        var atFirst = 0L;
        var nextLog = TimeSpan.FromSeconds(5);
        while (true)
        {
            var done = committed();
            if (done >= count / 3 && first is null)
            {
                first = watch.Elapsed;
                atFirst = done;
                cpu.Start();
            }

            if (done >= count)
            {
                var elapsed = watch.Elapsed - first!.Value;
                return ((done - atFirst) / elapsed.TotalSeconds, watch.Elapsed, cpu.Stop());
            }

            if (watch.Elapsed > nextLog)
            {
                Log.Info($"  {done:N0} of {count:N0} committed");
                nextLog += TimeSpan.FromSeconds(5);
            }

            if (watch.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException($"{done:N0} of {count:N0} trades committed after 5 minutes");
            }

            await Task.Delay(50);
        }
    }
}
