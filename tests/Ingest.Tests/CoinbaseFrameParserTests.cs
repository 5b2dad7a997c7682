using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Venues.Coinbase;

namespace BitcoinVolume.Ingest.Tests;

public class CoinbaseFrameParserTests
{
    private readonly CoinbaseFrameParser parser = new();

    private const string ExchangeMatch =
        """{"type":"match","trade_id":280232,"maker_order_id":"2a0d","taker_order_id":"3c82","side":"sell","size":"985","price":"0.00001305","product_id":"SKL-BTC","sequence":177100030,"time":"2021-04-17T16:43:37.089723Z"}""";

    [Theory]
    [InlineData("sell", TakerSide.Buy)]
    [InlineData("buy", TakerSide.Sell)]
    public void Exchange_match_side_is_the_makers_and_is_flipped_to_the_taker(string makerSide, TakerSide expected)
    {
        var trades = new List<Trade>();
        var result = parser.Parse(ExchangeMatch.Replace("\"side\":\"sell\"", $"\"side\":\"{makerSide}\"", StringComparison.Ordinal), trades);

        Assert.Equal(FrameKind.Trades, result.Kind);
        var trade = Assert.Single(trades);
        Assert.Equal(expected, trade.Side);
    }

    [Fact]
    public void Exchange_match_fields_are_exact()
    {
        var trades = new List<Trade>();
        parser.Parse(ExchangeMatch, trades);

        var trade = Assert.Single(trades);
        Assert.Equal(new Trade("SKL-BTC", 280232, new DateTimeOffset(2021, 4, 17, 16, 43, 37, TimeSpan.Zero).AddTicks(897230), 0.00001305m, 985m, TakerSide.Buy), trade);
        Assert.Equal("0.00001305", trade.Price.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Last_match_is_a_real_trade()
    {
        var trades = new List<Trade>();
        var result = parser.Parse(ExchangeMatch.Replace("\"type\":\"match\"", "\"type\":\"last_match\"", StringComparison.Ordinal), trades);

        Assert.Equal(FrameKind.Trades, result.Kind);
        Assert.Single(trades);
    }

    [Fact]
    public void Field_order_does_not_matter()
    {
        var trades = new List<Trade>();
        var result = parser.Parse("""{"time":"2021-04-17T16:43:37.089723Z","product_id":"X-Y","price":"2","size":"3","side":"buy","trade_id":7,"type":"match"}""", trades);

        Assert.Equal(FrameKind.Trades, result.Kind);
        Assert.Equal(new Trade("X-Y", 7, new DateTimeOffset(2021, 4, 17, 16, 43, 37, TimeSpan.Zero).AddTicks(897230), 2m, 3m, TakerSide.Sell), Assert.Single(trades));
    }

    [Fact]
    public void Advanced_trade_frame_with_several_trades_yields_all_of_them_flipped()
    {
        const string frame = """
            {"channel":"market_trades","client_id":"","timestamp":"2023-02-09T20:19:35.39625135Z","sequence_num":0,
             "events":[{"type":"snapshot","trades":[
               {"trade_id":"000000000","product_id":"ETH-USD","price":"1260.01","size":"0.3","side":"BUY","time":"2019-08-14T20:42:27.265Z"},
               {"trade_id":"000000001","product_id":"ETH-USD","price":"1260.02","size":"0.00000001","side":"SELL","time":"2019-08-14T20:42:27.265123456Z"}]},
               {"type":"update","trades":[
               {"trade_id":"12","product_id":"BTC-USD","price":"21921.74","size":"0.06317065","side":"SELL","time":"2023-02-09T20:19:35.396Z"}]}]}
            """;
        var trades = new List<Trade>();

        var result = parser.Parse(frame.ReplaceLineEndings(string.Empty), trades);

        Assert.Equal(new FrameResult(FrameKind.Trades, 3, CoinbaseFrameParser.AdvancedTradeFeed), result);
        Assert.Collection(
            trades,
            t => Assert.Equal(("ETH-USD", 0L, TakerSide.Sell, 1260.01m, 0.3m), (t.Product, t.TradeId, t.Side, t.Price, t.Size)),
            t =>
            {
                Assert.Equal(("ETH-USD", 1L, TakerSide.Buy, 0.00000001m), (t.Product, t.TradeId, t.Side, t.Size));
                Assert.Equal(new DateTimeOffset(2019, 8, 14, 20, 42, 27, TimeSpan.Zero).AddTicks(2651234), t.Time);
            },
            t => Assert.Equal(("BTC-USD", 12L, TakerSide.Buy, 21921.74m), (t.Product, t.TradeId, t.Side, t.Price)));
    }

    [Fact]
    public void Advanced_trade_frame_with_one_bad_trade_keeps_the_good_ones_and_is_dead_lettered()
    {
        const string frame = """{"channel":"market_trades","events":[{"type":"update","trades":[{"trade_id":"5","product_id":"BTC-USD","price":"1","size":"1","side":"BUY","time":"2023-02-09T20:19:35Z"},{"trade_id":"6","product_id":"BTC-USD","price":"1","size":"-1","side":"BUY","time":"2023-02-09T20:19:35Z"}]}]}""";
        var trades = new List<Trade>();

        var result = parser.Parse(frame, trades);

        Assert.Equal(FrameKind.Invalid, result.Kind);
        Assert.Equal(DeadLetterReasons.NonPositiveSize, result.Reason);
        Assert.Equal(1, result.Trades);
        Assert.Equal(5, Assert.Single(trades).TradeId);
    }

    [Theory]
    [InlineData("""{"type":"ticker","trade_id":1,"side":"buy"}""", "ticker")]
    [InlineData("""{"type":"l2update","product_id":"SKL-BTC","changes":[["sell","0.00001306","660.5"]]}""", "l2update")]
    [InlineData("""{"type":"subscriptions","channels":[]}""", "subscriptions")]
    [InlineData("""{"channel":"subscriptions","events":[{"subscriptions":{"market_trades":["BTC-USD"]}}]}""", "subscriptions")]
    public void Frames_of_other_channels_are_ignored(string frame, string label)
    {
        var trades = new List<Trade>();
        Assert.Equal(FrameResult.Ignored(label), parser.Parse(frame, trades));
        Assert.Empty(trades);
    }

    [Fact]
    public void Exchange_heartbeat_reports_the_products_last_trade_id()
    {
        var trades = new List<Trade>();
        var result = parser.Parse("""{"type":"heartbeat","sequence":1,"last_trade_id":5,"product_id":"BTC-USD","time":"2021-04-17T16:43:37Z"}""", trades);

        Assert.Equal(FrameResult.Heartbeat("heartbeat", "BTC-USD", 5), result);
        Assert.Equal(FrameKind.Heartbeat, result.Kind);
        Assert.Empty(trades);
    }

    [Theory]
    [InlineData("""{"type":"heartbeat","sequence":1,"product_id":"BTC-USD"}""", "BTC-USD")]
    [InlineData("""{"type":"heartbeat","last_trade_id":"x","product_id":"BTC-USD"}""", "BTC-USD")]
    [InlineData("""{"type":"heartbeat","last_trade_id":7}""", null)]
    public void Exchange_heartbeat_without_a_usable_last_trade_id_is_still_liveness(string frame, string? product)
    {
        var result = parser.Parse(frame, []);
        Assert.Equal(FrameResult.Heartbeat("heartbeat", product, null), result);
    }

    [Fact]
    public void Advanced_trade_heartbeats_are_liveness_without_a_trade_id()
    {
        var result = parser.Parse("""{"channel":"heartbeats","client_id":"","timestamp":"2023-06-23T20:31:26.122969572Z","sequence_num":0,"events":[{"current_time":"2023-06-23 20:31:56.121961769 +0000 UTC m=+91717.525857105","heartbeat_counter":3049}]}""", []);
        Assert.Equal(FrameResult.Heartbeat("heartbeats", null, null), result);
    }

    [Fact]
    public void Rest_trades_page_yields_taker_side_trades_of_the_requested_product()
    {
        const string page = """[{"time":"2021-04-17T16:43:37.089723Z","trade_id":74,"price":"10.00000000","size":"0.01000000","side":"buy"},{"time":"2021-04-17T16:43:36Z","trade_id":73,"price":"11","size":"2","side":"sell"}]""";
        var trades = new List<Trade>();

        var result = parser.ParseRestTrades(System.Text.Encoding.UTF8.GetBytes(page), "BTC-USD", trades);

        Assert.Equal(new FrameResult(FrameKind.Trades, 2, "rest"), result);
        Assert.Equal(
            [("BTC-USD", 74L, TakerSide.Sell, 10m, 0.01m), ("BTC-USD", 73L, TakerSide.Buy, 11m, 2m)],
            trades.Select(t => (t.Product, t.TradeId, t.Side, t.Price, t.Size)));
    }

    [Theory]
    [InlineData("{}", 0)]
    [InlineData("[{\"trade_id\":1}", 0)]
    [InlineData("""[{"time":"2021-04-17T16:43:36Z","trade_id":73,"price":"11","size":"-2","side":"sell"},{"time":"2021-04-17T16:43:36Z","trade_id":74,"price":"11","size":"2","side":"sell"}]""", 1)]
    public void Bad_rest_pages_are_invalid_and_keep_only_good_trades(string page, int good)
    {
        var trades = new List<Trade>();
        var result = parser.ParseRestTrades(System.Text.Encoding.UTF8.GetBytes(page), "BTC-USD", trades);
        Assert.Equal(FrameKind.Invalid, result.Kind);
        Assert.Equal(good, trades.Count);
        Assert.Equal(good, result.Trades);
    }

    [Theory]
    [InlineData("""{"type":"surprise"}""", "type 'surprise'")]
    [InlineData("""{"channel":"surprise","events":[]}""", "channel 'surprise'")]
    [InlineData("""{"type":"brand_new_thing","product_id":"BTC-USD"}""", "type 'brand_new_thing'")]
    public void A_frame_of_a_named_but_unknown_type_is_ignored_as_news_not_dead_lettered(string frame, string unknownType)
    {
        var trades = new List<Trade>();
        var result = parser.Parse(frame, trades);

        // Venues add message types at any time: ignored under one constant label (never the raw type), not invalid.
        Assert.Equal((FrameKind.Ignored, FrameResult.UnknownLabel, null), (result.Kind, result.Label, result.Reason));
        Assert.Equal(unknownType, result.UnknownType);
        Assert.Empty(trades);
    }

    [Theory]
    [InlineData("{not json", DeadLetterReasons.MalformedJson)]
    [InlineData("", DeadLetterReasons.MalformedJson)]
    [InlineData("[1,2]", DeadLetterReasons.MalformedJson)]
    [InlineData("""{"type":"match"} trailing""", DeadLetterReasons.MalformedJson)]
    [InlineData("""{"hello":"world"}""", DeadLetterReasons.UnknownType)]
    [InlineData("""{"type":"error","message":"Failed to subscribe","reason":"BTC-XXX is not a valid product"}""", DeadLetterReasons.SubscriptionRejected)]
    [InlineData("""{"type":"error","message":"rate limit exceeded"}""", DeadLetterReasons.CoinbaseError)]
    [InlineData("""{"type":"match","trade_id":1,"side":"sell","size":"1","product_id":"A-B","time":"2021-04-17T16:43:37Z"}""", DeadLetterReasons.MissingField)]
    [InlineData("""{"type":"match","trade_id":1,"side":"sell","size":"abc","price":"1","product_id":"A-B","time":"2021-04-17T16:43:37Z"}""", DeadLetterReasons.InvalidNumber)]
    [InlineData("""{"type":"match","trade_id":"x1","side":"sell","size":"1","price":"1","product_id":"A-B","time":"2021-04-17T16:43:37Z"}""", DeadLetterReasons.InvalidNumber)]
    [InlineData("""{"type":"match","trade_id":1,"side":"sell","size":"0","price":"1","product_id":"A-B","time":"2021-04-17T16:43:37Z"}""", DeadLetterReasons.NonPositiveSize)]
    [InlineData("""{"type":"match","trade_id":1,"side":"sell","size":"-2","price":"1","product_id":"A-B","time":"2021-04-17T16:43:37Z"}""", DeadLetterReasons.NonPositiveSize)]
    [InlineData("""{"type":"match","trade_id":1,"side":"sell","size":"1","price":"0","product_id":"A-B","time":"2021-04-17T16:43:37Z"}""", DeadLetterReasons.NonPositivePrice)]
    [InlineData("""{"type":"match","trade_id":1,"side":"up","size":"1","price":"1","product_id":"A-B","time":"2021-04-17T16:43:37Z"}""", DeadLetterReasons.InvalidSide)]
    [InlineData("""{"type":"match","trade_id":1,"side":"sell","size":"1","price":"1","product_id":"A-B","time":"yesterday"}""", DeadLetterReasons.InvalidTime)]
    [InlineData("""{"type":"match","trade_id":1,"side":"sell","size":"1","price":"1","product_id":"A-B","time":"1970-01-01T00:00:00Z"}""", DeadLetterReasons.AbsurdTime)]
    [InlineData("""{"type":"match","trade_id":1,"side":"sell","size":"1","price":"1","product_id":"A-B","time":"2999-01-01T00:00:00Z"}""", DeadLetterReasons.AbsurdTime)]
    public void Bad_frames_are_invalid_with_a_reason_and_yield_no_trades(string frame, string reason)
    {
        var trades = new List<Trade>();

        var result = parser.Parse(frame, trades);

        Assert.Equal(FrameKind.Invalid, result.Kind);
        Assert.Equal(reason, result.Reason);
        Assert.False(string.IsNullOrEmpty(result.Detail));
        Assert.Empty(trades);
    }

    [Fact]
    public void Oversized_frames_are_rejected_before_parsing()
    {
        var small = new CoinbaseFrameParser(new FrameParserOptions { MaxFrameBytes = 100 }, TimeProvider.System);
        var result = small.Parse(ExchangeMatch, []);
        Assert.Equal(DeadLetterReasons.OversizedFrame, result.Reason);
    }

    [Fact]
    public void Trades_already_in_the_output_list_are_kept_when_a_frame_is_bad()
    {
        var trades = new List<Trade>();
        parser.Parse(ExchangeMatch, trades);
        parser.Parse("""{"type":"match","trade_id":1}""", trades);
        Assert.Single(trades);
    }
}
