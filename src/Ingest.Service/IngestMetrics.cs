using System.Diagnostics.Metrics;

namespace BitcoinVolume.Ingest;

/// <summary>The service's OpenTelemetry instruments (meter <c>BitcoinVolume.Ingest</c>).</summary>
public sealed class IngestMetrics
{
    public const string MeterName = "BitcoinVolume.Ingest";

    private readonly Counter<long> frames;
    private readonly Counter<long> trades;
    private readonly Counter<long> deadLettered;
    private readonly Counter<long> deliveryErrors;

    public IngestMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        frames = meter.CreateCounter<long>("ingest.frames", "{frame}", "Raw frames read, by kind (trades, ignored, invalid) and label.");
        trades = meter.CreateCounter<long>("ingest.trades", "{trade}", "Trades produced to the trades topic.");
        deadLettered = meter.CreateCounter<long>("ingest.frames.dead_lettered", "{frame}", "Frames written to trades.dlq, by reason.");
        deliveryErrors = meter.CreateCounter<long>("ingest.delivery.errors", "{message}", "Messages Kafka failed to deliver.");
    }

    public void Frame(string kind, string label) =>
        frames.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("label", label));

    public void Trades(int count) => trades.Add(count);

    public void DeadLettered(string reason) => deadLettered.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void DeliveryError(string topic) => deliveryErrors.Add(1, new KeyValuePair<string, object?>("topic", topic));
}
