using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using BitcoinVolume.Ingest.Gaps;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Pipeline;
using BitcoinVolume.Ingest.Sources;
using BitcoinVolume.Ingest.Tests.Fakes;
using BitcoinVolume.Ingest.Venues.Coinbase;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace BitcoinVolume.Ingest.Tests;

/// <summary>One frame through ingest, and the metrics it moves (meter BitcoinVolume.Ingest).</summary>
public sealed class FrameProcessorTests : IDisposable
{
    private readonly ConcurrentDictionary<string, long> measurements = new();
    private readonly MeterListener listener = new();
    private readonly ListOutput output = new();
    // A meter factory of this test alone: other tests' IngestMetrics (same meter name, gauges reading 0) must not be heard.
    private readonly ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly IngestMetrics metrics;
    private readonly FrameProcessor processor;
    private readonly TradeGate gate;

    public FrameProcessorTests()
    {
        var factory = services.GetRequiredService<IMeterFactory>();
        metrics = new IngestMetrics(factory);
        var status = new IngestStatus();
        var reporter = new GapReporter(metrics, status, NullLogger<GapReporter>.Instance, TimeProvider.System);
        gate = new TradeGate(new GapOptions(), GapMode.Report, 100_000, reporter, TimeProvider.System);
        processor = new FrameProcessor(new CoinbaseFrameParser(), gate, output, reporter, metrics, status, NullLogger.Instance, TimeProvider.System,
            new HashSet<string>(["BTC-USD", "ETH-USD"]));
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == IngestMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name + string.Concat(tags.ToArray().Select(t => $"|{t.Key}={t.Value}"));
            measurements.AddOrUpdate(key, value, (_, old) => instrument is ObservableGauge<long> ? value : old + value);
        });
        listener.Start();
    }

    public void Dispose()
    {
        listener.Dispose();
        services.Dispose();
    }

    [Fact]
    public async Task Snapshots_overlap_and_gaps_produce_each_trade_once_and_are_counted()
    {
        // A snapshot listed newest first, an update overlapping it, a jump (gap), a heartbeat ahead, a bad frame, a foreign product.
        await Process(Advanced("snapshot", ("BTC-USD", 12), ("BTC-USD", 11), ("BTC-USD", 10)));
        await Process(Advanced("update", ("BTC-USD", 13), ("BTC-USD", 12), ("SOL-USD", 1)));
        await Process(Advanced("update", ("BTC-USD", 16)));
        await Process("""{"type":"heartbeat","last_trade_id":18,"product_id":"BTC-USD","sequence":1,"time":"2024-01-01T00:00:00Z"}""");
        await Process("{broken");

        Assert.Equal([10L, 11, 12, 13, 16], output.Trades.Select(t => t.TradeId));
        Assert.Equal((5, 1, 1, 1), (processor.Trades, processor.Duplicates, processor.FilteredOut, processor.Invalid));

        // Backfill off (GapMode.Report): each gap is reported unfilled on trades.dlq, next to the bad frame.
        Assert.Equal(["malformed_json", "unfilled_gap", "unfilled_gap"], output.DeadLetters.Select(d => d.Reason).Order());
        Assert.Contains(output.DeadLetters, d => d.Detail.StartsWith("BTC-USD trade ids 14..15 (2 trades)", StringComparison.Ordinal));
        Assert.Contains(output.DeadLetters, d => d.Detail.StartsWith("BTC-USD trade ids 17..18 (2 trades)", StringComparison.Ordinal));

        listener.RecordObservableInstruments();
        Assert.Equal(3, measurements["ingest.frames|kind=trades|label=advanced_trade"]);
        Assert.Equal(1, measurements["ingest.frames|kind=heartbeat|label=heartbeat"]);
        Assert.Equal(1, measurements["ingest.frames|kind=invalid|label=malformed_json"]);
        Assert.Equal(5, measurements["ingest.trades|origin=stream"]);
        Assert.Equal(1, measurements["ingest.trades.duplicates|reason=duplicate"]);
        Assert.Equal(1, measurements["ingest.frames.dead_lettered|reason=malformed_json"]);
        Assert.Equal(2, measurements["ingest.frames.dead_lettered|reason=unfilled_gap"]);
        Assert.Equal(1, measurements["ingest.gaps.detected|cause=trade"]);
        Assert.Equal(1, measurements["ingest.gaps.detected|cause=heartbeat"]);
        Assert.Equal(4, measurements["ingest.gaps.missing_trades"]);
        Assert.Equal(2, measurements["ingest.gaps.unfilled"]);
    }

    [Fact]
    public void Gauges_read_the_live_values()
    {
        metrics.ObserveProducerQueue(() => 42);
        metrics.ObserveFrameBuffer(() => 7);
        metrics.ObserveOpenGaps(() => 3);
        listener.RecordObservableInstruments();
        Assert.Equal((42, 7, 3), (measurements["ingest.producer.queue_depth"], measurements["ingest.source.buffered_frames"], measurements["ingest.gaps.open"]));
    }

    private ValueTask Process(string frame) => processor.ProcessAsync(new RawFrame(Encoding.UTF8.GetBytes(frame), "test"), CancellationToken.None);

    private static string Advanced(string type, params (string Product, long Id)[] trades) =>
        $$"""{"channel":"market_trades","events":[{"type":"{{type}}","trades":[""" +
        string.Join(",", trades.Select(t => $$"""{"trade_id":"{{t.Id}}","product_id":"{{t.Product}}","price":"100.5","size":"0.1","side":"SELL","time":"2024-01-01T00:00:00Z"}""")) +
        "]}]}";
}
