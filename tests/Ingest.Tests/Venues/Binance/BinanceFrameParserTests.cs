using System.Globalization;
using System.Text;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Venues;
using BitcoinVolume.Ingest.Venues.Binance;

namespace BitcoinVolume.Ingest.Tests.Venues.Binance;

/// <summary>
/// The Binance / Binance.US parser on the real recordings (tests/data/cryptofeed/BINANCE.jsonl, BINANCE_US.jsonl: combined
/// streams aggTrade, bookTicker, depth, kline) and on frames written from Binance's docs (web-socket-streams.md).
/// </summary>
public sealed class BinanceFrameParserTests
{
    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    [Fact]
    public void Binance_recording_gives_its_two_aggTrades_field_by_field_and_nothing_invalid()
    {
        var (trades, results) = ParseFile(RecordingLines.Venue<BinanceVenue>(), "BINANCE.jsonl");

        // Read by hand from lines 116 and 215 of the file.
        Assert.Equal(
            [
                new Trade("NKN-USDT", 15683430, Epoch.AddMilliseconds(1633998523963), 0.35280000m, 58.00000000m, TakerSide.Buy) { Venue = "binance" },
                new Trade("LRC-BTC", 9213679, Epoch.AddMilliseconds(1633998534486), 0.00000638m, 177.00000000m, TakerSide.Buy) { Venue = "binance" },
            ],
            trades);
        Assert.Equal("0.35280000", trades[0].Price.ToString(CultureInfo.InvariantCulture));
        Assert.DoesNotContain(results, r => r.Kind == FrameKind.Invalid);
        Assert.Equal(["bookTicker", "depthUpdate", "kline"], results.Where(r => r.Kind == FrameKind.Ignored).Select(r => r.Label).Distinct().Order());
        Assert.Equal(177 + 84 + 2, results.Count(r => r.Kind == FrameKind.Ignored));
    }

    [Fact]
    public void Binance_us_recording_gives_its_eleven_aggTrades_with_their_venue()
    {
        var (trades, results) = ParseFile(RecordingLines.Venue<BinanceUsVenue>(), "BINANCE_US.jsonl");

        Assert.DoesNotContain(results, r => r.Kind == FrameKind.Invalid);
        Assert.Equal(11, trades.Count);
        Assert.All(trades, t => Assert.Equal(("binance-us", "OMG-BUSD"), (t.Venue, t.Product)));
        Assert.Equal(Enumerable.Range(425085, 11).Select(i => (long)i), trades.Select(t => t.TradeId));

        // Lines 150 (m:false) and 171 (m:true), by hand.
        Assert.Equal(new Trade("OMG-BUSD", 425085, Epoch.AddMilliseconds(1633998288467), 13.80480000m, 2.10000000m, TakerSide.Buy) { Venue = "binance-us" }, trades[0]);
        Assert.Equal(new Trade("OMG-BUSD", 425087, Epoch.AddMilliseconds(1633998289097), 13.80040000m, 30.11000000m, TakerSide.Sell) { Venue = "binance-us" }, trades[2]);
        Assert.Equal(2, trades.Count(t => t.Side == TakerSide.Buy));
    }

    [Fact]
    public void Side_rule_agrees_with_the_book_ticker_for_every_trade_at_or_through_the_touch()
    {
        var checkedTrades = 0;
        foreach (var (venue, file) in new (IVenue, string)[] { (RecordingLines.Venue<BinanceVenue>(), "BINANCE.jsonl"), (RecordingLines.Venue<BinanceUsVenue>(), "BINANCE_US.jsonl") })
        {
            var parser = venue.CreateParser(RecordingLines.Options, TimeProvider.System, RecordingLines.Symbols(venue, file));
            var touch = new Dictionary<string, (decimal Bid, decimal Ask)>(StringComparer.Ordinal);
            foreach (var line in RecordingLines.Read(file).Where(l => l.Type == "recv"))
            {
                using var json = JsonDocument.Parse(line.Data!);
                var data = json.RootElement.GetProperty("data");
                var stream = json.RootElement.GetProperty("stream").GetString()!;
                if (stream.EndsWith("@bookTicker", StringComparison.Ordinal))
                {
                    touch[data.GetProperty("s").GetString()!] = (decimal.Parse(data.GetProperty("b").GetString()!, CultureInfo.InvariantCulture), decimal.Parse(data.GetProperty("a").GetString()!, CultureInfo.InvariantCulture));
                    continue;
                }

                var trades = new List<Trade>();
                if (parser.Parse(Encoding.UTF8.GetBytes(line.Data!), trades).Kind != FrameKind.Trades || !touch.TryGetValue(data.GetProperty("s").GetString()!, out var book))
                {
                    continue;
                }

                var trade = Assert.Single(trades);
                if (trade.Price >= book.Ask)
                {
                    Assert.Equal(TakerSide.Buy, trade.Side);
                    checkedTrades++;
                }
                else if (trade.Price <= book.Bid)
                {
                    Assert.Equal(TakerSide.Sell, trade.Side);
                    checkedTrades++;
                }
            }
        }

        Assert.Equal(12, checkedTrades); // 2 of BINANCE, 10 of BINANCE_US (one trade is inside the spread)
    }

