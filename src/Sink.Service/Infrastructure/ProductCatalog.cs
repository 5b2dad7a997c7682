using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Live;

namespace BitcoinVolume.Sink.Infrastructure;

/// <summary>
/// The (venue, product) streams that have rows, cached for the API. A miss re-reads the store, at most once per second, so
/// a stream that appears after start is known within a second of its first row; <see cref="GetStreamsAsync"/> (which
/// decides what a venue selection such as <c>spot</c> covers) re-reads a list older than a second. A committed batch with
/// a stream the list lacks (<see cref="VolumeUpdateHub.OnCommitted"/>) makes the next call re-read at once: a live client
/// that re-reads its bars on the update then sees the new stream (a venue's first window in the asset view).
/// </summary>
public sealed class ProductCatalog : IDisposable
{
    private static readonly TimeSpan MinRefresh = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim refresh = new(1, 1);
    private readonly IVolumeStore store;
    private readonly TimeProvider timeProvider;
    private volatile Snapshot current = new([], new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal));
    private long loadedAt = long.MinValue;

    public ProductCatalog(IVolumeStore store, TimeProvider timeProvider, VolumeUpdateHub? committed = null)
    {
        this.store = store;
        this.timeProvider = timeProvider;
        committed?.OnCommitted(Observe);
    }

    /// <summary>True when <paramref name="product"/> has rows on some venue.</summary>
    public async Task<bool> IsKnownAsync(string product, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(product);
        if (current.Products.Contains(product))
        {
            return true;
        }

        return (await RefreshAsync(cancellationToken)).Products.Contains(product);
    }

    /// <summary>Every stored (venue, product), at most a second old.</summary>
    public async Task<IReadOnlyList<StoredStream>> GetStreamsAsync(CancellationToken cancellationToken) =>
        (await RefreshAsync(cancellationToken)).Streams;

    public void Dispose() => refresh.Dispose();

    private async Task<Snapshot> RefreshAsync(CancellationToken cancellationToken)
    {
        await refresh.WaitAsync(cancellationToken);
        try
        {
            var at = Interlocked.Read(ref loadedAt);
            if (at == long.MinValue || timeProvider.GetElapsedTime(at) >= MinRefresh)
            {
                var streams = await store.GetStreamsAsync(cancellationToken);
                current = new Snapshot(
                    streams,
                    new HashSet<string>(streams.Select(s => s.Product), StringComparer.Ordinal),
                    new HashSet<string>(streams.Select(s => KeyOf(s.Venue, s.Product)), StringComparer.Ordinal));

                // A stream committed while the store was read stays unknown until the next refresh: that is at most a second.
                Interlocked.CompareExchange(ref loadedAt, timeProvider.GetTimestamp(), at);
            }

            return current;
        }
        finally
        {
            refresh.Release();
        }
    }

    /// <summary>Makes the next call re-read the store when <paramref name="rows"/> (just committed) hold a stream it does not list.</summary>
    private void Observe(IReadOnlyList<WindowVolume> rows)
    {
        var known = current.StreamKeys;
        foreach (var row in rows)
        {
            if (!known.Contains(KeyOf(row.Venue, row.Product)))
            {
                Interlocked.Exchange(ref loadedAt, long.MinValue);
                return;
            }
        }
    }

    private static string KeyOf(string venue, string product) => string.Concat(venue, "|", product);

    private sealed record Snapshot(IReadOnlyList<StoredStream> Streams, HashSet<string> Products, HashSet<string> StreamKeys);
}
