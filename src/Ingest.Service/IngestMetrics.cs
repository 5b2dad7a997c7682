using System.Diagnostics.Metrics;

namespace BitcoinVolume.Ingest;

/// <summary>
/// The service's OpenTelemetry instruments (meter <c>BitcoinVolume.Ingest</c>). Rates (frames/s, trades/s) are the
/// counters' rates in the metrics backend; gauges read the live value from their owner when collected.
/// </summary>
public sealed class IngestMetrics
{
    public const string MeterName = "BitcoinVolume.Ingest";

    private readonly Counter<long> frames;
    private readonly Counter<long> trades;
    private readonly Counter<long> duplicates;
    private readonly Counter<long> gapMarkers;
    private readonly Counter<long> deadLettered;
    private readonly Counter<long> deliveryErrors;
    private readonly Counter<long> reconnects;
    private readonly Counter<long> sequenceGaps;
    private readonly Counter<long> gapsDetected;
    private readonly Counter<long> missingTrades;
    private readonly Counter<long> backfilled;
    private readonly Counter<long> unfilledGaps;
    private readonly Counter<long> unfilledTrades;
    private readonly Counter<long> backfillRequests;
    private readonly Counter<long> resumed;
    private readonly Counter<long> downtimeLost;
    private Func<long> producerQueueDepth = static () => 0;
    private Func<long> frameBufferDepth = static () => 0;
    private Func<long> openGaps = static () => 0;

    public IngestMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        frames = meter.CreateCounter<long>("ingest.frames", "{frame}", "Raw frames read, by kind (trades, heartbeat, ignored, invalid) and label.");
        trades = meter.CreateCounter<long>("ingest.trades", "{trade}", "Trades produced to the trades topic, by origin (stream, backfill).");
        gapMarkers = meter.CreateCounter<long>("ingest.gaps.markers", "{marker}", "Gap markers produced to trades, by state (open, filled, unfilled).");
        duplicates = meter.CreateCounter<long>("ingest.trades.duplicates", "{trade}", "Trades dropped as already produced, by reason (duplicate, stale).");
        deadLettered = meter.CreateCounter<long>("ingest.frames.dead_lettered", "{frame}", "Records written to trades.dlq, by reason.");
        deliveryErrors = meter.CreateCounter<long>("ingest.delivery.errors", "{message}", "Messages Kafka failed to deliver.");
        reconnects = meter.CreateCounter<long>("ingest.reconnects", "{reconnect}", "Websocket reconnects, by cause.");
        sequenceGaps = meter.CreateCounter<long>("ingest.sequence.gaps", "{gap}", "Per-connection sequence numbers skipped by a feed (Advanced Trade sequence_num), by source; each ends the connection.");
        gapsDetected = meter.CreateCounter<long>("ingest.gaps.detected", "{gap}", "Ranges of missed trade ids detected, by cause (trade, heartbeat).");
        missingTrades = meter.CreateCounter<long>("ingest.gaps.missing_trades", "{trade}", "Trade ids missing in detected gaps.");
        backfilled = meter.CreateCounter<long>("ingest.trades.backfilled", "{trade}", "Missed trades fetched from REST and produced.");
        unfilledGaps = meter.CreateCounter<long>("ingest.gaps.unfilled", "{gap}", "Gaps given up (reported on trades.dlq as unfilled_gap).");
        unfilledTrades = meter.CreateCounter<long>("ingest.gaps.unfilled_trades", "{trade}", "Trade ids in gaps given up.");
        backfillRequests = meter.CreateCounter<long>("ingest.backfill.requests", "{request}", "REST backfill requests, by outcome (ok, error).");
        resumed = meter.CreateCounter<long>("ingest.restart.resumed", "{stream}", "Streams seeded at start from a high-water mark, by venue and source (local: Ingest:State:Path, trades: the tail of trades).");
        downtimeLost = meter.CreateCounter<long>("ingest.restart.downtime_lost", "{stream}", "Streams whose downtime before this start cannot be backfilled (ids not contiguous, no REST history, backfill off), by venue.");
        meter.CreateObservableGauge("ingest.producer.queue_depth", () => producerQueueDepth(), "{message}", "Messages produced and not yet acknowledged by Kafka.");
        meter.CreateObservableGauge("ingest.source.buffered_frames", () => frameBufferDepth(), "{frame}", "Frames read from the socket and waiting for the parser.");
        meter.CreateObservableGauge("ingest.gaps.open", () => openGaps(), "{gap}", "Gaps detected and not yet filled or given up.");
    }

    public void Frame(string kind, string label) =>
        frames.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("label", label));

    public void Trades(int count, string origin = "stream")
    {
        if (count > 0)
        {
            trades.Add(count, new KeyValuePair<string, object?>("origin", origin));
        }
    }

    public void GapMarker(string state) => gapMarkers.Add(1, new KeyValuePair<string, object?>("state", state));

    public void Duplicate(string reason) => duplicates.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void DeadLettered(string reason) => deadLettered.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void DeliveryError(string topic) => deliveryErrors.Add(1, new KeyValuePair<string, object?>("topic", topic));

    public void SequenceGap(string source) => sequenceGaps.Add(1, new KeyValuePair<string, object?>("source", source));

    public void Reconnect(string cause) => reconnects.Add(1, new KeyValuePair<string, object?>("cause", cause));

    public void GapDetected(string cause, long trades)
    {
        gapsDetected.Add(1, new KeyValuePair<string, object?>("cause", cause));
        missingTrades.Add(trades);
    }

    public void Backfilled(int count) => backfilled.Add(count);

    public void GapUnfilled(long trades)
    {
        unfilledGaps.Add(1);
        unfilledTrades.Add(trades);
    }

    public void BackfillRequest(string outcome) => backfillRequests.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Resumed(string venue, string source) =>
        resumed.Add(1, new KeyValuePair<string, object?>("venue", venue), new KeyValuePair<string, object?>("source", source));

    public void DowntimeLost(string venue) => downtimeLost.Add(1, new KeyValuePair<string, object?>("venue", venue));

    public void ObserveProducerQueue(Func<long> depth) => producerQueueDepth = depth;

    public void ObserveFrameBuffer(Func<long> depth) => frameBufferDepth = depth;

    public void ObserveOpenGaps(Func<long> count) => openGaps = count;
}
