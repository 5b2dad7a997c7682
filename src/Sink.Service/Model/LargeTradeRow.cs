using BitcoinVolume.Contracts;

namespace BitcoinVolume.Sink.Model;

/// <summary>One large single trade as <c>GET /api/trades/large</c> returns it.</summary>
/// <param name="Venue">Venue id.</param>
/// <param name="Product">Canonical product id.</param>
/// <param name="TradeId">The venue's trade id (numeric, or its text id).</param>
/// <param name="Time">Event time (UTC).</param>
/// <param name="Side">Taker side: <c>buy</c> or <c>sell</c>.</param>
/// <param name="Price">Quote currency per unit of base.</param>
/// <param name="Size">Base quantity.</param>
/// <param name="Notional">Price × size in <paramref name="Quote"/>, exact.</param>
/// <param name="Quote">The product's quote currency.</param>
public sealed record LargeTradeRow(string Venue, string Product, string TradeId, DateTime Time, TakerSide Side, decimal Price, decimal Size, decimal Notional, string Quote)
{
    public const string CsvHeader = "time,venue,product,tradeId,side,price,size,notional,quote";

    public static LargeTradeRow Of(LargeTrade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        return new(trade.Venue, trade.Product, trade.TradeId, trade.Time.UtcDateTime, trade.Side, trade.Price, trade.Size, trade.Notional, trade.Quote);
    }
}
