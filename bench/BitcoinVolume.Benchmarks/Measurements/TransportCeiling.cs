using System.Diagnostics;
using System.Globalization;
using BitcoinVolume.Benchmarks.Harness;
using BitcoinVolume.Benchmarks.Report;
using BitcoinVolume.Contracts;
using BitcoinVolume.DevBroker;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;

namespace BitcoinVolume.Benchmarks.Measurements;

/// <summary>
/// (1) The transport ceiling: the same serialized trades ingest would publish, produced with ingest's producer settings
/// and consumed by one plain consumer, through the same broker — no parsing, no aggregation, no database. What the
/// pipeline can at best approach.
/// </summary>
public static class TransportCeiling
{
    public const string Topic = Topics.Trades;

    /// <summary>Most records the producer may be ahead of the consumer (~10 MB of compressed trades over all partitions).</summary>
    private const long MaxLag = 200_000;

    public static async Task<(MeasurementResult Result, double Rate)> RunAsync(BenchSettings settings, int partitions)
    {
        var count = settings.ThroughputTrades;
        var result = new MeasurementResult("transport", "1. Transport ceiling",
            $"{count:N0} trades of the synthetic source (100 products), serialized exactly as ingest publishes them, produced to `{Topic}` " +
            $"({partitions} partitions) with ingest's producer settings (idempotent, acks=all, lz4, linger 5 ms) while one consumer assigned to every " +
            $"partition reads them back (the producer waits while it is more than {MaxLag:N0} records ahead: the development broker keeps only ~5 MiB per " +
            "partition). Rate = trades / (first produce → last consumed); three runs, each on a fresh broker, the median counts. " +
            (settings.ExternalKafka is null ? "Broker: the development broker (librdkafka mock over TCP), in the harness process." : $"Broker: {settings.ExternalKafka}."));
        Log.Info($"generating {count:N0} trades");
        var records = SyntheticTrades.Generate($"products=100,rate=0,count={count},heartbeats=false,seed=1")
            .Select(t => (Key: t.Product, Value: ContractSerializers.TradeSerializer.Serialize(t, default)))
            .ToList();
        var bytes = records.Sum(r => (long)r.Value.Length);

        var runs = new List<Run>();
        for (var repetition = 1; repetition <= Repetitions; repetition++)
        {
            Log.Info($"run {repetition} of {Repetitions}: producing {count:N0} trades ({bytes / 1024.0 / 1024.0:0.0} MiB of JSON) and consuming them back");
            var run = await RunOnceAsync(settings, partitions, records);
            if (run.Failure is not null)
            {
                result.Error = run.Failure;
                return (result, double.NaN);
            }

            runs.Add(run);
            result.Cpu.Add(($"run {repetition}", run.Cpu));
            Log.Info($"  {Format.Rate(run.Rate)} trades/s ({run.Cpu})");
        }

        var median = runs.OrderBy(r => r.Rate).ElementAt(runs.Count / 2);
        result.Figures.Add(new Figure("produce → consume, trades/s (median of 3)", Format.Rate(median.Rate), "—", "—", "the ceiling the others are compared with", null));
        result.Details.Add($"- runs: {string.Join(", ", runs.Select(r => Format.Rate(r.Rate)))} trades/s (each on a fresh broker); in the median run the last record was consumed at " +
            $"{median.LastConsumed.TotalSeconds:0.00} s and the producer's last acknowledgement came at {median.Produced.TotalSeconds:0.00} s");
        result.Details.Add($"- {bytes / (double)count:0} bytes of JSON per trade before compression; records trimmed by the development broker's memory cap after being consumed: {median.Trimmed:N0}");
        Log.Info($"transport ceiling (median of {Repetitions}) {Format.Rate(median.Rate)} trades/s");
        return (result, median.Rate);
    }

    private const int Repetitions = 3;

    private sealed record Run(double Rate, TimeSpan LastConsumed, TimeSpan Produced, long Trimmed, CpuProfile Cpu, string? Failure);

    private static async Task<Run> RunOnceAsync(BenchSettings settings, int partitions, List<(string Key, byte[] Value)> records)
    {
        var count = records.Count;
        await using var broker = settings.ExternalKafka is null
            ? DevelopmentBroker.Start(new DevelopmentBrokerOptions { Port = 0, Topics = PipelineRun.BenchTopics(partitions) }, NullLogger.Instance)
            : null;
        var bootstrap = settings.ExternalKafka ?? broker!.BootstrapServers;
        var cpu = new CpuMeter().Track("broker+harness", () => Environment.ProcessId);

        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "bench-transport",
            EnableAutoCommit = false,

            // A record trimmed before it was read (producer too far ahead) is an error, never a silent skip.
            AutoOffsetReset = AutoOffsetReset.Error,
        }).Build();
        var start = settings.ExternalKafka is null ? Offset.Beginning : Offset.End;
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(Topic, p, start)));
        var consumed = 0L;
        var sent = 0L;
        var lastConsumed = TimeSpan.Zero;
        var watch = new Stopwatch();
        using var done = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        string? failure = null;
        var reader = Task.Factory.StartNew(() =>
        {
            try
            {
                while (Volatile.Read(ref consumed) < count && !done.IsCancellationRequested)
                {
                    if (consumer.Consume(100) is not null)
                    {
                        Interlocked.Increment(ref consumed);
                        lastConsumed = watch.Elapsed;
                    }
                }
            }
            catch (ConsumeException e)
            {
                failure = $"the consumer lost records: {e.Error.Reason}";
                done.Cancel();
            }
        }, TaskCreationOptions.LongRunning);

        using var producer = TradeProducer.Create(bootstrap, "bench-transport");
        cpu.Start();
        watch.Start();
        foreach (var (key, value) in records)
        {
            // Paced by the consumer: the development broker keeps ~5 MiB per partition, so the producer stays at most
            // MaxLag records ahead (never the bottleneck: the consumer reads at least as fast on its own).
            while (sent - Volatile.Read(ref consumed) > MaxLag && !done.IsCancellationRequested)
            {
                Thread.Sleep(1);
            }

            sent++;
            producer.ProduceWaiting(Topic, key, value);
        }

        var unflushed = producer.Flush(TimeSpan.FromMinutes(2));
        if (failure is not null)
        {
            return new Run(double.NaN, default, default, 0, cpu.Stop(), failure);
        }

        var produced = watch.Elapsed;
        await reader;
        var profile = cpu.Stop();
        if (unflushed > 0 || consumed < count)
        {
            return new Run(double.NaN, default, default, 0, profile, $"only {consumed:N0} of {count:N0} trades came back ({unflushed} unflushed) within 5 minutes");
        }

        var trimmed = broker is null ? 0 : Enumerable.Range(0, partitions).Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(Topic, p), TimeSpan.FromSeconds(10)).Low.Value);
        return new Run(count / lastConsumed.TotalSeconds, lastConsumed, produced, trimmed, profile, null);
    }

}

/// <summary>Number formats of the report.</summary>
public static class Format
{
    public static string Rate(double perSecond) => double.IsNaN(perSecond) ? "n/a" : perSecond.ToString("N0", CultureInfo.InvariantCulture);

    public static string Ratio(double ratio) => double.IsNaN(ratio) ? "n/a" : ratio.ToString("0.00", CultureInfo.InvariantCulture);

    public static string Percent(double fraction) => double.IsNaN(fraction) ? "n/a" : (fraction * 100).ToString("0", CultureInfo.InvariantCulture) + " %";

    public static string Mib(long bytes) => (bytes / 1024.0 / 1024.0).ToString("0", CultureInfo.InvariantCulture) + " MB";
}
