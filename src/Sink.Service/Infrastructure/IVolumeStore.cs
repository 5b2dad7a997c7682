using BitcoinVolume.Contracts;

namespace BitcoinVolume.Sink.Infrastructure;

/// <summary>One (venue, product) that has stored rows.</summary>
/// <param name="Venue">Venue id (<see cref="Venues"/>, or a well-formed id the sink does not know).</param>
/// <param name="Product">Canonical product id.</param>
public readonly record struct StoredStream(string Venue, string Product);

/// <summary>
/// Durable store of base window values (<see cref="WindowSpec"/>, <c>Sink:Window</c>), keyed by (venue, product, side,
/// window start). Writes are idempotent and guarded by <see cref="WindowVolume.Version"/>: an older or equal version never
/// replaces what is stored. A store opened on a database written before venues existed migrates it in place on first
/// use: its rows become <see cref="Venues.Coinbase"/>'s.
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

    /// <summary>
    /// The stored (base) windows of <paramref name="product"/> on <paramref name="venue"/> whose start is in [from, to),
    /// ordered by start, then side (buy first).
    /// </summary>
    Task<IReadOnlyList<WindowVolume>> GetWindowRowsAsync(
        string venue, string product, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, CancellationToken cancellationToken = default);

    /// <summary>The stored windows of <paramref name="product"/> on Coinbase (the one venue before venues existed).</summary>
    Task<IReadOnlyList<WindowVolume>> GetWindowRowsAsync(
        string product, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, CancellationToken cancellationToken = default) =>
        GetWindowRowsAsync(Venues.Coinbase, product, fromInclusive, toExclusive, cancellationToken);

    /// <summary>The (venue, product) pairs that have at least one row, in ordinal order of venue, then product.</summary>
    Task<IReadOnlyList<StoredStream>> GetStreamsAsync(CancellationToken cancellationToken = default);

    /// <summary>The product ids that have at least one row on any venue, in ordinal order.</summary>
    async Task<IReadOnlyList<string>> GetProductsAsync(CancellationToken cancellationToken = default) =>
        [.. (await GetStreamsAsync(cancellationToken).ConfigureAwait(false)).Select(s => s.Product).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>Start of the first and of the last stored window of (venue, product), or <see langword="null"/> when it has none.</summary>
    Task<(DateTimeOffset First, DateTimeOffset Last)?> GetExtentAsync(string venue, string product, CancellationToken cancellationToken = default);

    /// <summary>The extent of <paramref name="product"/> on Coinbase.</summary>
    Task<(DateTimeOffset First, DateTimeOffset Last)?> GetExtentAsync(string product, CancellationToken cancellationToken = default) =>
        GetExtentAsync(Venues.Coinbase, product, cancellationToken);

    /// <summary>Throws when the database cannot be reached (used by the health check).</summary>
    Task PingAsync(CancellationToken cancellationToken = default);
}
