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

    /// <summary>Subscribes to the updates of one product (on every venue); dispose the subscription to leave.</summary>
    public VolumeSubscription Subscribe(string product, int capacity)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(product);
        return Subscribe(product, w => string.Equals(w.Product, product, StringComparison.Ordinal), capacity);
    }

    /// <summary>Subscribes to the windows <paramref name="filter"/> accepts (called on the consumer's thread: keep it cheap).</summary>
    public VolumeSubscription Subscribe(string description, Func<WindowVolume, bool> filter, int capacity)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        ArgumentNullException.ThrowIfNull(filter);
        var subscription = new VolumeSubscription(this, description, filter, capacity);
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
                if (subscription.Filter(window) && !subscription.Offer(window))
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

    internal VolumeSubscription(VolumeUpdateHub hub, string description, Func<WindowVolume, bool> filter, int capacity)
    {
        this.hub = hub;
        Description = description;
        Filter = filter;
        channel = Channel.CreateBounded<WindowVolume>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: the update is dropped and the overflow flagged
            SingleReader = true,
            SingleWriter = true,
        });
    }

    /// <summary>What the subscriber follows, e.g. <c>BTC-USD on spot</c>.</summary>
    public string Description { get; }

    internal Func<WindowVolume, bool> Filter { get; }

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
