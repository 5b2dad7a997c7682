namespace BitcoinVolume.Sink.Infrastructure;

/// <summary>
/// The products that have rows, cached for the API's "unknown product" check. A miss re-reads the store, at most once per
/// second, so a product that appears after start is known within a second of its first row.
/// </summary>
public sealed class ProductCatalog(IVolumeStore store, TimeProvider timeProvider) : IDisposable
{
    private static readonly TimeSpan MinRefresh = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim refresh = new(1, 1);
    private volatile HashSet<string> known = new(StringComparer.Ordinal);
    private long loadedAt = long.MinValue;

    public async Task<bool> IsKnownAsync(string product, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(product);
        if (known.Contains(product))
        {
            return true;
        }

        await refresh.WaitAsync(cancellationToken);
        try
        {
            if (!known.Contains(product) && (loadedAt == long.MinValue || timeProvider.GetElapsedTime(loadedAt) >= MinRefresh))
            {
                known = new HashSet<string>(await store.GetProductsAsync(cancellationToken), StringComparer.Ordinal);
                loadedAt = timeProvider.GetTimestamp();
            }

            return known.Contains(product);
        }
        finally
        {
            refresh.Release();
        }
    }

    public void Dispose() => refresh.Dispose();
}
