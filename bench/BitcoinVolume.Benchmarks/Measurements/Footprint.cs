using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using BitcoinVolume.Benchmarks.Harness;
using BitcoinVolume.Benchmarks.Report;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Benchmarks.Measurements;

/// <summary>
/// (6) Footprint: peak resident memory of each service while 1,000 products trade live — on one venue through ingest, and
/// on six venues at once (6,000 streams, issue 16's case), produced by the harness because ingest's synthetic source speaks
/// one venue.
/// </summary>
public static class Footprint
{
    private const int Products = 1000;
    private const int Rate = 5000;
    private const int VenueRate = 10_000;

    public static async Task<MeasurementResult> RunAsync(BenchSettings settings, int partitions)
    {
        var source = $"synthetic:products={Products},rate={Rate},start=now,seed=9";
        var venues = LoopScaling.BenchVenues;
        var result = new MeasurementResult("footprint", "6. Footprint",
            $"Two runs of {settings.FootprintDuration.TotalSeconds:0} s, each on a fresh broker and fresh services (default settings, .NET's GC defaults); " +
            "peak RSS = VmHWM of each service process from /proc at the end. " +
            $"**One venue**: `{source}` through ingest — {Products:N0} products trading live at {Rate:N0} trades/s in total " +
            $"(the least popular still ≈{Rate * 60.0 / Products / 7.49:0} trades a minute, so every product has open windows all the time), with heartbeats. " +
            $"**{venues.Length} venues**: the same {Products:N0} products (popularity 1/rank) on each of {string.Join(", ", venues)} — " +
            $"{Products * venues.Length:N0} streams — at {VenueRate:N0} trades/s in total, each trade's venue in turn, event time = the wall clock, " +
            "trade ids contiguous per stream; produced by the harness straight to `trades` (serialized as ingest does), since ingest's synthetic source has one venue.");
        result.Details.Add("| run | service | peak RSS | RSS at the end |");
        result.Details.Add("|---|---|---|---|");

        await using (var run = new PipelineRun("footprint", partitions))
        {
            await run.StartConsumersAsync();
            run.StartIngest(source);
            var (peak, error) = await WatchAsync(run, "one venue", settings, result, () => Task.CompletedTask);
            var known = (await run.SinkApi.GetFromJsonAsync<JsonElement>("/api/products")).GetArrayLength();
            result.Details.Add($"| one venue | broker + harness (this process, for scale) | {Format.Mib(ProcFs.PeakRssBytes(Environment.ProcessId))} | {Format.Mib(ProcFs.RssBytes(Environment.ProcessId))} |");
            result.Notes.Add($"One venue: products the sink serves at the end: {known:N0} of {Products:N0}; trades on `trades`: {run.EndOffsets(Topics.Trades):N0}.");
            result.Figures.Add(new Figure($"aggregator peak RSS, {Products:N0} products", Format.Mib(peak), "—", "—", "≤ 300 MB", peak <= 300L * 1024 * 1024, Format.Mib(peak - (300L * 1024 * 1024))));
            if (known < Products || error is not null)
            {
                result.Error = error ?? $"only {known} of {Products} products reached the sink";
                return result;
            }
        }

        await using (var run = new PipelineRun("footprint-venues", partitions))
        {
            await run.StartConsumersAsync();
            using var stop = new CancellationTokenSource();
            var producer = Task.Factory.StartNew(() => ProduceLive(run.Broker.BootstrapServers, venues, stop.Token), TaskCreationOptions.LongRunning);
            var (peak, error) = await WatchAsync(run, $"{venues.Length} venues", settings, result, () => producer.IsFaulted ? producer : Task.CompletedTask);
            await stop.CancelAsync();
            var streams = await producer;
            var sinkStreams = (await run.SinkApi.GetFromJsonAsync<JsonElement>("/api/products")).GetArrayLength();
            result.Notes.Add($"{venues.Length} venues: {streams:N0} streams traded, trades on `trades`: {run.EndOffsets(Topics.Trades):N0}; the sink lists {sinkStreams:N0} products.");
            result.Figures.Add(new Figure($"aggregator peak RSS, {Products:N0} products × {venues.Length} venues", Format.Mib(peak), "—", "—", "≤ 300 MB", peak <= 300L * 1024 * 1024, Format.Mib(peak - (300L * 1024 * 1024))));
            result.Error = error;
        }

        return result;
    }

    /// <summary>Watches the services' RSS for the run's duration; the aggregator's peak, and an error when <paramref name="failure"/> faults.</summary>
    private static async Task<(long AggregatorPeak, string? Error)> WatchAsync(PipelineRun run, string label, BenchSettings settings, MeasurementResult result, Func<Task> failure)
    {
        var cpu = run.CpuMeter().Start();
        var services = new[] { ("ingest", run.Ingest), ("aggregate", run.Aggregator), ("sink", run.Sink) }.Where(s => s.Item2 is not null).Select(s => (s.Item1, s.Item2!)).ToList();
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < settings.FootprintDuration)
        {
            await Task.Delay(5000);
            if (failure() is { IsFaulted: true } failed)
            {
                return (0, $"{label}: the harness's producer failed: {failed.Exception?.GetBaseException().Message}");
            }

            Log.Info($"  {label}: RSS " + string.Join(", ", services.Select(s => $"{s.Item1} {Format.Mib(s.Item2.ProcessId is int pid ? ProcFs.RssBytes(pid) : 0)}")));
        }

        result.Cpu.Add((label, cpu.Stop()));
        long aggregatorPeak = 0;
        foreach (var (name, service) in services)
        {
            var pid = service.ProcessId ?? 0;
            var peak = ProcFs.PeakRssBytes(pid);
            result.Details.Add($"| {label} | {name} | {Format.Mib(peak)} | {Format.Mib(ProcFs.RssBytes(pid))} |");
            aggregatorPeak = name == "aggregate" ? peak : aggregatorPeak;
            Log.Info($"{label}: {name} peak RSS {Format.Mib(peak)}");
        }

        return (aggregatorPeak, null);
    }

    /// <summary>
    /// Live trades of <see cref="Products"/> products on every venue at <see cref="VenueRate"/> per second (10 ms steps) until
    /// stopped: the synthetic source's products, prices and sizes, each trade's venue in turn, event time now, ids contiguous
    /// per stream. Returns the number of streams that traded.
    /// </summary>
    private static int ProduceLive(string bootstrap, string[] venues, CancellationToken stop)
    {
        var pool = SyntheticTrades.Generate($"products={Products},rate=0,count=200000,heartbeats=false,seed=9");
        var ids = new Dictionary<string, long>(StringComparer.Ordinal);
        using var producer = TradeProducer.Create(bootstrap, "bench-footprint-venues");
        var clock = Stopwatch.StartNew();
        long sent = 0;
        while (!stop.IsCancellationRequested)
        {
            var due = (long)(clock.Elapsed.TotalSeconds * VenueRate);
            var now = DateTimeOffset.UtcNow;
            for (; sent < due; sent++)
            {
                var template = pool[(int)(sent % pool.Count)];
                var trade = template with { Venue = venues[sent % venues.Length], Time = now };
                var id = ids[trade.Key] = ids.GetValueOrDefault(trade.Key) + 1;
                trade = trade with { TradeId = id };
                producer.ProduceWaiting(Topics.Trades, trade.Key, ContractSerializers.TradeSerializer.Serialize(trade, default));
            }

            producer.Poll(TimeSpan.Zero);
            stop.WaitHandle.WaitOne(10);
        }

        producer.Flush(TimeSpan.FromSeconds(30));
        return ids.Count;
    }
}
