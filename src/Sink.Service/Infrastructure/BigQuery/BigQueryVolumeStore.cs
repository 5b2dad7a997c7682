using System.Globalization;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Consumer;

namespace BitcoinVolume.Sink.Infrastructure.BigQuery;

/// <summary>
/// <see cref="IVolumeStore"/> that appends every version of every window to a BigQuery table through the REST
/// <c>tabledata.insertAll</c> (streaming insert) API. Each row carries its version and a deterministic <c>insertId</c>
/// (<c>key#version</c>), so a replayed batch is de-duplicated by BigQuery (best effort) and, whatever slips through, the
/// latest-version view (<see cref="BigQuerySql"/>) still returns exactly one row per window: copies of the same version
/// are identical. Reads are not served by this store (<see cref="SupportsQueries"/> is false; the API answers 501).
/// <para>
/// Requests, auth and retries are those of <see cref="BigQueryTableWriter"/> (bounded, counted in <c>sink.store.retries</c>);
/// an invalid row or any other 4xx fails the batch at once with <see cref="BigQueryInsertException"/> (nothing is committed
/// to Kafka).
/// </para>
/// </summary>
public sealed class BigQueryVolumeStore : IVolumeStore
{
    private readonly BigQueryTableWriter writer;

    public BigQueryVolumeStore(
        HttpClient http, BigQueryOptions options, IAccessTokenSource tokens, TimeProvider? timeProvider = null, ILogger? logger = null, SinkMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        writer = new BigQueryTableWriter(http, options, options.Table, tokens, "bigquery", timeProvider, logger, metrics);
    }

    public string Name => "bigquery";

    public bool SupportsQueries => false;

    /// <summary>The row id BigQuery de-duplicates on: the window's Kafka key and its version.</summary>
    public static string InsertIdOf(WindowVolume window)
    {
        ArgumentNullException.ThrowIfNull(window);
        return $"{window.Key}#{window.Version.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>Sends the latest version of each window (in requests of at most <see cref="BigQueryOptions.MaxRowsPerRequest"/> rows); returns the number of rows sent.</summary>
    public async Task<int> UpsertAsync(IReadOnlyList<WindowVolume> windows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.Count == 0)
        {
            return 0;
        }

        var insertedAt = writer.Now();
        var rows = WindowBatch.LatestPerKey(windows).Select(w => ToRow(w, insertedAt)).ToList();
        await writer.InsertAsync(rows, BigQueryJsonContext.Default.InsertAllRequestVolumeRow, cancellationToken).ConfigureAwait(false);
        return rows.Count;
    }

    public Task<IReadOnlyList<WindowVolume>> GetWindowRowsAsync(
        string venue, string product, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, CancellationToken cancellationToken = default) =>
        throw NoQueries();

    public Task<IReadOnlyList<StoredStream>> GetStreamsAsync(CancellationToken cancellationToken = default) => throw NoQueries();

    public Task<(DateTimeOffset First, DateTimeOffset Last)?> GetExtentAsync(string venue, string product, CancellationToken cancellationToken = default) =>
        throw NoQueries();

    /// <summary>No cheap probe without extra permissions: the health of writes is reported by the consumer.</summary>
    public Task PingAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>What every read of a BigQuery store throws: reads are not served (the routes answer 501 before asking).</summary>
    internal static NotSupportedException NoQueries() =>
        new("The BigQuery store does not serve queries: query the latest-version views in BigQuery (docs/SINK.md).");

    private static InsertAllRow<VolumeRow> ToRow(WindowVolume w, string insertedAt) => new(
        InsertIdOf(w),
        new VolumeRow(
            w.Venue,
            w.Product,
            WindowBatch.SideToText(w.Side),
            w.WindowStart.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            w.Trades,
            Text(w.BaseVolume),
            Text(w.QuoteVolume),
            Text(w.Open),
            Text(w.High),
            Text(w.Low),
            Text(w.Close),
            w.FirstTradeId,
            w.LastTradeId,
            w.Version,
            w.Final,
            insertedAt,
            w.Complete,
            w.IncompleteReason,
            w.SizeClasses is { } classes ? [.. classes.Select(c => new SizeClassRow(Text(c.Min), c.Max is { } max ? Text(max) : null, c.Trades, Text(c.BaseVolume)))] : []));

    private static string Text(decimal value) => BigQueryTableWriter.Text(value);
}
