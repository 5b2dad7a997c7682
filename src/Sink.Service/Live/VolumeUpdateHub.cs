using System.Collections.Concurrent;
using System.Threading.Channels;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Consumer;

namespace BitcoinVolume.Sink.Live;

/// <summary>
/// Fans the windows the consumer has just committed to the database out to live subscribers (the SSE endpoint). Publishing
/// never blocks the consumer: each subscriber has a bounded buffer, and one that falls behind loses updates and is told to
/// re-read (<see cref="VolumeSubscription.TakeOverflow"/>).
/// </summary>
public sealed class VolumeUpdateHub(SinkMetrics metrics)
{
    private readonly ConcurrentDictionary<VolumeSubscription, byte> subscriptions = new();

    /// <summary>Live subscribers.</summary>
    public int Count => subscriptions.Count;

    /// <summary>Subscribes to the updates of one product; dispose the subscription to leave.</summary>
    public VolumeSubscription Subscribe(string product, int capacity)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(product);
        var subscription = new VolumeSubscription(this, product, capacity);
        subscriptions.TryAdd(subscription, 0);
        metrics.RecordStreamClient(connected: true);
        return subscription;
    }

    /// <summary>Hands committed windows to the subscribers of their product. Called after the database commit.</summary>
    public void Publish(IReadOnlyList<WindowVolume> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (subscriptions.IsEmpty)
        {
            return;
        }

        foreach (var subscription in subscriptions.Keys)
        {
            foreach (var window in windows)
            {
                if (string.Equals(window.Product, subscription.Product, StringComparison.Ordinal) && !subscription.Offer(window))
                {
                    metrics.RecordStreamResync();
                    break;
                }
            }
        }
    }

    internal void Remove(VolumeSubscription subscription)
    {
        if (subscriptions.TryRemove(subscription, out _))
        {
            metrics.RecordStreamClient(connected: false);
        }
    }
}

/// <summary>One subscriber's bounded buffer of updates.</summary>
public sealed class VolumeSubscription : IDisposable
{
    private readonly VolumeUpdateHub hub;
    private readonly Channel<WindowVolume> channel;
    private int overflowed;

    internal VolumeSubscription(VolumeUpdateHub hub, string product, int capacity)
    {
        this.hub = hub;
        Product = product;
        channel = Channel.CreateBounded<WindowVolume>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: the update is dropped and the overflow flagged
            SingleReader = true,
            SingleWriter = true,
        });
    }

    public string Product { get; }

    public ChannelReader<WindowVolume> Reader => channel.Reader;

    /// <summary>True (once) when updates were dropped since the last call: the reader should tell its client to re-read.</summary>
    public bool TakeOverflow() => Interlocked.Exchange(ref overflowed, 0) == 1;

    internal bool Offer(WindowVolume window)
    {
        if (channel.Writer.TryWrite(window))
        {
            return true;
        }

        Interlocked.Exchange(ref overflowed, 1);
        return false;
    }

    public void Dispose()
    {
        channel.Writer.TryComplete();
        hub.Remove(this);
    }
}
