using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using BitcoinVolume.Benchmarks.Harness;
using BitcoinVolume.Benchmarks.Report;
using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;
using Confluent.Kafka;

namespace BitcoinVolume.Benchmarks.Measurements;

/// <summary>
/// (4) Latency at paced, live-like rates — 1,000 trades/s (target p99 ≤ 100 ms) and 20,000 trades/s (p99 ≤ 250 ms), issue 16 —
/// each on a fresh pipeline: from a trade's event time to the moment its window row, counting that trade, is readable through
/// the sink's API.
/// </summary>
public static class Latency
{
    private const int Products = 100;
    private const int SliceSeconds = 5;

    /// <summary>The rates measured and their p99 targets (ms). Quick mode's smoke test uses 5,000/s for the second, so a slow CI machine is not overloaded.</summary>
    private static (int Rate, double TargetMs)[] Rates(BenchSettings settings) => [(1_000, 100), (settings.Quick ? 5_000 : 20_000, 250)];

    public static async Task<MeasurementResult> RunAsync(BenchSettings settings, int partitions)
    {
        var rates = Rates(settings);
        var result = new MeasurementResult("latency", "4. Latency",
            $"`synthetic:products={Products},rate=R,start=now` at R = {string.Join(" and ", rates.Select(r => $"{r.Rate:N0}"))} trades/s, each on a fresh broker and fresh services: " +
            "ingest stamps each trade with the wall clock as its event time and releases it on time (10 ms pacing steps), like a live feed. " +
            "The harness reads `trades` to learn every trade's window and its position in it, and follows the sink's Server-Sent Events stream " +
            $"(`/api/volumes/stream`, pushed right after each database commit, so a GET at that instant returns the row) for all {Products} products. " +
            "A trade's latency = the first push of its window with a trade count that includes it − the trade's event time. Default settings " +
            "everywhere (aggregator batches close as soon as the consumer has nothing more, after ≤50 ms for their first record; the sink's likewise; consumers fetch-wait ≤10 ms on the development broker, as the AppHost sets it). The first seconds (start-up, JIT) are not measured.");
        result.Details.Add("| rate (trades/s) | trades measured | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | window pushes |");
        result.Details.Add("|---|---|---|---|---|---|---|---|");
        foreach (var (rate, target) in rates)
        {
            var error = await MeasureAsync(settings, partitions, rate, target, result);
            if (error is not null)
            {
                result.Error = error;
                return result;
            }
        }

        result.Notes.Add("Against the development broker a consumer's empty fetch is answered only after `fetch.wait.max.ms`, even when data arrives " +
            "meanwhile (librdkafka's mock cluster; a real broker answers as soon as data arrives), so the AppHost and this harness give the aggregator's " +
            "and the sink's consumers 10 ms. With librdkafka's default of 500 ms (and 100/200 ms batch waits) this measurement gave p50 792 ms, " +
            "p99 1,225 ms, max 1,295 ms on 2026-11-27.");
        return result;
    }