    [Fact]
    public void Instruments_come_from_exchangeInfo_of_the_venues_own_rest_host_only()
    {
        var binance = RecordingLines.Venue<BinanceVenue>();
        var us = RecordingLines.Venue<BinanceUsVenue>();
        var info = RecordingLines.Read("BINANCE.jsonl").Single(l => l.Type == "http" && l.Url!.EndsWith("/exchangeInfo", StringComparison.Ordinal));
        var usInfo = RecordingLines.Read("BINANCE_US.jsonl").Single(l => l.Type == "http" && l.Url!.EndsWith("/exchangeInfo", StringComparison.Ordinal));

        var instruments = binance.ParseInstruments(new Uri(info.Url!), info.Data!);
        Assert.Equal(1695, instruments.Count);
        Assert.Contains(new Instrument("BTCUSDT", "BTC-USDT"), instruments);
        Assert.Contains(new Instrument("LRCBTC", "LRC-BTC"), instruments);
        Assert.Equal(121, us.ParseInstruments(new Uri(usInfo.Url!), usInfo.Data!).Count);
        Assert.Empty(binance.ParseInstruments(new Uri(usInfo.Url!), usInfo.Data!));
        Assert.Empty(us.ParseInstruments(new Uri(info.Url!), info.Data!));
        Assert.Empty(binance.ParseInstruments(new Uri("https://api.binance.com/api/v3/depth?symbol=NKNUSDT"), "{}"));
        Assert.Throws<FormatException>(() => binance.ParseInstruments(new Uri(info.Url!), "{\"symbols\":[{"));
        Assert.Null(binance.ProductFromSymbol("BTCUSDT"));
        Assert.Equal("BTCUSDT", binance.SymbolOf("BTC-USDT"));
    }

    [Fact]
    public void Endpoints_sources_and_ids_are_the_venues()
    {
        var binance = RecordingLines.Venue<BinanceVenue>();
        var us = RecordingLines.Venue<BinanceUsVenue>();
        Assert.True(binance.ServesEndpoint(new Uri("wss://stream.binance.com:9443/stream?streams=nknusdt@aggTrade")));
        Assert.False(binance.ServesEndpoint(new Uri("wss://stream.binance.us:9443/stream")));
        Assert.False(binance.ServesEndpoint(new Uri("wss://fstream.binance.com/stream"))); // USD-M futures: another venue
        Assert.True(us.ServesEndpoint(new Uri("wss://stream.binance.us:9443/stream")));
        Assert.Equal(("binance", "binance"), (binance.Id, binance.LiveSources.Single().Name));
        Assert.Equal(("binance-us", "binance-us"), (us.Id, us.LiveSources.Single().Name));
        Assert.True(binance.ContiguousTradeIds);
        Assert.Equal(HistoryCoverage.Full, binance.History);

        var feed = binance.CreateLiveFeed("binance");
        Assert.Equal(new Uri("wss://stream.binance.com:9443/stream"), feed.Url);
        Assert.Equal(new Uri("wss://stream.binance.us:9443/stream"), us.CreateLiveFeed("binance-us").Url);
        Assert.InRange(feed.MaxConnectionAge, TimeSpan.FromHours(23), TimeSpan.FromHours(24) - TimeSpan.FromMinutes(1));
        Assert.Equal(TimeSpan.FromSeconds(5), feed.Ping.Interval); // below the 10 s stall watchdog
        Assert.Equal("""{"method":"LIST_SUBSCRIPTIONS","id":"ping"}""", Encoding.UTF8.GetString(feed.Ping.Message.Span));
        Assert.Equal(
            ["""{"method":"SUBSCRIBE","params":["btcusdt@aggTrade"],"id":"subbtcusdt"}""", """{"method":"SUBSCRIBE","params":["ethusdt@aggTrade"],"id":"subethusdt"}"""],
            feed.SubscribeMessages(["BTC-USDT", "ETH-USDT"]).Select(m => Encoding.UTF8.GetString(m.Span)));
        Assert.Single(feed.SubscribeMessages(["A-B", "C-D", "E-F", "G-H", "I-J"]));
    }

