using BitcoinVolume.Contracts;

namespace BitcoinVolume.Sink.Footprint;

/// <summary>The <c>footprint</c> table: one row per (venue, product, base window), the highest version kept.</summary>
public interface IFootprintStore
{
    /// <summary>Writes the windows in one transaction; a row is replaced only by a higher version. Returns the rows changed.</summary>
    Task<int> UpsertAsync(IReadOnlyList<FootprintWindow> windows, CancellationToken cancellationToken);

    /// <summary>The stored windows of (venue, product) whose start is in [from, to), ordered by start.</summary>
    Task<IReadOnlyList<FootprintWindow>> ReadAsync(string venue, string product, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}
