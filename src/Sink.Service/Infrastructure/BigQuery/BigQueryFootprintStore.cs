using System.Globalization;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Consumer;
using BitcoinVolume.Sink.Footprint;

namespace BitcoinVolume.Sink.Infrastructure.BigQuery;

/// <summary>
/// <see cref="IFootprintStore"/> that appends every version of every footprint window to a BigQuery table
/// (<see cref="BigQueryOptions.FootprintTable"/>) through <c>tabledata.insertAll</c>, with the requests and retries of
/// <see cref="BigQueryTableWriter"/>. Each row carries a deterministic <c>insertId</c> (<c>key#version</c>), so a replayed
/// batch is de-duplicated by BigQuery (best effort), and the latest-version view (<see cref="BigQuerySql.CreateLatestFootprintView"/>)
/// returns one row per window whatever slips through. Reads are not served: <see cref="ReadAsync"/> throws, and
/// <c>/api/footprint</c> answers 501 before asking (the volume store's <c>SupportsQueries</c> is false).
/// </summary>
public sealed class BigQueryFootprintStore : IFootprintStore
{
    private readonly BigQueryTableWriter writer;

    public BigQueryFootprintStore(
        HttpClient http, BigQueryOptions options, IAccessTokenSource tokens, TimeProvider? timeProvider = null, ILogger? logger = null, SinkMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        writer = new BigQueryTableWriter(http, options, options.FootprintTable, tokens, "bigquery", timeProvider, logger, metrics);
    }

    /// <summary>The row id BigQuery de-duplicates on: the window's Kafka key and its version.</summary>
    public static string InsertIdOf(FootprintWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        return $"{window.Key}#{window.Version.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>Sends the latest version of each window in the batch; returns the number of rows sent.</summary>
    public async Task<int> UpsertAsync(IReadOnlyList<FootprintWindow> windows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.Count == 0)
        {
            return 0;
        }

        var insertedAt = writer.Now();
        var rows = windows
            .GroupBy(w => w.Key, StringComparer.Ordinal)
            .Select(g => g.MaxBy(w => w.Version)!)
            .Select(w => ToRow(w, insertedAt))
            .ToList();
        await writer.InsertAsync(rows, BigQueryJsonContext.Default.InsertAllRequestFootprintRow, cancellationToken).ConfigureAwait(false);
        return rows.Count;
    }

    /// <summary>Not served by BigQuery (query the latest-version view there).</summary>
    public Task<IReadOnlyList<FootprintWindow>> ReadAsync(string venue, string product, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
        throw BigQueryVolumeStore.NoQueries();

    private static InsertAllRow<FootprintRow> ToRow(FootprintWindow w, string insertedAt) => new(
        InsertIdOf(w),
        new FootprintRow(
            w.Venue,
            w.Product,
            w.WindowStart.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            BigQueryTableWriter.Text(w.Tick),
            w.Trades,
            [.. w.Levels.Select(l => new FootprintLevelRow(
                BigQueryTableWriter.Text(l.Price), BigQueryTableWriter.Text(l.BuyBase), BigQueryTableWriter.Text(l.SellBase), l.BuyTrades, l.SellTrades))],
            w.Version,
            w.Final,
            insertedAt));
}