    [Fact]
    public void Frames_from_the_docs_raw_and_combined_and_the_subscribe_answers()
    {
        var parser = Parser("BNBBTC", "BNB-BTC");
        const string Raw = """{"e":"aggTrade","E":1672515782136,"s":"BNBBTC","a":12345,"p":"0.001","q":"100","f":100,"l":105,"T":1672515782136,"m":true,"M":true}""";
        var trades = new List<Trade>();

        Assert.Equal(FrameKind.Trades, parser.Parse(Raw, trades).Kind);
        Assert.Equal(FrameKind.Trades, parser.Parse("{\"stream\":\"bnbbtc@aggTrade\",\"data\":" + Raw + "}", trades).Kind);
        Assert.Equal(2, trades.Count);
        Assert.All(trades, t => Assert.Equal(new Trade("BNB-BTC", 12345, Epoch.AddMilliseconds(1672515782136), 0.001m, 100m, TakerSide.Sell) { Venue = "binance" }, t));

        Assert.Equal((FrameKind.Ignored, "subscribed"), Kind(parser, """{"result":null,"id":1}"""));
        Assert.Equal((FrameKind.Ignored, "pong"), Kind(parser, """{"result":["btcusdt@aggTrade"],"id":"ping"}"""));
        Assert.Equal((FrameKind.Ignored, "trade"), Kind(parser, """{"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100","T":1672515782136,"m":true,"M":true}"""));
        Assert.Equal((FrameKind.Ignored, "bookTicker"), Kind(parser, """{"stream":"bnbbtc@bookTicker","data":{"u":400900217,"s":"BNBBTC","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}}"""));
    }

    [Fact]
    public void A_refused_subscription_is_dead_lettered_naming_the_symbol()
    {
        var parser = Parser("BTCUSDT", "BTC-USDT");
        var result = parser.Parse("""{"error":{"code":2,"msg":"Invalid request: invalid stream name"},"id":"subfoousdt"}""", []);
        Assert.Equal((FrameKind.Invalid, "subscription_rejected"), (result.Kind, result.Reason));
        Assert.Contains("FOOUSDT", result.Detail, StringComparison.Ordinal);

        var known = parser.Parse("""{"code":2,"msg":"Invalid request","id":"subbtcusdt"}""", []);
        Assert.Equal("subscription_rejected", known.Reason);
        Assert.Contains("BTC-USDT (BTCUSDT)", known.Detail, StringComparison.Ordinal);

        Assert.Equal("venue_error", parser.Parse("""{"code":3,"msg":"Invalid JSON: expected value at line 1 column 1"}""", []).Reason);
    }

    [Theory]
    [InlineData("""{"e":"brandNewEvent","E":1,"s":"BTCUSDT"}""", "event 'brandNewEvent'")]
    public void A_frame_of_a_named_but_unknown_type_is_ignored_as_news_not_dead_lettered(string frame, string unknownType)
    {
        var trades = new List<Trade>();
        var result = Parser("BTCUSDT", "BTC-USDT").Parse(frame, trades);

        // Venues add message types at any time: ignored under one constant label (never the raw type), not invalid.
        Assert.Equal((FrameKind.Ignored, FrameResult.UnknownLabel, null), (result.Kind, result.Label, result.Reason));
        Assert.Equal(unknownType, result.UnknownType);
        Assert.Empty(trades);
    }

