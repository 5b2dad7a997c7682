using System.Globalization;
using System.Text.Json.Serialization;

namespace BitcoinVolume.Contracts;

/// <summary>
/// One single trade whose notional reached the aggregator's threshold for its quote currency
/// (<c>Aggregate:LargeTrades:MinNotional:&lt;QUOTE&gt;</c>), as it crosses topic <see cref="Topics.TradesLarge"/>
/// (key = <see cref="Key"/>, <c>venue|product|tradeId</c>). Only trades the aggregator counted are produced (never a
/// duplicate, never a too-late trade); a replay produces the same key and value, so duplicates on the topic are harmless.
/// </summary>
/// <param name="Venue">Venue id (<see cref="Venues"/>).</param>
/// <param name="Product">Canonical product id (<c>BASE-QUOTE</c>).</param>
/// <param name="TradeId">The venue's trade id: the numeric id, or the text id (<see cref="Trade.TextId"/>) when the venue's ids are not numbers.</param>
/// <param name="Time">Event time of the trade (UTC).</param>
/// <param name="Side">Taker side.</param>
/// <param name="Price">Quote currency per unit of base.</param>
/// <param name="Size">Base quantity.</param>
/// <param name="Notional">Price × size, exact, in <paramref name="Quote"/>.</param>
/// <param name="Quote">The product's quote currency (e.g. <c>USD</c>, <c>USDT</c>).</param>
public sealed record LargeTrade(
    string Venue,
    string Product,
    string TradeId,
    DateTimeOffset Time,
    TakerSide Side,
    decimal Price,
    decimal Size,
    decimal Notional,
    string Quote)
{
    /// <summary>
    /// The default thresholds (notional in the quote currency) of <c>Aggregate:LargeTrades:MinNotional</c>, which the sink's
    /// <c>Sink:LargeTrades:MinNotional</c> mirrors: the US dollar and its stablecoins from 100 000.
    /// </summary>
    public static IReadOnlyDictionary<string, decimal> DefaultMinNotional { get; } = new Dictionary<string, decimal>(StringComparer.OrdinalIgnoreCase)
    {
        ["USD"] = 100_000m,
        ["USDT"] = 100_000m,
        ["USDC"] = 100_000m,
    };

    /// <summary>The Kafka key: <c>venue|product|tradeId</c> (always with the venue, Coinbase's too).</summary>
    [JsonIgnore]
    public string Key => KeyOf(Venue, Product, TradeId);

    /// <summary>The key of a trade of (venue, product) with id <paramref name="tradeId"/>.</summary>
    public static string KeyOf(string venue, string product, string tradeId) =>
        string.Concat(venue, "|", product, "|", tradeId);

    /// <summary>The large-trade event of <paramref name="trade"/> with its notional (price × size).</summary>
    public static LargeTrade Of(Trade trade, decimal notional)
    {
        ArgumentNullException.ThrowIfNull(trade);
        return new LargeTrade(
            trade.Venue, trade.Product, trade.TextId ?? trade.TradeId.ToString(CultureInfo.InvariantCulture), trade.Time.ToUniversalTime(), trade.Side,
            trade.Price, trade.Size, notional, Products.QuoteOf(trade.Product));
    }
}
