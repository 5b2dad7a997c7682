using System.Text.Json.Serialization;

namespace BitcoinVolume.Contracts;

/// <summary>The side of the TAKER (aggressor). Coinbase's own <c>side</c> field is the maker's: it is flipped on ingest.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TakerSide>))]
public enum TakerSide
{
    [JsonStringEnumMemberName("buy")]
    Buy,

    [JsonStringEnumMemberName("sell")]
    Sell,
}

/// <summary>
/// One trade as it crosses topic <see cref="Topics.Trades"/> (key = <see cref="StreamKey.Of"/>(<see cref="Venue"/>,
/// <see cref="Product"/>)). <see cref="Side"/> is always the taker's side. Identity is (venue, product, trade id).
/// </summary>
/// <param name="Product">Canonical product id (<c>BASE-QUOTE</c>, upper case), e.g. <c>BTC-USD</c>.</param>
/// <param name="TradeId">
/// The venue's numeric trade id (contiguous per product on Coinbase, Binance, Kraken, OKX; rising with holes on Bitstamp
/// and Bybit spot). For a venue whose ids are not numbers (<see cref="TextId"/> set, e.g. Bybit linear UUIDs) it is a
/// number the venue gives that orders its trades (Bybit's <c>seq</c>), used only for open/close order.
/// </param>
/// <param name="Time">Event time of the trade (UTC).</param>
/// <param name="Price">Quote currency per unit of base.</param>
/// <param name="Size">Base quantity, always &gt; 0.</param>
/// <param name="Side">Taker side.</param>
public sealed record Trade(
    string Product,
    long TradeId,
    DateTimeOffset Time,
    decimal Price,
    decimal Size,
    TakerSide Side)
{
    /// <summary>The venue id (<see cref="Venues"/>); a record written before venues existed has none and is Coinbase's.</summary>
    public string Venue
    {
        get => field;

        // null (an old record without the field, as the generated deserializer passes it) is Coinbase.
        init => field = value ?? Venues.Coinbase;
    }

    = Venues.Coinbase;

    /// <summary>
    /// The venue's trade id when it is not a number (Bybit linear perpetuals: a UUID), else null. When set, identity and
    /// dedup use it instead of <see cref="TradeId"/>.
    /// </summary>
    public string? TextId { get; init; }

    /// <summary>The Kafka key of this trade: <see cref="StreamKey.Of"/>(venue, product).</summary>
    [JsonIgnore]
    public string Key => StreamKey.Of(Venue, Product);
}

/// <summary>A frame that could not be turned into trades, as it crosses <see cref="Topics.TradesDeadLetter"/>.</summary>
/// <param name="Reason">Machine-readable reason, e.g. <c>malformed_json</c>.</param>
/// <param name="Detail">Human-readable detail.</param>
/// <param name="Source">Where the frame came from (e.g. <c>replay:/path:42</c>).</param>
/// <param name="Raw">The raw frame text, as received (possibly truncated when oversized).</param>
/// <param name="ReceivedAt">Wall-clock time the frame was received.</param>
public sealed record DeadLetter(string Reason, string Detail, string Source, string Raw, DateTimeOffset ReceivedAt);
