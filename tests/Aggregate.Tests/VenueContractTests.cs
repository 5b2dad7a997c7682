using System.Text;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Aggregate.Tests;

/// <summary>The venue in the topic contracts: JSON fields, keys, and records written before venues existed.</summary>
public class VenueContractTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_trade_carries_its_venue_and_text_id_on_the_wire()
    {
        var trade = new Trade("BTC-USDT", 42, T0, 60_000.5m, 0.001m, TakerSide.Sell) { Venue = Venues.BybitLinear, TextId = "6a1b2c3d-0000-4000-8000-000000000001" };

        var json = Encoding.UTF8.GetString(ContractSerializers.TradeSerializer.Serialize(trade, default));

        Assert.Contains("\"venue\":\"bybit-linear\"", json, StringComparison.Ordinal);
        Assert.Contains("\"textId\":\"6a1b2c3d-0000-4000-8000-000000000001\"", json, StringComparison.Ordinal);
        Assert.Equal(trade, ContractSerializers.TradeDeserializer.Deserialize(Encoding.UTF8.GetBytes(json), false, default));
        Assert.Equal("bybit-linear|BTC-USDT", trade.Key);
    }

    [Fact]
    public void Records_written_before_venues_existed_are_coinbase_and_keep_their_keys()
    {
        var old = """{"product":"BTC-USD","tradeId":7,"time":"2026-01-01T00:00:00+00:00","price":"1","size":"2","side":"buy"}""".Replace("\"1\"", "1", StringComparison.Ordinal).Replace("\"2\"", "2", StringComparison.Ordinal);

        var trade = ContractSerializers.TradeDeserializer.Deserialize(Encoding.UTF8.GetBytes(old), false, default);

        Assert.Equal(Venues.Coinbase, trade.Venue);
        Assert.Null(trade.TextId);
        Assert.Equal("BTC-USD", trade.Key);
        var window = ContractSerializers.WindowDeserializer.Deserialize(
            Encoding.UTF8.GetBytes("""{"product":"BTC-USD","side":"sell","windowStart":"2026-01-01T00:00:00+00:00","trades":1,"baseVolume":2,"quoteVolume":2,"open":1,"high":1,"low":1,"close":1,"firstTradeId":7,"lastTradeId":7,"version":2,"final":false}"""),
            false,
            default);
        Assert.Equal(Venues.Coinbase, window.Venue);
        Assert.Equal("BTC-USD|sell|2026-01-01T00:00:00Z", window.Key);
    }

    [Theory]
    [InlineData("coinbase", "BTC-USD", "BTC-USD")]
    [InlineData("kraken", "BTC-USD", "kraken|BTC-USD")]
    [InlineData("bybit-linear", "BTC-USDT", "bybit-linear|BTC-USDT")]
    public void Stream_keys_round_trip(string venue, string product, string key)
    {
        Assert.Equal(key, StreamKey.Of(venue, product));
        Assert.Equal((venue, product), StreamKey.Parse(key));
    }

    [Theory]
    [InlineData("BTC-USD", true)]
    [InlineData("1INCH-USDT", true)]
    [InlineData("btc-usd", false)]
    [InlineData("BTCUSD", false)]
    [InlineData("BTC-USD-SWAP", false)]
    [InlineData("BTC|X-USD", false)]
    [InlineData("-USD", false)]
    public void Canonical_products_are_BASE_dash_QUOTE_upper_case(string product, bool canonical) =>
        Assert.Equal(canonical, Products.IsCanonical(product));

    [Fact]
    public void Legacy_asset_codes_map_to_canonical_ones() =>
        Assert.Equal("BTC-USD", Products.Of("XBT", "usd"));

    [Fact]
    public void Spot_and_derivative_venues_are_told_apart() =>
        Assert.Equal([Venues.BybitLinear], Venues.All.Where(v => !v.IsSpot).Select(v => v.Id));
}
