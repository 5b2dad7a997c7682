using BitcoinVolume.Contracts;

namespace BitcoinVolume.Sink.Infrastructure;

/// <summary>
/// Durable store of base window values (<see cref="WindowSpec"/>, <c>Sink:Window</c>), keyed by (product, side, window
/// start). Writes are idempotent and guarded by <see cref="WindowVolume.Version"/>: an older or equal version never
/// replaces what is stored.
/// </summary>
public interface IVolumeStore
{
    /// <summary>The store's name in logs and health reports (<c>sqlite</c>, <c>postgres</c>, <c>bigquery</c>).</summary>
    string Name { get; }

    /// <summary>False when the store is write-only for this service (BigQuery): the query API answers 501.</summary>
    bool SupportsQueries { get; }

    /// <summary>
    /// Upserts all <paramref name="windows"/> in ONE transaction (all or nothing). Returns how many rows were inserted or
    /// replaced; rows whose stored version is the same or newer are left alone and not counted. When a window appears
    /// more than once in <paramref name="windows"/>, only its highest version is written.
    /// </summary>
    Task<int> UpsertAsync(IReadOnlyList<WindowVolume> windows, CancellationToken cancellationToken = default);

    /// <summary>The stored (base) windows of <paramref name="product"/> whose start is in [from, to), ordered by start, then side (buy first).</summary>
    Task<IReadOnlyList<WindowVolume>> GetWindowRowsAsync(
        string product, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, CancellationToken cancellationToken = default);

    /// <summary>The product ids that have at least one row, in ordinal order.</summary>
    Task<IReadOnlyList<string>> GetProductsAsync(CancellationToken cancellationToken = default);

    /// <summary>Start of the first and of the last stored window of <paramref name="product"/>, or <see langword="null"/> when it has none.</summary>
    Task<(DateTimeOffset First, DateTimeOffset Last)?> GetExtentAsync(string product, CancellationToken cancellationToken = default);

    /// <summary>Throws when the database cannot be reached (used by the health check).</summary>
    Task PingAsync(CancellationToken cancellationToken = default);
}
