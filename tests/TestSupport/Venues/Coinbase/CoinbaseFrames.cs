using System.Globalization;
using BitcoinVolume.Contracts;
using Microsoft.AspNetCore.Http;

namespace BitcoinVolume.TestSupport;

/// <summary>
/// How a trade looks on Coinbase, for the Coinbase fakes: Exchange websocket frames (<c>match</c>/<c>last_match</c>,
/// <c>heartbeat</c>, <c>subscriptions</c>), Advanced Trade <c>market_trades</c> elements and envelopes, and the REST
/// <c>GET /products/{id}/trades</c> answer with its cursor headers. Coinbase's <c>side</c> is the MAKER's: the opposite of
/// the trade's taker side.
/// </summary>
public static class CoinbaseFrames
{
    /// <summary>Coinbase's <c>side</c> of a trade: the maker's, the opposite of <see cref="Trade.Side"/>.</summary>
    public static string MakerSide(Trade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        return trade.Side == TakerSide.Buy ? "sell" : "buy";
    }

    /// <summary>An Exchange feed <c>match</c> (or <c>last_match</c>) frame.</summary>
    public static string Match(Trade trade, long sequence, string type = "match")
    {
        ArgumentNullException.ThrowIfNull(trade);
        return string.Create(CultureInfo.InvariantCulture,
            $$"""{"type":"{{type}}","trade_id":{{trade.TradeId}},"maker_order_id":"m{{trade.TradeId}}","taker_order_id":"t{{trade.TradeId}}","side":"{{MakerSide(trade)}}","size":"{{trade.Size}}","price":"{{trade.Price}}","product_id":"{{trade.Product}}","sequence":{{sequence}},"time":"{{TimeText(trade.Time)}}"}""");
    }

    /// <summary>An Exchange feed <c>heartbeat</c>: the product's latest trade id, at the current time.</summary>
    public static string Heartbeat(string product, long lastTradeId, long sequence) => string.Create(CultureInfo.InvariantCulture,
        $$"""{"type":"heartbeat","sequence":{{sequence}},"last_trade_id":{{lastTradeId}},"product_id":"{{product}}","time":"{{TimeText(DateTimeOffset.UtcNow)}}"}""");

    /// <summary>The Exchange feed's answer to a subscribe: the <c>matches</c> channel of <paramref name="products"/>.</summary>
    public static string Subscriptions(IEnumerable<string> products) =>
        "{\"type\":\"subscriptions\",\"channels\":[{\"name\":\"matches\",\"product_ids\":[" + Quoted(products) + "]}]}";

    /// <summary>An element of an Advanced Trade <c>market_trades</c> event.</summary>
    public static string AdvancedTrade(Trade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        return string.Create(CultureInfo.InvariantCulture,
            $$"""{"trade_id":"{{trade.TradeId}}","product_id":"{{trade.Product}}","price":"{{trade.Price}}","size":"{{trade.Size}}","side":"{{MakerSide(trade).ToUpperInvariant()}}","time":"{{TimeText(trade.Time)}}"}""");
    }

    /// <summary>An Advanced Trade message of <paramref name="channel"/> carrying <paramref name="events"/> (a JSON array).</summary>
    public static string AdvancedEnvelope(string channel, string events, long sequence) => string.Create(CultureInfo.InvariantCulture,
        $$"""{"channel":"{{channel}}","client_id":"","timestamp":"{{AdvancedNow}}","sequence_num":{{sequence}},"events":{{events}}}""");

    /// <summary>An Advanced Trade <c>heartbeats</c> message.</summary>
    public static string AdvancedHeartbeat(long counter, long sequence) =>
        AdvancedEnvelope("heartbeats", string.Create(CultureInfo.InvariantCulture, $"[{{\"current_time\":\"{AdvancedNow}\",\"heartbeat_counter\":{counter}}}]"), sequence);

    /// <summary>Advanced Trade's answer to a subscribe: the <c>market_trades</c> channel of <paramref name="products"/>.</summary>
    public static string AdvancedSubscriptions(IEnumerable<string> products, long sequence) =>
        AdvancedEnvelope("subscriptions", "[{\"subscriptions\":{\"market_trades\":[" + Quoted(products) + "]}}]", sequence);

    /// <summary>An element of a REST <c>GET /products/{id}/trades</c> page.</summary>
    public static string RestTrade(Trade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        return string.Create(CultureInfo.InvariantCulture,
            $$"""{"time":"{{TimeText(trade.Time)}}","trade_id":{{trade.TradeId}},"price":"{{trade.Price}}","size":"{{trade.Size}}","side":"{{MakerSide(trade)}}"}""");
    }

    /// <summary>
    /// A REST page as Coinbase answers <c>?after=&amp;before=&amp;limit=</c>: ids below <paramref name="after"/> (and above
    /// <paramref name="before"/>), newest first, at most <paramref name="limit"/>.
    /// </summary>
    public static List<Trade> Select(IEnumerable<Trade> trades, long? after, long? before, int limit)
    {
        var selected = trades
            .Where(t => (after is null || t.TradeId < after) && (before is null || t.TradeId > before))
            .OrderByDescending(t => t.TradeId);
        return [.. before is null ? selected.Take(limit) : selected.TakeLast(limit)];
    }

    /// <summary>A REST page's body and its cursors: <c>CB-BEFORE</c> (the newest id) and <c>CB-AFTER</c> (the oldest), null when empty.</summary>
    public static (string Body, long? Before, long? After) Page(IReadOnlyList<Trade> newestFirst)
    {
        ArgumentNullException.ThrowIfNull(newestFirst);
        return ("[" + string.Join(",", newestFirst.Select(RestTrade)) + "]", newestFirst.Count > 0 ? newestFirst[0].TradeId : null, newestFirst.Count > 0 ? newestFirst[^1].TradeId : null);
    }

    /// <summary>
    /// The answer to <c>GET /products/{id}/trades</c>: 404 for an unknown product, 400 for a limit outside 1..1000, else the
    /// page <paramref name="newestFirst"/> gives for the limit (default 1000) with the <c>CB-BEFORE</c>/<c>CB-AFTER</c> headers.
    /// </summary>
    public static IResult RestAnswer(HttpContext context, bool knownProduct, int? limit, Func<int, IReadOnlyList<Trade>> newestFirst)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(newestFirst);
        if (!knownProduct)
        {
            return Results.NotFound(new { message = "NotFound" });
        }

        if (limit is < 1 or > 1000)
        {
            return Results.BadRequest(new { message = "limit must be between 1 and 1000" });
        }

        var (body, newest, oldest) = Page(newestFirst(limit ?? 1000));
        if (newest is not null)
        {
            context.Response.Headers["CB-BEFORE"] = newest.Value.ToString(CultureInfo.InvariantCulture);
            context.Response.Headers["CB-AFTER"] = oldest!.Value.ToString(CultureInfo.InvariantCulture);
        }

        return Results.Text(body, "application/json");
    }

    private static string AdvancedNow => DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static string TimeText(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static string Quoted(IEnumerable<string> products) => string.Join(",", products.Select(p => $"\"{p}\""));
}
