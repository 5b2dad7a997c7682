using System.Globalization;
using System.Text;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Venues;
using BitcoinVolume.Ingest.Venues.Okx;

namespace BitcoinVolume.Ingest.Tests.Venues.Okx;

/// <summary>
/// The OKX spot parser on the real recording (tests/data/cryptofeed/OKX.jsonl: v5 public <c>trades</c>, <c>books</c>,
/// <c>tickers</c> of BTC-USDT spot, a BTC-USD future and a UNI-USD swap on one connection) and on frames from OKX's v5
/// docs (trades, trades-all, subscribe answers, errors).
/// </summary>
public sealed class OkxFrameParserTests
{
    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    [Fact]
    public void Recording_gives_the_spot_trades_field_by_field_and_ignores_the_other_markets()
    {
        var venue = RecordingLines.Venue<OkxVenue>();
        var parser = venue.CreateParser(RecordingLines.Options, TimeProvider.System, RecordingLines.Symbols(venue, "OKX.jsonl"));
        var trades = new List<Trade>();
        var results = RecordingLines.Read("OKX.jsonl").Where(l => l.Type == "recv").Select(l => parser.Parse(Encoding.UTF8.GetBytes(l.Data!), trades)).ToList();

        Assert.DoesNotContain(results, r => r.Kind == FrameKind.Invalid);
        Assert.Equal(69, trades.Count);
        Assert.All(trades, t => Assert.Equal(("okx", "BTC-USDT"), (t.Venue, t.Product)));
        Assert.Equal(Enumerable.Range(338476307, 69).Select(i => (long)i), trades.Select(t => t.TradeId)); // contiguous
        Assert.Equal(44, trades.Count(t => t.Side == TakerSide.Buy));
        Assert.Equal(3.48657495m, trades.Sum(t => t.Size));

        // Lines 54, 104 and 423 of the file, by hand.
        Assert.Equal(new Trade("BTC-USDT", 338476307, Epoch.AddMilliseconds(1652459224818), 30236m, 0.0002m, TakerSide.Buy) { Venue = "okx" }, trades[0]);
        Assert.Equal(new Trade("BTC-USDT", 338476316, Epoch.AddMilliseconds(1652459226753), 30250.1m, 0.00066996m, TakerSide.Sell) { Venue = "okx" }, trades[9]);
        Assert.Equal(new Trade("BTC-USDT", 338476375, Epoch.AddMilliseconds(1652459235576), 30227.6m, 0.00000088m, TakerSide.Buy) { Venue = "okx" }, trades[^1]);

        // 4 future + 1 swap trade frames are not okx spot's; the rest are book/ticker/subscribe frames.
        Assert.Equal(5, results.Count(r => r.Kind == FrameKind.Ignored && r.Label == "other_market"));
        Assert.Equal(["books", "other_market", "subscribe", "tickers"], results.Where(r => r.Kind == FrameKind.Ignored).Select(r => r.Label).Distinct().Order());
    }

    [Fact]
    public void Side_rule_agrees_with_the_maintained_book_for_every_trade_at_or_through_the_touch()
    {
        var venue = RecordingLines.Venue<OkxVenue>();
        var parser = venue.CreateParser(RecordingLines.Options, TimeProvider.System, RecordingLines.Symbols(venue, "OKX.jsonl"));
        var bids = new SortedDictionary<decimal, decimal>();
        var asks = new SortedDictionary<decimal, decimal>();
        var (agree, inside) = (0, 0);
        foreach (var line in RecordingLines.Read("OKX.jsonl").Where(l => l.Type == "recv"))
        {
            using var json = JsonDocument.Parse(line.Data!);
            var root = json.RootElement;
            if (!root.TryGetProperty("data", out var data) || root.GetProperty("arg").GetProperty("instId").GetString() != "BTC-USDT")
            {
                continue;
            }

            var channel = root.GetProperty("arg").GetProperty("channel").GetString();
            if (channel == "books")
            {
                if (root.GetProperty("action").GetString() == "snapshot")
                {
                    bids.Clear();
                    asks.Clear();
                }

                foreach (var (side, book) in new[] { ("bids", bids), ("asks", asks) })
                {
                    foreach (var level in data[0].GetProperty(side).EnumerateArray())
                    {
                        var (price, size) = (decimal.Parse(level[0].GetString()!, CultureInfo.InvariantCulture), decimal.Parse(level[1].GetString()!, CultureInfo.InvariantCulture));
                        if (size == 0)
                        {
                            book.Remove(price);
                        }
                        else
                        {
                            book[price] = size;
                        }
                    }
                }
            }
            else if (channel == "trades" && bids.Count > 0 && asks.Count > 0)
            {
                var trades = new List<Trade>();
                parser.Parse(Encoding.UTF8.GetBytes(line.Data!), trades);
                var trade = Assert.Single(trades);
                var (bestBid, bestAsk) = (bids.Keys.Max(), asks.Keys.Min());
                if (trade.Price >= bestAsk)
                {
                    Assert.Equal(TakerSide.Buy, trade.Side);
                    agree++;
                }
                else if (trade.Price <= bestBid)
                {
                    Assert.Equal(TakerSide.Sell, trade.Side);
                    agree++;
                }
                else
                {
                    inside++;
                }
            }
        }

        // 68 of the 69 trades come after the first book snapshot; all are at or through the touch and agree.
        Assert.Equal((68, 0), (agree, inside));
    }

