using BitcoinVolume.Sink.Live;

namespace BitcoinVolume.Sink.Alerts;

/// <summary>Fans stored alerts out to <c>/api/alerts/stream</c> clients.</summary>
public sealed class AlertHub(BitcoinVolume.Sink.Consumer.SinkMetrics metrics) : UpdateHub<AlertEvent>(metrics.RecordStreamClient, metrics.RecordStreamResync);
