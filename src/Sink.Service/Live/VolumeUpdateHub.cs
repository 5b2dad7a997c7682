using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Consumer;

namespace BitcoinVolume.Sink.Live;

/// <summary>
/// Fans the windows the consumer has just committed to the database out to live subscribers (the SSE endpoints and the
/// alert evaluator). <see cref="UpdateHub{T}.Publish"/> is called after the database commit and never blocks the consumer.
/// </summary>
public sealed class VolumeUpdateHub(SinkMetrics metrics)
    : UpdateHub<WindowVolume>(metrics.RecordStreamClient, metrics.RecordStreamResync)
{
    /// <summary>Subscribes to the updates of one product (on every venue); dispose the subscription to leave.</summary>
    public UpdateSubscription<WindowVolume> Subscribe(string product, int capacity)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(product);
        return Subscribe(product, w => string.Equals(w.Product, product, StringComparison.Ordinal), capacity);
    }
}
