using BenchmarkDotNet.Attributes;
using BitcoinVolume.Aggregate.Windowing;
using BitcoinVolume.Contracts;
using Confluent.Kafka;

namespace BitcoinVolume.Benchmarks;

/// <summary>
/// The aggregation core on one thread: serialized trade records (exactly as on the `trades` topic) in → deserialize →
/// dedup → window state updated → output values built and serialized every batch; no broker, no disk. The baseline is a
/// bare loop that only deserializes the same records. Report: trades/s of each and their ratio.
/// </summary>
[MemoryDiagnoser]
public class AggregationCoreBenchmark
{
    public const int Trades = 1_000_000;
    private const int BatchSize = 5_000;
    private byte[][] records = [];

    /// <summary>
    /// Hours of event time the 1M trades span over 100 products: 24 h = a day of trading (≈3.5 trades per window, the
    /// hard case: most trades open a new window); 1 h = a busy hour (≈83 trades per window).
    /// </summary>
    [Params(24, 1)]
    public int SpanHours { get; set; } = 24;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var ids = new long[100];
        var start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        records = new byte[Trades][];
        for (var i = 0; i < Trades; i++)
        {
            // 100 products, trades evenly over SpanHours, realistic prices and sizes.
            var p = random.Next(100);
            var trade = new Trade($"P{p:D3}-USD", ++ids[p], start.AddMilliseconds(i * 3.6 * SpanHours), 20_000m + (random.Next(-100_000, 100_000) / 100m), random.Next(1, 100_000_000) / 100_000_000m, random.Next(2) == 0 ? TakerSide.Buy : TakerSide.Sell);
            records[i] = ContractSerializers.TradeSerializer.Serialize(trade, default);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Trades, Description = "deserialize only (bare loop)")]
    public long DeserializeOnly()
    {
        long sum = 0;
        var deserializer = ContractSerializers.TradeDeserializer;
        foreach (var record in records)
        {
            sum += deserializer.Deserialize(record, false, default).TradeId;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Trades, Description = "aggregation core")]
    public long Aggregate() => Run(new WindowingOptions());

    private long Run(WindowingOptions options)
    {
        var aggregator = new VolumeAggregator(options);
        var deserializer = ContractSerializers.TradeDeserializer;
        var serializer = ContractSerializers.WindowSerializer;
        long bytes = 0;
        for (var i = 0; i < records.Length; i++)
        {
            aggregator.Apply(deserializer.Deserialize(records[i], false, default));
            if (i % BatchSize == BatchSize - 1)
            {
                foreach (var window in aggregator.TakeChanges().Windows)
                {
                    bytes += serializer.Serialize(window, new SerializationContext(MessageComponentType.Value, Topics.Volumes1m)).Length;
                }
            }
        }

        return bytes;
    }

    /// <summary>
    /// The aggregation core with size classes off (<see cref="WindowingOptions.SizeClassesOff"/>): the same work as
    /// <see cref="Aggregate"/> (whose USD products have the default four boundaries, five classes) without them, so their
    /// cost is the ratio of the two in the same run.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Trades, Description = "aggregation core, size classes off")]
    public long AggregateWithoutSizeClasses() => Run(new WindowingOptions { SizeClassesOff = true });

    /// <summary>
    /// The whole issue-17 core: size classes (the default) and the footprint (<c>Aggregate:Footprint:Enabled</c>, the
    /// default) on. Every counted trade also goes to its window's price level, and every batch the changed footprint
    /// windows are built and serialized for <c>footprint.1m</c>, as the aggregator does. Compare with
    /// <see cref="Aggregate"/> and <see cref="AggregateWithoutSizeClasses"/> in the same run.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Trades, Description = "aggregation core + footprint")]
    public long AggregateWithFootprint()
    {
        var windowing = new WindowingOptions();
        var aggregator = new VolumeAggregator(windowing);
        var footprint = new FootprintAggregator(new FootprintOptions(), windowing);
        var deserializer = ContractSerializers.TradeDeserializer;
        var serializer = ContractSerializers.WindowSerializer;
        var footprintSerializer = ContractSerializers.FootprintSerializer;
        long bytes = 0;
        for (var i = 0; i < records.Length; i++)
        {
            var trade = deserializer.Deserialize(records[i], false, default);
            if (aggregator.Apply(trade) is ApplyOutcome.Counted or ApplyOutcome.Correction)
            {
                footprint.Add(trade);
            }

            if (i % BatchSize == BatchSize - 1)
            {
                foreach (var window in aggregator.TakeChanges().Windows)
                {
                    bytes += serializer.Serialize(window, new SerializationContext(MessageComponentType.Value, Topics.Volumes1m)).Length;
                }

                foreach (var window in footprint.TakeChanges(aggregator.Watermark).Windows)
                {
                    bytes += footprintSerializer.Serialize(window, new SerializationContext(MessageComponentType.Value, Topics.Footprint1m)).Length;
                }
            }
        }

        return bytes;
    }

    [Benchmark(OperationsPerInvoke = Trades, Description = "  part: deserialize + apply")]
    [BenchmarkCategory("breakdown")]
    public long ApplyOnly()
    {
        var aggregator = new VolumeAggregator(new WindowingOptions());
        var deserializer = ContractSerializers.TradeDeserializer;
        for (var i = 0; i < records.Length; i++)
        {
            aggregator.Apply(deserializer.Deserialize(records[i], false, default));
        }

        return aggregator.WindowCount;
    }

    [Benchmark(OperationsPerInvoke = Trades, Description = "  part: deserialize + apply + take changes")]
    [BenchmarkCategory("breakdown")]
    public long ApplyAndTake()
    {
        var aggregator = new VolumeAggregator(new WindowingOptions());
        var deserializer = ContractSerializers.TradeDeserializer;
        long windows = 0;
        for (var i = 0; i < records.Length; i++)
        {
            aggregator.Apply(deserializer.Deserialize(records[i], false, default));
            if (i % BatchSize == BatchSize - 1)
            {
                windows += aggregator.TakeChanges().Windows.Count;
            }
        }

        return windows;
    }
}