    [Fact]
    public void Instruments_are_the_spot_list_only()
    {
        var venue = RecordingLines.Venue<OkxVenue>();
        var lists = RecordingLines.Read("OKX.jsonl").Where(l => l.Type == "http").Take(5).ToList();
        var counts = lists.Select(l => venue.ParseInstruments(new Uri(l.Url!), l.Data!).Count).ToList();

        Assert.Equal([513, 0, 0, 0, 0], counts); // SPOT, SWAP, FUTURES, OPTION BTC, OPTION ETH
        Assert.Contains(new Instrument("BTC-USDT", "BTC-USDT"), venue.ParseInstruments(new Uri(lists[0].Url!), lists[0].Data!));
        Assert.Equal("BTC-USDT", venue.ProductFromSymbol("BTC-USDT"));
        Assert.Null(venue.ProductFromSymbol("BTC-USDT-SWAP"));
        Assert.Null(venue.ProductFromSymbol("BTC-USD-220527"));
        Assert.Throws<FormatException>(() => venue.ParseInstruments(new Uri(lists[0].Url!), "{\"data\":[{"));
    }

    [Fact]
    public void Endpoints_feed_and_ids_are_okx_spots()
    {
        var venue = RecordingLines.Venue<OkxVenue>();
        Assert.True(venue.ServesEndpoint(new Uri("wss://ws.okx.com:8443/ws/v5/public")));
        Assert.True(venue.ServesEndpoint(new Uri("wss://ws.okx.com:8443/ws/v5/business")));
        Assert.False(venue.ServesEndpoint(new Uri("wss://ws.okx.com:8443/ws/v5/private")));
        Assert.False(venue.ServesEndpoint(new Uri("wss://stream.binance.com:9443/stream")));
        Assert.True(venue.ContiguousTradeIds);
        Assert.Equal(HistoryCoverage.Full, venue.History);

        var feed = venue.CreateLiveFeed("okx");
        Assert.Equal(new Uri("wss://ws.okx.com:8443/ws/v5/business"), feed.Url);
        Assert.Equal((true, "ping"), (feed.Ping.Enabled, Encoding.UTF8.GetString(feed.Ping.Message.Span)));
        Assert.InRange(feed.Ping.Interval, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(29));
        Assert.Equal(Timeout.InfiniteTimeSpan, feed.MaxConnectionAge);
        Assert.Equal(
            ["""{"id":"subBTCUSDT","op":"subscribe","args":[{"channel":"trades-all","instId":"BTC-USDT"}]}""", """{"id":"subETHUSDT","op":"subscribe","args":[{"channel":"trades-all","instId":"ETH-USDT"}]}"""],
            feed.SubscribeMessages(["BTC-USDT", "ETH-USDT"]).Select(m => Encoding.UTF8.GetString(m.Span)));
        Assert.True(feed.IsReconnectRequest("""{"event":"notice","code":"64008","msg":"The connection will soon be closed for a service upgrade. Please reconnect.","connId":"a4d3ae55"}"""u8));
        Assert.False(feed.IsReconnectRequest("""{"event":"subscribe","arg":{"channel":"trades-all","instId":"BTC-USDT"},"connId":"a4d3ae55"}"""u8));
    }

