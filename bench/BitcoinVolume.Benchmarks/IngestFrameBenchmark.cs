using System.Diagnostics.Metrics;
using System.Text;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Attributes;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest;
using BitcoinVolume.Ingest.Gaps;
using BitcoinVolume.Ingest.Pipeline;
using BitcoinVolume.Ingest.Producing;
using BitcoinVolume.Ingest.Sources;
using BitcoinVolume.Ingest.Venues.Coinbase;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace BitcoinVolume.Benchmarks;

/// <summary>
/// Ingest's path from websocket frame to the serialized Kafka record, per trade, on one thread: the real recorded Coinbase
/// Exchange <c>match</c>/<c>last_match</c> frames of tests/data (107 trades, 10 products), replayed 100 times with their
/// <c>trade_id</c> renumbered contiguously per product (so every trade is new to the gate, as live) — every other byte as
/// recorded. One operation = one trade. <b>parse</b>: the Coinbase parser only; <b>frame → record</b>: the whole
/// <see cref="FrameProcessor"/> (parse → gate → publish) with an output that makes the trade's record value as
/// <see cref="TradePublisher"/> hands it to the Kafka client; <b>record only</b>: that last step on parsed trades. The
/// Kafka client's own work (librdkafka's copy, delivery reports) is not in it.
/// </summary>
[MemoryDiagnoser]
public class IngestFrameBenchmark
{
    private const int Rounds = 100;
    private readonly CoinbaseFrameParser parser = new();
    private readonly List<Trade> parsed = new(16);
    private RawFrame[] frames = [];
    private Trade[] trades = [];
    private ServiceProvider? services;
    private IngestMetrics? metrics;

    /// <summary>Trades per invocation (the operations).</summary>
    public static int TradesPerInvocation { get; private set; } = 10_700;

    [GlobalSetup]
    public void Setup()
    {
        var file = FindRecording();
        var matches = File.ReadLines(file).Where(l => l.StartsWith("{\"type\":\"match\"", StringComparison.Ordinal) || l.StartsWith("{\"type\":\"last_match\"", StringComparison.Ordinal)).ToList();
        var nextId = new Dictionary<string, long>(StringComparer.Ordinal);
        var list = new List<RawFrame>();
        for (var round = 0; round < Rounds; round++)
        {
            foreach (var line in matches)
            {
                var product = Regex.Match(line, "\"product_id\":\"([^\"]+)\"").Groups[1].Value;
                var id = nextId[product] = nextId.GetValueOrDefault(product, 1_000_000) + 1;
                var renumbered = Regex.Replace(line, "\"trade_id\":[0-9]+", $"\"trade_id\":{id}");
                list.Add(new RawFrame(Encoding.UTF8.GetBytes(renumbered), $"replay:{file}", new DateTimeOffset(2021, 4, 17, 16, 44, 0, TimeSpan.Zero)));
            }
        }

        frames = [.. list];
        var all = new List<Trade>();
        foreach (var frame in frames)
        {
            parser.Parse(frame.Data.Span, all);
        }

        trades = [.. all];
        TradesPerInvocation = trades.Length;
        if (trades.Length != matches.Count * Rounds)
        {
            throw new InvalidOperationException($"{trades.Length} trades parsed from {matches.Count * Rounds} trade frames");
        }

        services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        metrics = new IngestMetrics(services.GetRequiredService<IMeterFactory>());
    }

    [GlobalCleanup]
    public void Cleanup() => services?.Dispose();

    [Benchmark(OperationsPerInvoke = 10_700, Description = "parse")]
    public long Parse()
    {
        long sum = 0;
        foreach (var frame in frames)
        {
            parsed.Clear();
            parser.Parse(frame.Data.Span, parsed);
            sum += parsed[0].TradeId;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = 10_700, Description = "record only: generated serializer")]
    public long RecordGenerated()
    {
        long sum = 0;
        foreach (var trade in trades)
        {
            sum += ContractSerializers.TradeSerializer.Serialize(trade, default).Length;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = 10_700, Description = "frame → record: generated serializer")]
    public Task<long> FrameToRecordGenerated() => RunAsync(static t => ContractSerializers.TradeSerializer.Serialize(t, default));

    // BEGIN after-only (the record path of this branch; absent from a baseline build of main)
    [Benchmark(OperationsPerInvoke = 10_700, Description = "record only: TradePublisher.RecordOf")]
    public long RecordReused()
    {
        long sum = 0;
        foreach (var trade in trades)
        {
            sum += TradePublisher.RecordOf(trade).Length;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = 10_700, Description = "frame → record: TradePublisher.RecordOf")]
    public Task<long> FrameToRecordReused() => RunAsync(TradePublisher.RecordOf);

    // END after-only
    private static string FindRecording()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var file = Path.Combine(folder.FullName, "tests", "data", "coinbase-exchange-matches-2021-04-17.ndjson");
            if (File.Exists(file))
            {
                return file;
            }
        }

        throw new FileNotFoundException("tests/data/coinbase-exchange-matches-2021-04-17.ndjson not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Every frame through a fresh gate and processor (the gate must see the ids as new), the output making records.</summary>
    private async Task<long> RunAsync(Func<Trade, byte[]> record)
    {
        var status = new IngestStatus();
        var reporter = new GapReporter(metrics!, status, NullLogger<GapReporter>.Instance, TimeProvider.System);
        var gate = new TradeGate(new GapOptions(), GapMode.Track, long.MaxValue, reporter, TimeProvider.System);
        var output = new RecordOutput(record);
        var processor = new FrameProcessor(parser, gate, output, reporter, metrics!, status, NullLogger.Instance, TimeProvider.System, null);
        foreach (var frame in frames)
        {
            await processor.ProcessAsync(frame, CancellationToken.None);
        }

        return processor.Trades == frames.Length ? output.Bytes : throw new InvalidOperationException($"{processor.Trades} of {frames.Length} trades produced");
    }

    /// <summary>What the publisher does before the Kafka client: the record value (and the key).</summary>
    private sealed class RecordOutput(Func<Trade, byte[]> record) : ITradeOutput
    {
        public long Bytes { get; private set; }

        public ValueTask PublishAsync(Trade trade, CancellationToken cancellationToken)
        {
            Bytes += record(trade).Length + trade.Key.Length;
            return ValueTask.CompletedTask;
        }

        public ValueTask DeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken) => throw new InvalidOperationException(letter.Detail);

        public ValueTask PublishGapAsync(TradeGap gap, CancellationToken cancellationToken) => throw new InvalidOperationException(gap.Reason);
    }
}
