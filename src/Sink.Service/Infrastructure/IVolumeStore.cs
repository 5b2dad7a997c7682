using BitcoinVolume.Contracts;

namespace BitcoinVolume.Sink.Infrastructure;

/// <summary>
/// Durable store of 1-minute window values, keyed by (product, side, window start). Writes are idempotent and guarded by
/// <see cref="WindowVolume.Version"/>: an older or equal version never replaces what is stored.
/// </summary>
public interface IVolumeStore
{
    /// <summary>
    /// Upserts all <paramref name="windows"/> in ONE transaction (all or nothing). Returns how many rows were inserted or
    /// replaced; rows whose stored version is the same or newer are left alone and not counted.
    /// </summary>
    Task<int> UpsertAsync(IReadOnlyList<WindowVolume> windows, CancellationToken cancellationToken = default);

    /// <summary>The stored windows of <paramref name="product"/> whose start is in [from, to), ordered by start, then side (buy first).</summary>
    Task<IReadOnlyList<WindowVolume>> GetMinuteRowsAsync(
        string product, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, CancellationToken cancellationToken = default);

    /// <summary>The product ids that have at least one row, in ordinal order.</summary>
    Task<IReadOnlyList<string>> GetProductsAsync(CancellationToken cancellationToken = default);
}
