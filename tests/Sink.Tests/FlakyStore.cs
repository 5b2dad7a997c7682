using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Infrastructure;

namespace BitcoinVolume.Sink.Tests;

/// <summary>
/// Wraps a store: fails the first <see cref="FailuresLeft"/> writes, and every write while <see cref="Down"/> is set
/// (before touching the database), logging each attempt.
/// </summary>
internal sealed class FlakyStore(IVolumeStore inner, EventLog log) : IVolumeStore
{
    private volatile bool down;

    public int FailuresLeft { get; set; }

    /// <summary>An outage: every write and ping fails until cleared.</summary>
    public bool Down
    {
        get => down;
        set => down = value;
    }

    public int Attempts { get; private set; }

    public string Name => inner.Name;

    public bool SupportsQueries => inner.SupportsQueries;

    public Task<int> UpsertAsync(IReadOnlyList<WindowVolume> windows, CancellationToken cancellationToken = default)
    {
        Attempts++;
        if (down || FailuresLeft > 0)
        {
            if (!down)
            {
                FailuresLeft--;
            }

            log.Add("write failed");
            throw new InvalidOperationException("database is down");
        }

        log.Add($"write {windows.Count} rows");
        return inner.UpsertAsync(windows, cancellationToken);
    }

    public Task<IReadOnlyList<WindowVolume>> GetWindowRowsAsync(
        string venue, string product, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, CancellationToken cancellationToken = default) =>
        inner.GetWindowRowsAsync(venue, product, fromInclusive, toExclusive, cancellationToken);

    public Task<IReadOnlyList<StoredStream>> GetStreamsAsync(CancellationToken cancellationToken = default) => inner.GetStreamsAsync(cancellationToken);

    public Task<(DateTimeOffset First, DateTimeOffset Last)?> GetExtentAsync(string venue, string product, CancellationToken cancellationToken = default) =>
        inner.GetExtentAsync(venue, product, cancellationToken);

    public Task PingAsync(CancellationToken cancellationToken = default) =>
        down ? Task.FromException(new InvalidOperationException("database is down")) : inner.PingAsync(cancellationToken);
}