    [Theory]
    [InlineData("""{"e":"aggTrade","s":"XRPUSDT","a":1,"p":"1","q":"1","T":1672515782136,"m":true}""", "unknown_symbol")]
    [InlineData("""{"e":"aggTrade","s":"BTCUSDT","a":1,"p":"1","q":"0","T":1672515782136,"m":true}""", "non_positive_size")]
    [InlineData("""{"e":"aggTrade","s":"BTCUSDT","a":1,"p":"-1","q":"1","T":1672515782136,"m":true}""", "non_positive_price")]
    [InlineData("""{"e":"aggTrade","s":"BTCUSDT","a":1,"p":"1.2.3","q":"1","T":1672515782136,"m":true}""", "invalid_number")]
    [InlineData("""{"e":"aggTrade","s":"BTCUSDT","a":1,"p":"1","q":"1","f":9,"l":8,"T":1672515782136,"m":true}""", "invalid_number")]
    [InlineData("""{"e":"aggTrade","s":"BTCUSDT","a":1,"p":"1","q":"1","T":1672515782136}""", "missing_field")]
    [InlineData("""{"e":"aggTrade","a":1,"p":"1","q":"1","T":1672515782136,"m":true}""", "missing_field")]
    [InlineData("""{"e":"aggTrade","s":"BTCUSDT","a":1,"p":"1","q":"1","T":1000,"m":true}""", "absurd_time")]
    [InlineData("""{"e":"aggTrade","s":"BTCUSDT","a":1,"p":"1","q":"1","T":99999999999999999,"m":true}""", "invalid_time")]
    [InlineData("""{"e":"aggTrade","s":"BTCUSDT","a":1,"p":"1","q":""", "malformed_json")]
    [InlineData("""[1,2]""", "malformed_json")]
    [InlineData("""{"u":1,"b":"1"}""", "unknown_type")]
    public void Bad_frames_have_their_reason(string frame, string reason)
    {
        var trades = new List<Trade>();
        var result = Parser("BTCUSDT", "BTC-USDT").Parse(frame, trades);
        Assert.Equal((FrameKind.Invalid, reason), (result.Kind, result.Reason));
        Assert.Empty(trades);
    }

    [Fact]
    public void Decimals_are_exact_and_oversized_frames_refused()
    {
        var trades = new List<Trade>();
        Parser("BTCUSDT", "BTC-USDT").Parse("""{"e":"aggTrade","s":"BTCUSDT","a":7,"p":"64123.45678901234567","q":"0.00000001","T":1700000000000,"m":false}""", trades);
        Assert.Equal(64123.45678901234567m, trades.Single().Price);
        Assert.Equal(0.00000001m, trades.Single().Size);

        var small = new BinanceFrameParser("binance", new FrameParserOptions { MaxFrameBytes = 10 }, TimeProvider.System, SymbolMap.ForProducts(RecordingLines.Venue<BinanceVenue>(), ["BTC-USDT"]));
        Assert.Equal("oversized_frame", small.Parse("""{"result":null,"id":1}""", []).Reason);
    }

    [Fact]
    public void Rest_aggTrades_page_is_parsed_with_the_requests_product()
    {
        var trades = new List<Trade>();
        var result = Parser("BTCUSDT", "BTC-USDT").ParseRestTrades(
            """[{"a":26129,"p":"0.01633102","q":"4.70443515","f":27781,"l":27781,"T":1498793709153,"m":true,"M":true},{"a":26130,"p":"0","q":"1","f":1,"l":1,"T":1498793709153,"m":false,"M":true}]"""u8,
            "BTC-USDT",
            trades);
        Assert.Equal(new Trade("BTC-USDT", 26129, Epoch.AddMilliseconds(1498793709153), 0.01633102m, 4.70443515m, TakerSide.Sell) { Venue = "binance" }, trades.Single());
        Assert.Equal(("non_positive_price", 1), (result.Reason, result.Trades));
    }

    [Fact]
    public void Mutated_recorded_frames_never_throw()
    {
        var venue = RecordingLines.Venue<BinanceVenue>();
        var parser = venue.CreateParser(RecordingLines.Options, TimeProvider.System, RecordingLines.Symbols(venue, "BINANCE.jsonl"));
        var random = new Random(13);
        foreach (var frame in RecordingLines.Read("BINANCE.jsonl").Where(l => l.Type == "recv").Select(l => Encoding.UTF8.GetBytes(l.Data!)))
        {
            for (var i = 0; i < 20; i++)
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

    private static BinanceFrameParser Parser(string symbol, string product)
    {
        var map = new SymbolMap(RecordingLines.Venue<BinanceVenue>());
        map.Add(new Instrument(symbol, product));
        return new BinanceFrameParser("binance", RecordingLines.Options, TimeProvider.System, map);
    }

    private static (FrameKind, string) Kind(BinanceFrameParser parser, string frame)
    {
        var result = parser.Parse(frame, []);
        return (result.Kind, result.Label);
    }

    private static (List<Trade> Trades, List<FrameResult> Results) ParseFile(IVenue venue, string file)
    {
        var parser = venue.CreateParser(RecordingLines.Options, TimeProvider.System, RecordingLines.Symbols(venue, file));
        var trades = new List<Trade>();
        var results = RecordingLines.Read(file).Where(l => l.Type == "recv").Select(l => parser.Parse(Encoding.UTF8.GetBytes(l.Data!), trades)).ToList();
        return (trades, results);
    }
}