    [Fact]
    public void Frames_from_the_docs()
    {
        var parser = Parser();
        var trades = new List<Trade>();

        // trades-all (one fill) and the aggregated trades channel (count 3: one trade whose id is the last of the three).
        Assert.Equal(FrameKind.Trades, parser.Parse("""{"arg":{"channel":"trades-all","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"130639474","px":"42219.9","sz":"0.12060306","side":"buy","source":"0","ts":"1630048897897"}]}""", trades).Kind);
        Assert.Equal(FrameKind.Trades, parser.Parse("""{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"130639474","px":"42219.9","sz":"0.12060306","side":"sell","ts":"1630048897897","count":"3","source":"0","seqId":1234}]}""", trades).Kind);
        Assert.Equal(new Trade("BTC-USDT", 130639474, Epoch.AddMilliseconds(1630048897897), 42219.9m, 0.12060306m, TakerSide.Buy) { Venue = "okx" }, trades[0]);
        Assert.Equal(TakerSide.Sell, trades[1].Side);

        Assert.Equal(FrameKind.Heartbeat, parser.Parse("pong", trades).Kind);
        Assert.Equal((FrameKind.Ignored, "subscribe"), Kind(parser, """{"id":"1512","event":"subscribe","arg":{"channel":"trades-all","instId":"BTC-USDT"},"connId":"a4d3ae55"}"""));
        Assert.Equal((FrameKind.Ignored, "notice"), Kind(parser, """{"event":"notice","code":"64008","msg":"The connection will soon be closed for a service upgrade.","connId":"a4d3ae55"}"""));
        Assert.Equal((FrameKind.Ignored, "other_market"), Kind(parser, """{"arg":{"channel":"trades-all","instId":"BTC-USDT-SWAP"},"data":[{"instId":"BTC-USDT-SWAP","tradeId":"1","px":"42219.9","sz":"1","side":"buy","ts":"1630048897897"}]}"""));
        Assert.Equal((FrameKind.Ignored, "bbo-tbt"), Kind(parser, """{"arg":{"channel":"bbo-tbt","instId":"BTC-USDT"},"data":[{"asks":[["1","1","0","1"]],"bids":[],"ts":"1630048897897"}]}"""));
        Assert.Equal(2, trades.Count);
    }

    [Fact]
    public void A_refused_subscription_is_dead_lettered_naming_the_instrument()
    {
        var result = Parser().Parse("""{"event":"error","msg":"Wrong URL or channel:trades-all,instId:FOO-BAR doesn't exist. Please use the correct URL, channel and parameters referring to API document.","code":"60018","connId":"5c3b8b9c"}""", []);
        Assert.Equal((FrameKind.Invalid, "subscription_rejected"), (result.Kind, result.Reason));
        Assert.Contains("FOO-BAR", result.Detail, StringComparison.Ordinal);

        var byId = Parser().Parse("""{"id":"subBTCUSDT","event":"error","code":"60012","msg":"Invalid request","connId":"a4d3ae55"}""", []);
        Assert.Equal("subscription_rejected", byId.Reason);
        Assert.Contains("BTCUSDT", byId.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"event":"brand-new","connId":"a"}""", "event 'brand-new'")]
    [InlineData("""{"arg":{"channel":"surprise","instId":"BTC-USDT"},"data":[]}""", "channel 'surprise'")]
    public void A_frame_of_a_named_but_unknown_type_is_ignored_as_news_not_dead_lettered(string frame, string unknownType)
    {
        var trades = new List<Trade>();
        var result = Parser().Parse(frame, trades);

        // Venues add message types at any time: ignored under one constant label (never the raw type), not invalid.
        Assert.Equal((FrameKind.Ignored, FrameResult.UnknownLabel, null), (result.Kind, result.Label, result.Reason));
        Assert.Equal(unknownType, result.UnknownType);
        Assert.Empty(trades);
    }

    [Theory]
    [InlineData("""{"arg":{"channel":"trades-all","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1","px":"1","sz":"0","side":"buy","ts":"1630048897897"}]}""", "non_positive_size")]
    [InlineData("""{"arg":{"channel":"trades-all","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"x1","px":"1","sz":"1","side":"buy","ts":"1630048897897"}]}""", "invalid_number")]
    [InlineData("""{"arg":{"channel":"trades-all","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1","px":"1","sz":"1","side":"up","ts":"1630048897897"}]}""", "invalid_side")]
    [InlineData("""{"arg":{"channel":"trades-all","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1","px":"1","sz":"1","ts":"1630048897897"}]}""", "missing_field")]
    [InlineData("""{"arg":{"channel":"trades-all","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1","px":"1","sz":"1","side":"buy","ts":"1000"}]}""", "absurd_time")]
    [InlineData("""{"arg":{"channel":"trades-all","instId":"btc-usdt"},"data":[{"instId":"btc-usdt","tradeId":"1","px":"1","sz":"1","side":"buy","ts":"1630048897897"}]}""", "unknown_symbol")]
    [InlineData("""{"arg":{"channel":"trades-all","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT",""", "malformed_json")]
    [InlineData("""ping""", "malformed_json")]
    [InlineData("""{"x":1}""", "unknown_type")]
    public void Bad_frames_have_their_reason(string frame, string reason)
    {
        var trades = new List<Trade>();
        var result = Parser().Parse(frame, trades);
        Assert.Equal((FrameKind.Invalid, reason), (result.Kind, result.Reason));
        Assert.Empty(trades);
    }

