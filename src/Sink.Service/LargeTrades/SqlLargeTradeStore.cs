using System.Globalization;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Infrastructure;

namespace BitcoinVolume.Sink.LargeTrades;

/// <summary>
/// <see cref="ILargeTradeStore"/> on the volume database, SQLite or PostgreSQL, one SQL text for both. Decimals are TEXT in
/// invariant culture (exact round trip; SQLite has no exact numeric type), times are UTC ticks (exact), so the notional
/// filter runs on the decimals as read. Created with <c>CREATE TABLE IF NOT EXISTS</c>: an existing database just gains the
/// table.
/// </summary>
internal sealed class SqlLargeTradeStore(SqlDatabase database) : ILargeTradeStore, IAsyncDisposable
{
    /// <summary>PostgreSQL advisory lock of the schema creation.</summary>
    public const long SchemaLock = 7212026018;

    public const string Schema = """
        CREATE TABLE IF NOT EXISTS large_trades (
            venue text NOT NULL, product text NOT NULL, trade_id text NOT NULL, time_ticks bigint NOT NULL,
            side text NOT NULL CHECK (side IN ('buy', 'sell')), price text NOT NULL, size text NOT NULL, notional text NOT NULL,
            quote text NOT NULL, PRIMARY KEY (venue, product, trade_id));
        CREATE INDEX IF NOT EXISTS large_trades_by_time ON large_trades (venue, product, time_ticks);
        """;

    private const string InsertSql = """
        INSERT INTO large_trades (venue, product, trade_id, time_ticks, side, price, size, notional, quote)
        VALUES (@venue, @product, @id, @time, @side, @price, @size, @notional, @quote)
        ON CONFLICT (venue, product, trade_id) DO NOTHING;
        """;

    private const string RangeSql = """
        SELECT trade_id, time_ticks, side, price, size, notional, quote FROM large_trades
        WHERE venue = @venue AND product = @product AND time_ticks >= @from AND time_ticks < @to AND (@side = '' OR side = @side)
        ORDER BY time_ticks DESC;
        """;

    public async Task<int> UpsertAsync(IReadOnlyList<LargeTrade> trades, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trades);
        if (trades.Count == 0)
        {
            return 0;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var added = 0;
        foreach (var t in trades)
        {
            await using var command = SqlDatabase.Command(
                connection, InsertSql, ("venue", t.Venue), ("product", t.Product), ("id", t.TradeId), ("time", t.Time.UtcTicks), ("side", SideText(t.Side)),
                ("price", Text(t.Price)), ("size", Text(t.Size)), ("notional", Text(t.Notional)), ("quote", t.Quote));
            command.Transaction = transaction;
            added += await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return added;
    }

    public async Task<IReadOnlyList<LargeTrade>> GetAsync(
        IReadOnlyList<StoredStream> streams, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, decimal? minNotional, TakerSide? side, int limit,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(streams);
        var result = new List<LargeTrade>();
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var stream in streams)
        {
            await using var command = SqlDatabase.Command(
                connection, RangeSql, ("venue", stream.Venue), ("product", stream.Product), ("from", fromInclusive.UtcTicks), ("to", toExclusive.UtcTicks),
                ("side", side is { } s ? SideText(s) : string.Empty));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);

            // Newest first; past `limit` matches only the rest of the last time's ties are read (the final order breaks them).
            var kept = 0;
            long lastTicks = long.MinValue;
            while (await reader.ReadAsync(cancellationToken))
            {
                var ticks = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
                if (kept >= limit && ticks != lastTicks)
                {
                    break;
                }

                var notional = decimal.Parse(reader.GetString(5), NumberStyles.Number, CultureInfo.InvariantCulture);
                if (minNotional is { } min && notional < min)
                {
                    continue;
                }

                result.Add(new LargeTrade(
                    stream.Venue, stream.Product, reader.GetString(0), new DateTimeOffset(ticks, TimeSpan.Zero),
                    reader.GetString(2) == "buy" ? TakerSide.Buy : TakerSide.Sell,
                    decimal.Parse(reader.GetString(3), NumberStyles.Number, CultureInfo.InvariantCulture),
                    decimal.Parse(reader.GetString(4), NumberStyles.Number, CultureInfo.InvariantCulture), notional, reader.GetString(6)));
                kept++;
                lastTicks = ticks;
            }
        }

        return
        [
            .. result.OrderByDescending(t => t.Time)
                .ThenBy(t => t.Venue, StringComparer.Ordinal).ThenBy(t => t.Product, StringComparer.Ordinal).ThenBy(t => t.TradeId, StringComparer.Ordinal)
                .Take(limit),
        ];
    }

    public ValueTask DisposeAsync() => database.DisposeAsync();

    private static string SideText(TakerSide side) => side == TakerSide.Buy ? "buy" : "sell";

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
