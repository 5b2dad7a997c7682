using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using BitcoinVolume.Ingest.Gaps;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Pipeline;
using BitcoinVolume.Ingest.Sources;
using BitcoinVolume.Ingest.Tests.Fakes;
using BitcoinVolume.Ingest.Venues.Coinbase;
using BitcoinVolume.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

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
    private readonly IngestStatus status = new();
    private readonly GapReporter reporter;
    private readonly TestOutputLogger log;

    public FrameProcessorTests(ITestOutputHelper testOutput)
    {
        log = new TestOutputLogger(testOutput, LogLevel.Warning);
        var factory = services.GetRequiredService<IMeterFactory>();
        metrics = new IngestMetrics(factory);
        reporter = new GapReporter(metrics, status, NullLogger<GapReporter>.Instance, TimeProvider.System);
        gate = new TradeGate(new GapOptions(), GapMode.Report, 100_000, reporter, TimeProvider.System);
        processor = new FrameProcessor(new CoinbaseFrameParser(), gate, output, reporter, metrics, status, log, TimeProvider.System,
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
    public async Task Unknown_types_are_ignored_counted_and_logged_once_each_and_a_typeless_frame_is_dead_lettered()
    {
        for (var i = 0; i < 3; i++)
        {
            await Process("""{"type":"brand_new_thing","product_id":"BTC-USD"}""");
            await Process("""{"channel":"surprise","client_id":"","sequence_num":1,"events":[]}""");
        }

        await Process("""{"hello":"world"}""");
        await Process(Advanced("update", ("BTC-USD", 5)));

        // News, not dead letters: only the frame without any type is dead-lettered; the trade after them is produced.
        Assert.Equal([5L], output.Trades.Select(t => t.TradeId));
        Assert.Equal(["unknown_type"], output.DeadLetters.Select(d => d.Reason));
        Assert.Equal("""{"hello":"world"}""", output.DeadLetters.Single().Raw);
        Assert.Equal((6, 6, 1), (processor.Unknown, processor.Ignored, processor.Invalid));
        Assert.Equal((6, 1), (status.UnknownFrames, status.DeadLettered));

        // Counted under one constant label (the raw type is never a metric tag), not as dead letters.
        listener.RecordObservableInstruments();
        Assert.Equal(6, measurements["ingest.frames|kind=ignored|label=unknown"]);
        Assert.DoesNotContain(measurements.Keys, k => k.Contains("brand_new_thing", StringComparison.Ordinal) || k.Contains("surprise", StringComparison.Ordinal));
        Assert.Equal(1, measurements["ingest.frames.dead_lettered|reason=unknown_type"]); // the typeless frame only

        // Logged once per distinct type, with what it is and that it was ignored.
        var lines = log.Lines.Where(l => l.Message.Contains("unknown to the coinbase adapter", StringComparison.Ordinal)).Select(l => l.Message).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Single(lines, l => l.Contains("type 'brand_new_thing'", StringComparison.Ordinal) && l.Contains("is ignored", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("channel 'surprise'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_log_of_distinct_unknown_types_is_bounded()
    {
        for (var i = 0; i < FrameProcessor.MaxLoggedUnknownTypes + 50; i++)
        {
            await Process($$"""{"type":"new_{{i}}"}""");
        }

        Assert.Equal(FrameProcessor.MaxLoggedUnknownTypes + 50, processor.Unknown);
        Assert.Equal(FrameProcessor.MaxLoggedUnknownTypes, log.Lines.Count(l => l.Message.Contains("unknown to the coinbase adapter", StringComparison.Ordinal)));
        Assert.Single(log.Lines, l => l.Message.Contains("distinct unknown frame types", StringComparison.Ordinal));
        Assert.Empty(output.DeadLetters);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public async Task An_exchange_heartbeat_with_last_trade_id_zero_or_less_is_liveness_only_never_a_gap(long lastTradeId)
    {
        // Before any trade, and after trades 10..11: an id ≤ 0 (reported always 0 on some products) opens no gap.
        await Process($$"""{"type":"heartbeat","last_trade_id":{{lastTradeId}},"product_id":"BTC-USD","sequence":1,"time":"2024-01-01T00:00:00Z"}""");
        await Process(Advanced("update", ("BTC-USD", 11), ("BTC-USD", 10)));
        await Process($$"""{"type":"heartbeat","last_trade_id":{{lastTradeId}},"product_id":"BTC-USD","sequence":2,"time":"2024-01-01T00:00:01Z"}""");
        await Process(Advanced("update", ("BTC-USD", 12)));

        Assert.Equal([10L, 11, 12], output.Trades.Select(t => t.TradeId));
        Assert.Equal(2, processor.Heartbeats);
        Assert.Empty(output.DeadLetters);
        Assert.Equal((0L, 0), (status.GapsDetected, gate.OpenGaps));

        // A real id still reveals a gap (the check is not switched off).
        await Process("""{"type":"heartbeat","last_trade_id":15,"product_id":"BTC-USD","sequence":3,"time":"2024-01-01T00:00:02Z"}""");
        Assert.Equal(1L, status.GapsDetected);
    }

    [Fact]
    public async Task Advanced_trade_usdc_products_come_back_as_configured_and_both_configured_are_warned_about()
    {
        var usdc = new FrameProcessor(new CoinbaseFrameParser(), gate, output, reporter, metrics, status, log, TimeProvider.System, new HashSet<string>(["BTC-USDC", "ETH-USD"]));
        await usdc.ProcessAsync(new RawFrame(Encoding.UTF8.GetBytes(Advanced("update", ("BTC-USD", 7), ("ETH-USD", 3))), "t"), CancellationToken.None);
        await usdc.ProcessAsync(new RawFrame(Encoding.UTF8.GetBytes("""{"type":"match","trade_id":8,"side":"sell","size":"1","price":"1","product_id":"BTC-USD","time":"2024-01-01T00:00:00Z"}"""), "t"), CancellationToken.None);

        // Advanced Trade's BTC-USD is the configured BTC-USDC; ETH-USD (configured as itself) and the Exchange feed are not mapped.
        Assert.Equal([("BTC-USDC", 7L), ("ETH-USD", 3L)], output.Trades.Select(t => (t.Product, t.TradeId)));
        Assert.Equal(1, usdc.FilteredOut);
        Assert.Equal(0, usdc.ProductWarnings);

        var both = new FrameProcessor(new CoinbaseFrameParser(), gate, output, reporter, metrics, status, log, TimeProvider.System, new HashSet<string>(["BTC-USDC", "BTC-USD"]));
        Assert.Equal(1, both.ProductWarnings);
        Assert.Single(log.Lines, l => l.Message.Contains("serves BTC-USDC as BTC-USD", StringComparison.Ordinal) && l.Message.Contains("cannot be told apart", StringComparison.Ordinal));
        await both.ProcessAsync(new RawFrame(Encoding.UTF8.GetBytes(Advanced("update", ("BTC-USD", 20))), "t"), CancellationToken.None);
        Assert.Equal(("BTC-USD", 20L), (output.Trades.Last().Product, output.Trades.Last().TradeId));
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
