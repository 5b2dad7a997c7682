namespace BitcoinVolume.Sink.Infrastructure;

/// <summary>
/// The products that have rows, cached for the API's "unknown product" check. A miss re-reads the store, at most once per
/// second, so a product that appears after start is known within a second of its first row.
/// </summary>
public sealed class ProductCatalog(IVolumeStore store, TimeProvider timeProvider) : IDisposable
{
    private static readonly TimeSpan MinRefresh = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile HashSet<string> _known = new(StringComparer.Ordinal);
    private long _loadedAt = long.MinValue;

    public async Task<bool> IsKnownAsync(string product, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(product);
        if (_known.Contains(product))
        {
            return true;
        }

        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (!_known.Contains(product) && (_loadedAt == long.MinValue || timeProvider.GetElapsedTime(_loadedAt) >= MinRefresh))
            {
                _known = new HashSet<string>(await store.GetProductsAsync(cancellationToken), StringComparer.Ordinal);
                _loadedAt = timeProvider.GetTimestamp();
            }

            return _known.Contains(product);
        }
        finally
        {
            _refresh.Release();
        }
    }

    public void Dispose() => _refresh.Dispose();
}
