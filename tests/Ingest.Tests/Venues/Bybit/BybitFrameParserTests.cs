using System.Text;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Venues.Bybit;

namespace BitcoinVolume.Ingest.Tests.Venues.Bybit;

/// <summary>
/// The Bybit v5 parser on frames from Bybit's documentation. There is no Bybit recording: the trade frame below is the
/// response example of https://bybit-exchange.github.io/docs/v5/websocket/public/trade (linear, UUID id), the replies
/// are those of https://bybit-exchange.github.io/docs/v5/ws/connect.
/// </summary>
public sealed class BybitFrameParserTests
{
    /// <summary>Quoted from the v5 "Trade" page's response example.</summary>
    private const string DocsTradeFrame =
        """{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486868,"data":[{"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":"0.001","p":"16578.50","L":"PlusTick","i":"20f43950-d8dd-5b31-9112-a178eb6023af","BT":false,"seq":1783284617}]}""";

    private readonly BybitFrameParser linear = BybitTestVenues.Parser(BybitTestVenues.Linear());
    private readonly BybitFrameParser spot = BybitTestVenues.Parser(BybitTestVenues.Spot());

    [Fact]
    public void The_docs_linear_trade_is_parsed_field_by_field_with_the_uuid_as_text_id_and_seq_as_order()
    {
        var trades = new List<Trade>();

        var result = linear.Parse(DocsTradeFrame, trades);

        Assert.Equal(new FrameResult(FrameKind.Trades, 1, BybitFrameParser.TradeTopic), result);
        var trade = Assert.Single(trades);
        Assert.Equal("bybit-linear", trade.Venue);
        Assert.Equal("BTC-USDT", trade.Product);
        Assert.Equal("20f43950-d8dd-5b31-9112-a178eb6023af", trade.TextId);
        Assert.Equal(1783284617L, trade.TradeId);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1672304486865), trade.Time);
        Assert.Equal("16578.50", trade.Price.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0.001m, trade.Size);
        Assert.Equal(TakerSide.Buy, trade.Side);
        Assert.Equal("bybit-linear|BTC-USDT", trade.Key);
    }

    [Fact]
    public void A_spot_trade_with_a_numeric_id_keeps_it_as_the_trade_id()
    {
        var trades = new List<Trade>();

        spot.Parse(DocsTradeFrame.Replace("20f43950-d8dd-5b31-9112-a178eb6023af", "2290000000061666327", StringComparison.Ordinal), trades);

        var trade = Assert.Single(trades);
        Assert.Equal(("bybit", 2290000000061666327L, (string?)null), (trade.Venue, trade.TradeId, trade.TextId));
    }

    [Fact]
    public void A_spot_id_that_is_not_a_number_is_the_text_id_ordered_by_seq()
    {
        var trades = new List<Trade>();

        spot.Parse(DocsTradeFrame, trades);

        Assert.Equal(("20f43950-d8dd-5b31-9112-a178eb6023af", 1783284617L), (Assert.Single(trades).TextId, trades[0].TradeId));
    }

    [Theory]
    [InlineData("Buy", TakerSide.Buy)]
    [InlineData("Sell", TakerSide.Sell)]
    public void The_S_field_is_the_takers_side_and_is_not_flipped(string s, TakerSide expected)
    {
        var trades = new List<Trade>();

        linear.Parse(DocsTradeFrame.Replace("\"S\":\"Buy\"", $"\"S\":\"{s}\"", StringComparison.Ordinal), trades);

        Assert.Equal(expected, Assert.Single(trades).Side);
    }

    [Fact]
    public void Several_trades_in_one_frame_all_come_out_and_one_bad_trade_does_not_lose_the_good_ones()
    {
        const string frame = """
            {"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486868,"data":[
              {"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":"0.001","p":"16578.50","i":"2290000000061666327","BT":false,"seq":1},
              {"T":1672304486866,"s":"BTCUSDT","S":"Up","v":"0.002","p":"16578.50","i":"2290000000061666328","BT":false,"seq":2},
              {"T":1672304486867,"s":"BTCUSDT","S":"Sell","v":"0.000001","p":"16578.49","i":"2290000000061666329","BT":true,"seq":3}]}
            """;
        var trades = new List<Trade>();

        var result = spot.Parse(frame, trades);

        Assert.Equal((FrameKind.Invalid, DeadLetterReasons.InvalidSide, 2), (result.Kind, result.Reason, result.Trades));
        Assert.StartsWith("trade #1:", result.Detail, StringComparison.Ordinal);
        Assert.Equal([(2290000000061666327L, TakerSide.Buy, 0.001m), (2290000000061666329L, TakerSide.Sell, 0.000001m)],
            trades.Select(t => (t.TradeId, t.Side, t.Size)));
    }

    [Fact]
    public void A_symbol_not_in_the_instrument_list_is_unknown_never_guessed()
    {
        var trades = new List<Trade>();

        var result = linear.Parse(DocsTradeFrame.Replace("\"s\":\"BTCUSDT\"", "\"s\":\"ETHUSDT\"", StringComparison.Ordinal), trades);

        Assert.Equal((FrameKind.Invalid, DeadLetterReasons.UnknownSymbol), (result.Kind, result.Reason));
        Assert.Contains("ETHUSDT", result.Detail, StringComparison.Ordinal);
        Assert.Empty(trades);
    }

    [Theory]
    [InlineData("""{"success":true,"ret_msg":"","conn_id":"cejreaspqfh3sjdnldmg-p","req_id":"publicTrade.BTCUSDT","op":"subscribe"}""", FrameKind.Ignored, "subscribe")]
    [InlineData("""{"success":true,"ret_msg":"subscribe","conn_id":"2324d924-aa4d-45b0-a858-7b8be29ab52b","op":"subscribe"}""", FrameKind.Ignored, "subscribe")]
    [InlineData("""{"success":true,"ret_msg":"pong","conn_id":"0970e817-426e-429a-a679-ff7f55e0b16a","op":"ping"}""", FrameKind.Heartbeat, "pong")]
    [InlineData("""{"req_id":"","op":"pong","args":["1675418560633"],"conn_id":"cfcb4ocsvfriu23r3er0-1b"}""", FrameKind.Heartbeat, "pong")]
    [InlineData("""{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1672304486999,"data":{"s":"BTCUSDT","b":[["16578.40","1.2"]],"a":[],"u":18521288,"seq":1783284620}}""", FrameKind.Ignored, "orderbook")]
    [InlineData("""{"topic":"kline.1.BTCUSDT","type":"snapshot","ts":1672324988882,"data":[{"start":1672324800000,"end":1672324859999,"interval":"1","open":"16649.5","close":"16677","high":"16677","low":"16608","volume":"2.081","turnover":"34666.4005","confirm":false,"timestamp":1672324988882}]}""", FrameKind.Ignored, "kline")]
    [InlineData("""{"topic":"tickers.BTCUSDT","type":"snapshot","ts":1673853746003,"cs":2588407389,"data":{"symbol":"BTCUSDT","lastPrice":"21109.77"}}""", FrameKind.Ignored, "tickers")]
    public void Replies_pongs_and_other_topics_are_not_trades(string frame, FrameKind kind, string label)
    {
        var trades = new List<Trade>();

        var result = linear.Parse(frame, trades);

        Assert.Equal((kind, label), (result.Kind, result.Label));
        Assert.Empty(trades);
    }

    [Fact]
    public void A_refused_subscription_is_rejected_naming_the_topic_and_product()
    {
        var result = linear.Parse("""{"success":false,"ret_msg":"error:handler not found","conn_id":"cejreaspqfh3sjdnldmg-p","req_id":"publicTrade.BTCUSDT","op":"subscribe"}""", []);

        Assert.Equal((FrameKind.Invalid, DeadLetterReasons.SubscriptionRejected), (result.Kind, result.Reason));
        Assert.Equal("bybit-linear refused publicTrade.BTCUSDT (product BTC-USDT): error:handler not found", result.Detail);
    }

    [Theory]
    [InlineData("""{"topic":"surprise.BTCUSDT","data":[]}""", "topic 'surprise.BTCUSDT'")]
    [InlineData("""{"success":true,"op":"surprise"}""", "op 'surprise'")]
    public void A_frame_of_a_named_but_unknown_type_is_ignored_as_news_not_dead_lettered(string frame, string unknownType)
    {
        var trades = new List<Trade>();
        var result = linear.Parse(frame, trades);

        // Venues add message types at any time: ignored under one constant label (never the raw type), not invalid.
        Assert.Equal((FrameKind.Ignored, FrameResult.UnknownLabel, null), (result.Kind, result.Label, result.Reason));
        Assert.Equal(unknownType, result.UnknownType);
        Assert.Empty(trades);
    }

    [Theory]
    [InlineData("not json", DeadLetterReasons.MalformedJson)]
    [InlineData("[1,2]", DeadLetterReasons.MalformedJson)]
    [InlineData("""{"topic":"publicTrade.BTCUSDT","data":[]} x""", DeadLetterReasons.MalformedJson)]
    [InlineData("""{"hello":1}""", DeadLetterReasons.UnknownType)]
    [InlineData("""{"topic":"publicTrade.BTCUSDT","type":"snapshot"}""", DeadLetterReasons.MissingField)]
    [InlineData("""{"topic":"publicTrade.BTCUSDT","data":[{"T":1672304486865,"s":"BTCUSDT","S":"Buy","p":"1","i":"a","seq":1}]}""", DeadLetterReasons.MissingField)]
    [InlineData("""{"topic":"publicTrade.BTCUSDT","data":[{"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":"1","p":"1","i":"a-uuid"}]}""", DeadLetterReasons.MissingField)]
    [InlineData("""{"topic":"publicTrade.BTCUSDT","data":[{"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":"1e3","p":"1","i":"a","seq":1}]}""", DeadLetterReasons.InvalidNumber)]
    [InlineData("""{"topic":"publicTrade.BTCUSDT","data":[{"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":0.5,"p":"1","i":"a","seq":1}]}""", DeadLetterReasons.MissingField)]
    [InlineData("""{"topic":"publicTrade.BTCUSDT","data":[{"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":"-1","p":"1","i":"a","seq":1}]}""", DeadLetterReasons.InvalidNumber)]
    [InlineData("""{"topic":"publicTrade.BTCUSDT","data":[{"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":"0","p":"1","i":"a","seq":1}]}""", DeadLetterReasons.NonPositiveSize)]
    [InlineData("""{"topic":"publicTrade.BTCUSDT","data":[{"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":"1","p":"0.0","i":"a","seq":1}]}""", DeadLetterReasons.NonPositivePrice)]
    [InlineData("""{"topic":"publicTrade.BTCUSDT","data":[{"T":"1672304486865","s":"BTCUSDT","S":"Buy","v":"1","p":"1","i":"a","seq":1}]}""", DeadLetterReasons.InvalidTime)]
    [InlineData("""{"topic":"publicTrade.BTCUSDT","data":[{"T":1000,"s":"BTCUSDT","S":"Buy","v":"1","p":"1","i":"a","seq":1}]}""", DeadLetterReasons.AbsurdTime)]
    [InlineData("""{"topic":"publicTrade.BTCUSDT","data":[{"T":99999999999999,"s":"BTCUSDT","S":"Buy","v":"1","p":"1","i":"a","seq":1}]}""", DeadLetterReasons.AbsurdTime)]
    [InlineData("""{"topic":"publicTrade.BTCUSDT","data":[{"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":"1","p":"1","i":"a","seq":"7"}]}""", DeadLetterReasons.InvalidNumber)]
    [InlineData("""{"topic":"publicTrade.BTCUSDT","data":[7]}""", DeadLetterReasons.MalformedJson)]
    [InlineData("""{"success":false,"ret_msg":"auth failed","op":"auth"}""", DeadLetterReasons.UnknownType)]
    public void Bad_frames_are_invalid_with_a_reason_and_never_throw(string frame, string reason)
    {
        var trades = new List<Trade>();

        var result = linear.Parse(frame, trades);

        Assert.Equal((FrameKind.Invalid, reason), (result.Kind, result.Reason));
        Assert.Empty(trades);
    }

    [Fact]
    public void An_oversized_frame_is_refused_before_parsing()
    {
        var parser = new BybitFrameParser(BybitCategory.Linear, "bybit-linear", new FrameParserOptions { MaxFrameBytes = 64 }, TimeProvider.System,
            Ingest.Venues.SymbolMap.ForProducts(BybitTestVenues.Linear(), ["BTC-USDT"]));

        Assert.Equal(DeadLetterReasons.OversizedFrame, parser.Parse(DocsTradeFrame, []).Reason);
    }

    [Fact]
    public void Random_and_truncated_input_never_throws()
    {
        var random = new Random(13);
        var docs = Encoding.UTF8.GetBytes(DocsTradeFrame);
        for (var i = 0; i < 5000; i++)
        {
            var bytes = i % 2 == 0 ? docs[..random.Next(docs.Length)] : docs.ToArray();
            if (i % 2 == 1)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            var trades = new List<Trade>();
            var result = linear.Parse(bytes, trades);
            Assert.True(result.Kind != FrameKind.Trades || trades.Count == result.Trades);
        }
    }
}
