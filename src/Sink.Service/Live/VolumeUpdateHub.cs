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
    private Action<IReadOnlyList<WindowVolume>>? committed;

    /// <summary>
    /// Registers <paramref name="observer"/> to see every committed batch synchronously in <see cref="PublishCommitted"/>,
    /// before any live subscriber (the product catalog learns a new stream before a client re-reads its bars).
    /// </summary>
    public void OnCommitted(Action<IReadOnlyList<WindowVolume>> observer) => committed += observer;

    /// <summary>The windows of a committed batch: to the <see cref="OnCommitted"/> observers, then to the subscribers.</summary>
    public void PublishCommitted(IReadOnlyList<WindowVolume> rows)
    {
        committed?.Invoke(rows);
        Publish(rows);
    }

    /// <summary>Subscribes to the updates of one product (on every venue); dispose the subscription to leave.</summary>
    public UpdateSubscription<WindowVolume> Subscribe(string product, int capacity)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(product);
        return Subscribe(product, w => string.Equals(w.Product, product, StringComparison.Ordinal), capacity);
    }
}
