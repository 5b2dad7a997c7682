using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Consumer;
using BitcoinVolume.Sink.Live;

namespace BitcoinVolume.Sink.LargeTrades;

/// <summary>
/// Fans the large trades the consumer has just stored out to live subscribers (the alert evaluator's <c>trade</c> rules).
/// Published after the database commit; never blocks the consumer.
/// </summary>
public sealed class LargeTradeHub(SinkMetrics metrics)
    : UpdateHub<LargeTrade>(metrics.RecordStreamClient, metrics.RecordStreamResync);
