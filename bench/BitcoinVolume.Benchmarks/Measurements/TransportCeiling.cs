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
            "partition reads them back. Rate = trades / (first produce → last consumed). " +
            (settings.ExternalKafka is null ? "Broker: the development broker (librdkafka mock over TCP), in the harness process." : $"Broker: {settings.ExternalKafka}."));
        Log.Info($"generating {count:N0} trades");
        var records = SyntheticTrades.Generate($"products=100,rate=0,count={count},heartbeats=false,seed=1")
            .Select(t => (t.Product, Value: ContractSerializers.TradeSerializer.Serialize(t, default)))
            .ToList();
        var bytes = records.Sum(r => (long)r.Value.Length);

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

        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            EnableIdempotence = true,
            Acks = Acks.All,
            CompressionType = CompressionType.Lz4,
            LingerMs = 5,
            ClientId = "bench-transport",
        }).Build();
        Log.Info($"producing {count:N0} trades ({bytes / 1024.0 / 1024.0:0.0} MiB of JSON) and consuming them back");
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
            while (true)
            {
                try
                {
                    producer.Produce(Topic, new Message<string, byte[]> { Key = key, Value = value });
                    break;
                }
                catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(10));
                }
            }
        }

        var unflushed = producer.Flush(TimeSpan.FromMinutes(2));
        if (failure is not null)
        {
            result.Error = failure;
            return (result, double.NaN);
        }

        var produced = watch.Elapsed;
        await reader;
        var profile = cpu.Stop();
        if (unflushed > 0 || consumed < count)
        {
            result.Error = $"only {consumed:N0} of {count:N0} trades came back ({unflushed} unflushed) within 5 minutes";
            return (result, double.NaN);
        }

        var rate = count / lastConsumed.TotalSeconds;
        var fellOff = broker is null ? 0 : Enumerable.Range(0, partitions).Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(Topic, p), TimeSpan.FromSeconds(10)).Low.Value);
        result.Figures.Add(new Figure("produce → consume, trades/s", Format.Rate(rate), "—", "—", "the ceiling the others are compared with", null));
        result.Details.Add($"- produce → last consumed: {lastConsumed.TotalSeconds:0.00} s (the producer's last acknowledgement came at {produced.TotalSeconds:0.00} s)");
        result.Details.Add($"- {bytes / (double)count:0} bytes of JSON per trade before compression; records trimmed by the development broker's memory cap after being consumed: {fellOff:N0}");
        result.Cpu.Add(("produce + consume", profile));
        Log.Info($"transport ceiling {Format.Rate(rate)} trades/s ({profile})");
        return (result, rate);
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