    /// <summary>One rate on a fresh pipeline: a figure and a detail row in <paramref name="result"/>, or the error that stopped it.</summary>
    private static async Task<string?> MeasureAsync(BenchSettings settings, int partitions, int rate, double targetMs, MeasurementResult result)
    {
        var source = $"synthetic:products={Products},rate={rate},start=now,seed=3";
        await using var run = new PipelineRun($"latency-{rate}", partitions);
        await run.StartConsumersAsync();
        run.StartIngest(source);

        // Trades as the aggregator sees them: per (product, side, window of the default 1-minute base window; the oracle's key) in partition order.
        using var stop = new CancellationTokenSource();
        var windows = new ConcurrentDictionary<(string, TakerSide, DateTime), List<(DateTimeOffset Time, DateTimeOffset OnTrades)>>();
        var reader = Task.Factory.StartNew(() => ReadTrades(run, windows, stop.Token), TaskCreationOptions.LongRunning);
        // Window versions as the aggregator writes them: when each first showed up on volumes.1m (the stage breakdown).
        var versions = new ConcurrentQueue<((string, TakerSide, DateTime) Key, long Trades, DateTimeOffset At)>();
        var outputReader = Task.Factory.StartNew(() => ReadWindows(run, versions, stop.Token), TaskCreationOptions.LongRunning);

        Log.Info($"latency at {rate:N0} trades/s: waiting until the sink knows all {Products} products");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await run.SinkApi.GetFromJsonAsync<JsonElement>("/api/products")).GetArrayLength() < Products)
        {
            if (DateTime.UtcNow > deadline)
            {
                await stop.CancelAsync();
                await Task.WhenAll(reader, outputReader);
                return $"at {rate:N0} trades/s the sink did not list {Products} products within 60 s; logs in {run.WorkDirectory}";
            }

            await Task.Delay(250);
        }

        var pushes = new ConcurrentQueue<((string, TakerSide, DateTime) Key, long Trades, DateTimeOffset At)>();
        var products = (await run.SinkApi.GetFromJsonAsync<JsonElement>("/api/products")).EnumerateArray().Select(p => p.GetString()!).ToList();
        using var sse = new HttpClient { BaseAddress = run.SinkApi.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        var followers = products.Select(p => Task.Run(() => FollowAsync(sse, p, pushes, stop.Token))).ToList();
        await Task.Delay(2000);
        var from = DateTimeOffset.UtcNow;
        Log.Info($"latency at {rate:N0} trades/s: measuring for {settings.LatencyDuration.TotalSeconds:0} s");
        var cpu = run.CpuMeter().Start();
        await Task.Delay(settings.LatencyDuration);
        var to = DateTimeOffset.UtcNow;
        result.Cpu.Add(($"{rate:N0} trades/s", cpu.Stop()));
        await Task.Delay(3000); // the last trades' rows arrive
        await stop.CancelAsync();
        await Task.WhenAll(reader, outputReader);
        await Task.WhenAll(followers);

        var byWindow = pushes.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.OrderBy(p => p.At).ToList());
        var onOutput = versions.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.OrderBy(p => p.At).ToList());
        var latencies = new List<double>();
        var toTrades = new List<double>();
        var toOutput = new List<double>();
        var slices = new SortedDictionary<int, List<double>>();
        var slicesToTrades = new SortedDictionary<int, List<double>>();
        var slicesToOutput = new SortedDictionary<int, List<double>>();
        var unseen = 0;
        foreach (var (key, times) in windows)
        {
            for (var i = 0; i < times.Count; i++)
            {
                if (times[i].Time < from || times[i].Time > to)
                {
                    continue;
                }

                var slice = (int)((times[i].Time - from).TotalSeconds / SliceSeconds);
                toTrades.Add((times[i].OnTrades - times[i].Time).TotalMilliseconds);
                Add(slicesToTrades, slice, toTrades[^1]);
                if ((onOutput.TryGetValue(key, out var written) ? written.FirstOrDefault(p => p.Trades > i) : default) is { Key: var k } version && k != default)
                {
                    toOutput.Add((version.At - times[i].Time).TotalMilliseconds);
                    Add(slicesToOutput, slice, toOutput[^1]);
                }

                var seen = byWindow.TryGetValue(key, out var list) ? list.FirstOrDefault(p => p.Trades > i) : default;
                if (seen.Key == default)
                {
                    unseen++;
                    continue;
                }

                var latency = (seen.At - times[i].Time).TotalMilliseconds;
                latencies.Add(latency);
                Add(slices, slice, latency);
            }
        }

        latencies.Sort();
        var p50 = Percentiles.Of(latencies, 50);
        var p99 = Percentiles.Of(latencies, 99);
        var max = latencies.Count > 0 ? latencies[^1] : double.NaN;
        result.Figures.Add(new Figure($"p99 trade → API at {rate:N0} trades/s, ms", $"{p99:0}", $"p50 {p50:0} ms, max {max:0} ms", "—",
            $"p99 ≤ {targetMs:0} ms", p99 <= targetMs, $"{p99 - targetMs:0} ms"));
        result.Details.Add($"| {rate:N0} (measured {latencies.Count / (to - from).TotalSeconds:N0}) | {latencies.Count:N0} | {p50:0} | {Percentiles.Of(latencies, 90):0} | {p99:0} | " +
            $"{Percentiles.Of(latencies, 99.9):0} | {max:0} | {pushes.Count:N0} |");
        toTrades.Sort();
        toOutput.Sort();
        result.Notes.Add($"At {rate:N0} trades/s, where the time goes (from the trade's event time, ms, p50 / p90 / p99): on `trades` (ingest's pacing and producer) " +
            $"{Stages(toTrades)}; its window's version on `volumes.1m` (+ the aggregator's batch, state commit and producer) {Stages(toOutput)}; pushed by the sink's API " +
            $"(+ the sink's batch and transaction) {Stages(latencies)}. The harness's own consumers fetch-wait ≤10 ms, as the services' do.");
        // Whether the tail is spread evenly or comes in bursts (a pause somewhere): p99 and max per slice of the interval.
        result.Notes.Add($"At {rate:N0} trades/s, p99 / max per {SliceSeconds} s of the interval (ms): " + string.Join(", ", slices.Select(sl =>
        {
            sl.Value.Sort();
            return $"{Percentiles.Of(sl.Value, 99):0}/{sl.Value[^1]:0}";
        })) + ". The same slices' p99 by stage (on `trades` / on `volumes.1m` / pushed): " + string.Join(", ", slices.Keys.Select(sl =>
            $"{SliceP99(slicesToTrades, sl)}/{SliceP99(slicesToOutput, sl)}/{SliceP99(slices, sl)}")) + ".");
        Log.Info($"latency at {rate:N0} trades/s: p50 {p50:0} ms, p99 {p99:0} ms, max {max:0} ms over {latencies.Count:N0} trades");
        return unseen > 0 || latencies.Count == 0
            ? $"at {rate:N0} trades/s {unseen} trades in the measured interval never showed up in a pushed row (of {latencies.Count + unseen}); logs in {run.WorkDirectory}"
            : null;
    }

    private static void Add(SortedDictionary<int, List<double>> slices, int slice, double value) =>
        (slices.TryGetValue(slice, out var inSlice) ? inSlice : slices[slice] = []).Add(value);

    private static string SliceP99(SortedDictionary<int, List<double>> slices, int slice)
    {
        if (!slices.TryGetValue(slice, out var values) || values.Count == 0)
        {
            return "–";
        }

        values.Sort();
        return $"{Percentiles.Of(values, 99):0}";
    }

    private static string Stages(List<double> sorted) => $"{Percentiles.Of(sorted, 50):0} / {Percentiles.Of(sorted, 90):0} / {Percentiles.Of(sorted, 99):0}";

    private static ConsumerConfig HarnessConsumer(PipelineRun run, string group) => new()
    {
        BootstrapServers = run.Broker.BootstrapServers,
        GroupId = group,
        EnableAutoCommit = false,
        FetchWaitMaxMs = int.Parse(PipelineRun.DevelopmentFetchWaitMs, System.Globalization.CultureInfo.InvariantCulture),
    };

    private static void ReadWindows(PipelineRun run, ConcurrentQueue<((string, TakerSide, DateTime), long, DateTimeOffset)> versions, CancellationToken stop)
    {
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(HarnessConsumer(run, "bench-latency-windows")).Build();
        consumer.Assign(Enumerable.Range(0, run.Partitions).Select(p => new TopicPartitionOffset(Topics.Volumes1m, p, Offset.Beginning)));
        while (!stop.IsCancellationRequested)
        {
            if (consumer.Consume(100) is { Message.Value: { } value })
            {
                var at = DateTimeOffset.UtcNow;
                try
                {
                    var w = ContractSerializers.WindowDeserializer.Deserialize(value, isNull: false, default);
                    versions.Enqueue(((w.Product, w.Side, w.WindowStart.UtcDateTime), w.Trades, at));
                }
                catch (JsonException)
                {
                    // not a window record (none is expected here): not part of the breakdown
                }
            }
        }
    }

    private static void ReadTrades(PipelineRun run, ConcurrentDictionary<(string, TakerSide, DateTime), List<(DateTimeOffset, DateTimeOffset)>> windows, CancellationToken stop)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(HarnessConsumer(run, "bench-latency")).Build();
        consumer.Assign(Enumerable.Range(0, run.Partitions).Select(p => new TopicPartitionOffset(Topics.Trades, p, Offset.Beginning)));
        while (!stop.IsCancellationRequested)
        {
            // Gap markers (header bv-kind) share the topic: not trades.
            if (consumer.Consume(100) is { } record && !TradeGap.IsMarker(record.Message.Headers))
            {
                var t = ContractSerializers.TradeDeserializer.Deserialize(record.Message.Value, record.Message.Value is null, new SerializationContext(MessageComponentType.Value, Topics.Trades));
                windows.GetOrAdd(WindowOracle.KeyOf(t, WindowSpec.Default), _ => []).Add((t.Time, DateTimeOffset.UtcNow));
            }
        }
    }

    private static async Task FollowAsync(HttpClient http, string product, ConcurrentQueue<((string, TakerSide, DateTime), long, DateTimeOffset)> pushes, CancellationToken stop)
    {
        try
        {
            using var response = await http.GetAsync($"/api/volumes/stream?product={Uri.EscapeDataString(product)}", HttpCompletionOption.ResponseHeadersRead, stop);
            response.EnsureSuccessStatusCode();
            using var lines = new StreamReader(await response.Content.ReadAsStreamAsync(stop));
            while (await lines.ReadLineAsync(stop) is { } line)
            {
                if (line.StartsWith("data: {", StringComparison.Ordinal))
                {
                    var at = DateTimeOffset.UtcNow;
                    using var json = JsonDocument.Parse(line.AsMemory(6));
                    var row = json.RootElement;
                    if (row.TryGetProperty("trades", out var trades))
                    {
                        var side = row.GetProperty("side").GetString() == "buy" ? TakerSide.Buy : TakerSide.Sell;
                        pushes.Enqueue(((row.GetProperty("product").GetString()!, side, row.GetProperty("start").GetDateTime().ToUniversalTime()), trades.GetInt64(), at));
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