    [Fact]
    public void A_frame_with_one_bad_trade_keeps_its_good_ones()
    {
        var trades = new List<Trade>();
        var result = Parser().Parse("""{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"5","px":"2","sz":"1","side":"buy","ts":"1630048897897"},{"instId":"BTC-USDT","tradeId":"6","px":"-2","sz":"1","side":"buy","ts":"1630048897897"}]}""", trades);
        Assert.Equal((FrameKind.Invalid, "non_positive_price", 1), (result.Kind, result.Reason, result.Trades));
        Assert.Equal(5, trades.Single().TradeId);
    }

    [Fact]
    public void Contract_sizes_are_multiplied_exactly()
    {
        // The seam for okx-swap: an instrument with ctVal gives base units (here 0.01 BTC per contract).
        var map = new SymbolMap(RecordingLines.Venue<OkxVenue>());
        map.Add(new Instrument("BTC-USDT-SWAP", "BTC-USDT", 0.01m));
        var swap = new OkxFrameParser("okx-swap", OkxInstType.Swap, RecordingLines.Options, TimeProvider.System, map);
        var trades = new List<Trade>();
        swap.Parse("""{"arg":{"channel":"trades-all","instId":"BTC-USDT-SWAP"},"data":[{"instId":"BTC-USDT-SWAP","tradeId":"9","px":"42219.9","sz":"37","side":"sell","ts":"1630048897897"}]}""", trades);
        Assert.Equal(0.37m, trades.Single().Size);
        Assert.Equal((FrameKind.Ignored, "other_market"), Kind(swap, """{"arg":{"channel":"trades-all","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1","px":"1","sz":"1","side":"buy","ts":"1630048897897"}]}"""));
    }

    [Fact]
    public void Rest_history_page_is_parsed_and_an_error_code_is_not_trades()
    {
        var trades = new List<Trade>();
        var result = Parser().ParseRestTrades("""{"code":"0","msg":"","data":[{"instId":"BTC-USDT","side":"sell","sz":"0.00001","px":"29963.2","tradeId":"242720720","ts":"1654161646974"},{"instId":"BTC-USDT","side":"buy","sz":"0.00001","px":"29964.1","tradeId":"242720719","ts":"1654161641568"}]}"""u8, "BTC-USDT", trades);
        Assert.Equal(FrameKind.Trades, result.Kind);
        Assert.Equal(
            [new Trade("BTC-USDT", 242720720, Epoch.AddMilliseconds(1654161646974), 29963.2m, 0.00001m, TakerSide.Sell) { Venue = "okx" }, new Trade("BTC-USDT", 242720719, Epoch.AddMilliseconds(1654161641568), 29964.1m, 0.00001m, TakerSide.Buy) { Venue = "okx" }],
            trades);
        Assert.Equal("venue_error", Parser().ParseRestTrades("""{"code":"50011","msg":"Too Many Requests","data":[]}"""u8, "BTC-USDT", []).Reason);
    }

    [Fact]
    public void Mutated_recorded_frames_never_throw()
    {
        var parser = Parser();
        var random = new Random(17);
        foreach (var frame in RecordingLines.Read("OKX.jsonl").Where(l => l.Type == "recv").Select(l => Encoding.UTF8.GetBytes(l.Data!)))
        {
            for (var i = 0; i < 10; i++)
            {
                var mutated = frame[..random.Next(frame.Length + 1)];
                if (mutated.Length > 0)
                {
                    mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
                }

                parser.Parse(mutated, []);
            }
        }
    }

    private static OkxFrameParser Parser() =>
        new("okx", OkxInstType.Spot, RecordingLines.Options, TimeProvider.System, SymbolMap.ForProducts(RecordingLines.Venue<OkxVenue>(), ["BTC-USDT"]));

    private static (FrameKind, string) Kind(OkxFrameParser parser, string frame)
    {
        var result = parser.Parse(frame, []);
        return (result.Kind, result.Label);
    }
}
