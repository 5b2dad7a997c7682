namespace BitcoinVolume.Sink.Model;

/// <summary>
/// One bar of <c>GET /api/footprint</c>: its levels at the requested tick (ascending by price), the point of control and
/// the value area (docs/SINK.md, "Footprint").
/// </summary>
/// <param name="Start">Bar start (<see cref="DateTimeKind.Utc"/>: serialized with <c>Z</c>).</param>
/// <param name="Tick">The price step of the levels.</param>
/// <param name="Levels">Levels with trades, ascending by price.</param>
/// <param name="Poc">Price of the level with the largest total (buy + sell) base volume; ties: the lowest such price.</param>
/// <param name="ValueAreaHigh">Price of the highest level inside the value area (70 % of the bar's volume around the POC).</param>
/// <param name="ValueAreaLow">Price of the lowest level inside the value area.</param>
/// <param name="Trades">Trades of the bar (both sides).</param>
/// <param name="Final">True when every base window of the bar is final.</param>
public sealed record FootprintBar(
    DateTime Start,
    decimal Tick,
    IReadOnlyList<FootprintBarLevel> Levels,
    decimal Poc,
    decimal ValueAreaHigh,
    decimal ValueAreaLow,
    long Trades,
    bool Final);

/// <summary>One level of a <see cref="FootprintBar"/>: trades with price in [price, price + tick), per taker side, and its diagonal imbalances.</summary>
/// <param name="Price">Lower bound of the level (a multiple of the tick).</param>
/// <param name="BuyBase">Σ size bought by takers (at the ask).</param>
/// <param name="SellBase">Σ size sold by takers (at the bid).</param>
/// <param name="BuyTrades">Buyer-initiated trades.</param>
/// <param name="SellTrades">Seller-initiated trades.</param>
/// <param name="BuyImbalance">buyBase ≥ ratio × sellBase of the level one tick below (both inside the bar's range; a missing level counts 0).</param>
/// <param name="SellImbalance">sellBase ≥ ratio × buyBase of the level one tick above (both inside the bar's range; a missing level counts 0).</param>
public sealed record FootprintBarLevel(
    decimal Price,
    decimal BuyBase,
    decimal SellBase,
    long BuyTrades,
    long SellTrades,
    bool BuyImbalance,
    bool SellImbalance);
