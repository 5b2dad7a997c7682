using System.Globalization;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Consumer;
using BitcoinVolume.Sink.LargeTrades;

namespace BitcoinVolume.Sink.Infrastructure.BigQuery;

/// <summary>
/// <see cref="ILargeTradeStore"/> that appends the large single trades of <c>trades.large</c> to a BigQuery table
/// (<see cref="BigQueryOptions.LargeTradesTable"/>) through <c>tabledata.insertAll</c>, with the requests and retries of
/// <see cref="BigQueryTableWriter"/>. The <c>insertId</c> is the trade's key (<c>venue|product|tradeId</c>): a replay is
/// de-duplicated by BigQuery (best effort; a query that must not count a copy groups by venue, product, trade_id). Reads are
/// not served: <see cref="GetAsync"/> throws, and <c>/api/large-trades</c> answers 501 before asking.
/// </summary>
public sealed class BigQueryLargeTradeStore : ILargeTradeStore
{
    private readonly BigQueryTableWriter writer;

    public BigQueryLargeTradeStore(
        HttpClient http, BigQueryOptions options, IAccessTokenSource tokens, TimeProvider? timeProvider = null, ILogger? logger = null, SinkMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        writer = new BigQueryTableWriter(http, options, options.LargeTradesTable, tokens, "bigquery", timeProvider, logger, metrics);
    }

    /// <summary>The row id BigQuery de-duplicates on: the trade's Kafka key.</summary>
    public static string InsertIdOf(LargeTrade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        return trade.Key;
    }

    /// <summary>Sends each trade of the batch once (a key seen twice in a batch is sent once); returns the number of rows sent.</summary>
    public async Task<int> UpsertAsync(IReadOnlyList<LargeTrade> trades, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trades);
        if (trades.Count == 0)
        {
            return 0;
        }

        var insertedAt = writer.Now();
        var rows = trades.DistinctBy(t => t.Key, StringComparer.Ordinal).Select(t => ToRow(t, insertedAt)).ToList();
        await writer.InsertAsync(rows, BigQueryJsonContext.Default.InsertAllRequestLargeTradeRow, cancellationToken).ConfigureAwait(false);
        return rows.Count;
    }

    /// <summary>Not served by BigQuery (query the table there).</summary>
    public Task<IReadOnlyList<LargeTrade>> GetAsync(
        IReadOnlyList<StoredStream> streams, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, decimal? minNotional, TakerSide? side, int limit,
        CancellationToken cancellationToken) =>
        throw BigQueryVolumeStore.NoQueries();

    private static InsertAllRow<LargeTradeRow> ToRow(LargeTrade t, string insertedAt) => new(
        InsertIdOf(t),
        new LargeTradeRow(
            t.Venue,
            t.Product,
            t.TradeId,
            t.Time.UtcDateTime.ToString(BigQueryTableWriter.TimestampFormat, CultureInfo.InvariantCulture),
            BigQueryTableWriter.Text(t.Price),
            BigQueryTableWriter.Text(t.Size),
            BigQueryTableWriter.Text(t.Notional),
            WindowBatch.SideToText(t.Side),
            t.Quote,
            insertedAt));
}
