namespace BitcoinVolume.Sink.Infrastructure;

/// <summary>
/// The (venue, product) streams that have rows, cached for the API. A miss re-reads the store, at most once per second, so
/// a stream that appears after start is known within a second of its first row; <see cref="GetStreamsAsync"/> (which
/// decides what a venue selection such as <c>spot</c> covers) re-reads a list older than a second.
/// </summary>
public sealed class ProductCatalog(IVolumeStore store, TimeProvider timeProvider) : IDisposable
{
    private static readonly TimeSpan MinRefresh = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim refresh = new(1, 1);
    private volatile Snapshot current = new([], new HashSet<string>(StringComparer.Ordinal));
    private long loadedAt = long.MinValue;

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
            if (loadedAt == long.MinValue || timeProvider.GetElapsedTime(loadedAt) >= MinRefresh)
            {
                var streams = await store.GetStreamsAsync(cancellationToken);
                current = new Snapshot(streams, new HashSet<string>(streams.Select(s => s.Product), StringComparer.Ordinal));
                loadedAt = timeProvider.GetTimestamp();
            }

            return current;
        }
        finally
        {
            refresh.Release();
        }
    }

    private sealed record Snapshot(IReadOnlyList<StoredStream> Streams, HashSet<string> Products);
}
