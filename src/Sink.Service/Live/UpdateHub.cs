using System.Collections.Concurrent;
using System.Threading.Channels;

namespace BitcoinVolume.Sink.Live;

/// <summary>
/// Fans updates out to live subscribers (the SSE endpoints). Publishing never blocks the publisher: each subscriber has a
/// bounded buffer, and one that falls behind loses updates and is told to re-read (<see cref="UpdateSubscription{T}.TakeOverflow"/>).
/// </summary>
/// <param name="clientChanged">Called with true when a subscriber joins, false when it leaves (metrics).</param>
/// <param name="dropped">Called when an update is dropped for a slow subscriber (metrics).</param>
public class UpdateHub<T>(Action<bool> clientChanged, Action dropped)
    where T : class
{
    private readonly ConcurrentDictionary<UpdateSubscription<T>, byte> subscriptions = new();

    /// <summary>Live subscribers.</summary>
    public int Count => subscriptions.Count;

    /// <summary>
    /// Subscribes to the updates <paramref name="filter"/> accepts (called on the publisher's thread: keep it cheap).
    /// <paramref name="client"/> false: an internal reader (the alert evaluator), not counted as a stream client.
    /// </summary>
    public UpdateSubscription<T> Subscribe(string description, Func<T, bool> filter, int capacity, bool client = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        ArgumentNullException.ThrowIfNull(filter);
        var subscription = new UpdateSubscription<T>(this, description, filter, capacity, client);
        subscriptions.TryAdd(subscription, 0);
        if (client)
        {
            clientChanged(true);
        }

        return subscription;
    }

    /// <summary>Hands <paramref name="updates"/> to the subscribers that accept them.</summary>
    public void Publish(IReadOnlyList<T> updates)
    {
        ArgumentNullException.ThrowIfNull(updates);
        if (subscriptions.IsEmpty)
        {
            return;
        }

        foreach (var subscription in subscriptions.Keys)
        {
            foreach (var update in updates)
            {
                if (subscription.Filter(update) && !subscription.Offer(update))
                {
                    dropped();
                    break;
                }
            }
        }
    }

    internal void Remove(UpdateSubscription<T> subscription)
    {
        if (subscriptions.TryRemove(subscription, out _) && subscription.IsClient)
        {
            clientChanged(false);
        }
    }
}

/// <summary>One subscriber's bounded buffer of updates.</summary>
public sealed class UpdateSubscription<T> : IDisposable
    where T : class
{
    private readonly UpdateHub<T> hub;
    private readonly Channel<T> channel;
    private int overflowed;

    internal UpdateSubscription(UpdateHub<T> hub, string description, Func<T, bool> filter, int capacity, bool client)
    {
        this.hub = hub;
        IsClient = client;
        Description = description;
        Filter = filter;
        channel = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: the update is dropped and the overflow flagged
            SingleReader = true,
            SingleWriter = false,
        });
    }

    /// <summary>What the subscriber follows, e.g. <c>BTC-USD on spot</c>.</summary>
    public string Description { get; }

    public ChannelReader<T> Reader => channel.Reader;

    internal Func<T, bool> Filter { get; }

    internal bool IsClient { get; }

    /// <summary>True (once) when updates were dropped since the last call: the reader should tell its client to re-read.</summary>
    public bool TakeOverflow() => Interlocked.Exchange(ref overflowed, 0) == 1;

    internal bool Offer(T update)
    {
        if (channel.Writer.TryWrite(update))
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
