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
    private byte[][] widePriceRecords = [];

    /// <summary>
    /// Hours of event time the 1M trades span over 100 products: 24 h = a day of trading (≈3.5 trades per window, the
    /// hard case: most trades open a new window); 1 h = a busy hour (≈83 trades per window).
    /// </summary>
    [Params(24, 1)]
    public int SpanHours { get; set; } = 24;

    [GlobalSetup]
    public void Setup()
    {
        records = Generate(widePrices: false);
        widePriceRecords = Generate(widePrices: true);
    }

    /// <summary>
    /// 1M serialized trades of 100 products, evenly over <see cref="SpanHours"/>, with realistic sizes. Prices: a random
    /// walk per product around 20,000 (±$1.00 per trade, in cents: a minute of 83 trades moves ≈ $10, as BTC-USD
    /// typically does), or with <paramref name="widePrices"/> every trade anywhere in 20,000 ± 1,000 (a minute spans ≈ 70
    /// footprint levels of $10: the footprint's worst case). Volume windows do not depend on the prices' spread.
    /// </summary>
    private byte[][] Generate(bool widePrices)
    {
        var random = new Random(42);
        var ids = new long[100];
        var prices = Enumerable.Repeat(20_000m, 100).ToArray();
        var start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var result = new byte[Trades][];
        for (var i = 0; i < Trades; i++)
        {
            var p = random.Next(100);
            var price = widePrices
                ? 20_000m + (random.Next(-100_000, 100_000) / 100m)
                : prices[p] = Math.Clamp(prices[p] + (random.Next(-100, 101) / 100m), 10_000m, 30_000m);
            var trade = new Trade($"P{p:D3}-USD", ++ids[p], start.AddMilliseconds(i * 3.6 * SpanHours), price, random.Next(1, 100_000_000) / 100_000_000m, random.Next(2) == 0 ? TakerSide.Buy : TakerSide.Sell);
            result[i] = ContractSerializers.TradeSerializer.Serialize(trade, default);
        }

        return result;
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
    public long AggregateWithFootprint() => RunWithFootprint(records);

    /// <summary>
    /// <see cref="AggregateWithFootprint"/> over trades whose prices jump anywhere in 20,000 ± 1,000 (≈ 70 levels per
    /// 1-hour-span window instead of a few): what the footprint costs when a minute spans many levels.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Trades, Description = "aggregation core + footprint, wide prices")]
    public long AggregateWithFootprintWidePrices() => RunWithFootprint(widePriceRecords);

    private static long RunWithFootprint(byte[][] input)
    {
        var windowing = new WindowingOptions();
        var aggregator = new VolumeAggregator(windowing);
        var footprint = new FootprintAggregator(new FootprintOptions(), windowing);
        var deserializer = ContractSerializers.TradeDeserializer;
        var serializer = ContractSerializers.WindowSerializer;
        var footprintSerializer = ContractSerializers.FootprintSerializer;
        long bytes = 0;
        for (var i = 0; i < input.Length; i++)
        {
            var trade = deserializer.Deserialize(input[i], false, default);
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
