using System.Globalization;
using System.Text;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Venues;
using BitcoinVolume.Ingest.Venues.Bitstamp;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Ingest.Tests.Venues.Bitstamp;

/// <summary>The Bitstamp parser on cryptofeed's recording (tests/data/cryptofeed/BITSTAMP.jsonl) and on frames of Bitstamp's websocket v2 docs.</summary>
public sealed class BitstampFrameParserTests
{
    internal static BitstampVenue Venue(BitstampOptions? options = null) => new(Options.Create(options ?? new BitstampOptions()), new Kraken.KrakenFrameParserTests.NoHttp());

    /// <summary>The symbol map a replay builds: the recording's trading-pairs-info list.</summary>
    private static SymbolMap RecordedSymbols()
    {
        var venue = Venue();
        var http = CryptofeedRecording.Read("BITSTAMP").First(r => r.Type == "http" && r.Url!.Contains("trading-pairs-info", StringComparison.Ordinal));
        var map = new SymbolMap(venue);
        map.AddRange(venue.ParseInstruments(new Uri(http.Url!), http.Data!));
        return map;
    }

    private static BitstampFrameParser Parser(SymbolMap? symbols = null) =>
        new(new FrameParserOptions(), TimeProvider.System, symbols ?? RecordedSymbols());

    [Fact]
    public void Every_frame_of_the_recording_parses_and_its_ten_trades_are_exact_field_by_field()
    {
        var parser = Parser();
        var trades = new List<Trade>();
        var kinds = new Dictionary<FrameKind, int>();
        foreach (var record in CryptofeedRecording.Read("BITSTAMP").Where(r => r.Type == "recv"))
        {
            var result = parser.Parse(record.Data!, trades);
            kinds[result.Kind] = kinds.GetValueOrDefault(result.Kind) + 1;
        }

        // 20 bts:subscription_succeeded (10 book, 10 trade channels) + 717 diff_order_book data = ignored; 10 trades.
        Assert.Equal(10, kinds[FrameKind.Trades]);
        Assert.Equal(20 + 717, kinds[FrameKind.Ignored]);
        Assert.False(kinds.ContainsKey(FrameKind.Invalid));
        Assert.False(kinds.ContainsKey(FrameKind.Heartbeat));

        // Read by hand from the file (lines 232, 447, 448, 758, 760–765): id, amount_str, price_str, type, microtimestamp.
        var expected = new (long Id, string Size, string Price, TakerSide Side, long Micros)[]
        {
            (216000477, "0.07920000", "3805.44", TakerSide.Buy, 1641343699596000),
            (216000484, "0.93100000", "3802.93", TakerSide.Sell, 1641343709599000),
            (216000485, "3.23948640", "3802.89", TakerSide.Sell, 1641343709599000),
            (216000500, "0.60000000", "3800.75", TakerSide.Sell, 1641343721243000),
            (216000501, "7.56178113", "3800.74", TakerSide.Sell, 1641343721243000),
            (216000502, "3.10111288", "3800.74", TakerSide.Sell, 1641343721243000),
            (216000503, "6.28947800", "3800.73", TakerSide.Sell, 1641343721243000),
            (216000504, "8.27640641", "3800.54", TakerSide.Sell, 1641343721243000),
            (216000505, "2.10800000", "3800.53", TakerSide.Sell, 1641343721243000),
            (216000506, "2.73248242", "3800.80", TakerSide.Sell, 1641343721269000),
        };
        Assert.Equal(expected.Length, trades.Count);
        foreach (var (trade, e) in trades.Zip(expected))
        {
            Assert.Equal(Contracts.Venues.Bitstamp, trade.Venue);
            Assert.Equal("ETH-USD", trade.Product);
            Assert.Equal(e.Id, trade.TradeId);
            Assert.Equal(e.Size, trade.Size.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(e.Price, trade.Price.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(e.Side, trade.Side);
            Assert.Equal(DateTimeOffset.UnixEpoch.AddTicks(e.Micros * 10), trade.Time);
        }

        // Ids rise but skip (484 → 500): not contiguous, as the venue declares.
        Assert.False(Venue().ContiguousTradeIds);
    }

    [Fact]
    public void The_side_is_the_takers_against_the_book_and_the_later_order_of_each_trade()
    {
        // Book = the REST snapshot of ethusd in the file + diff_order_book_ethusd after its microtimestamp, in event-time
        // order (a trade before a book change of the same microsecond).
        var records = CryptofeedRecording.Read("BITSTAMP");
        using var snapshot = JsonDocument.Parse(records.Single(r => r.Type == "http" && r.Url!.EndsWith("/order_book/ethusd", StringComparison.Ordinal)).Data!);
        var snapshotMicros = long.Parse(snapshot.RootElement.GetProperty("microtimestamp").GetString()!, CultureInfo.InvariantCulture);
        var book = new TestBook();
        Apply(book, snapshot.RootElement);

        var events = new List<(long Micros, int Order, string Frame)>();
        foreach (var record in records.Where(r => r.Type == "recv"))
        {
            using var json = JsonDocument.Parse(record.Data!);
            var root = json.RootElement;
            var channel = root.GetProperty("channel").GetString();
            if (channel is "diff_order_book_ethusd" or "live_trades_ethusd" && root.GetProperty("event").GetString() is "data" or "trade")
            {
                var micros = long.Parse(root.GetProperty("data").GetProperty("microtimestamp").GetString()!, CultureInfo.InvariantCulture);
                events.Add((micros, channel == "live_trades_ethusd" ? 0 : 1, record.Data!));
            }
        }

        var parser = Parser();
        var (atTouch, inside, laterOrder) = (0, 0, 0);
        foreach (var (micros, order, frame) in events.OrderBy(e => e.Micros).ThenBy(e => e.Order))
        {
            using var json = JsonDocument.Parse(frame);
            var data = json.RootElement.GetProperty("data");
            if (order == 1)
            {
                if (micros > snapshotMicros)
                {
                    Apply(book, data);
                }

                continue;
            }

            var trades = new List<Trade>();
            parser.Parse(frame, trades);
            var trade = Assert.Single(trades);

            // The later (higher) order id is the taker's order: buy_order_id > sell_order_id ⇔ a taker buy.
            var takerBuys = data.GetProperty("buy_order_id").GetInt64() > data.GetProperty("sell_order_id").GetInt64();
            Assert.Equal(takerBuys ? TakerSide.Buy : TakerSide.Sell, trade.Side);
            laterOrder++;

            if (book.SideAtTouch(trade.Price) is { } touch)
            {
                Assert.Equal(touch, trade.Side);
                atTouch++;
            }
            else
            {
                inside++;
            }
        }

        // All 10 agree with the order ids; 6 are at/through the touch (all agree: 1 buy at the ask, 5 sells at/through the
        // bid); 4 print inside the spread of the kept book (its diffs began after the snapshot), so they say nothing.
        Assert.Equal((10, 6, 4), (laterOrder, atTouch, inside));
    }

    private static void Apply(TestBook book, JsonElement data)
    {
        foreach (var (name, bid) in new[] { ("bids", true), ("asks", false) })
        {
            foreach (var level in data.GetProperty(name).EnumerateArray())
            {
                book.Set(bid, decimal.Parse(level[0].GetString()!, CultureInfo.InvariantCulture), decimal.Parse(level[1].GetString()!, CultureInfo.InvariantCulture));
            }
        }
    }

    [Fact]
    public void The_instrument_list_maps_url_symbols_to_canonical_products()
    {
        var symbols = RecordedSymbols();

        Assert.Equal(140, symbols.Count);
        Assert.True(symbols.TryGet("btcusd", out var btc));
        Assert.Equal(new Instrument("btcusd", "BTC-USD"), btc);
        Assert.True(symbols.TryGet("usdteur", out var usdt));
        Assert.Equal("USDT-EUR", usdt.Product);
        Assert.False(symbols.TryGet("nosuch", out _));
        Assert.Empty(Venue().ParseInstruments(new Uri("https://www.bitstamp.net/api/v2/order_book/ethusd"), "{}"));
    }

    [Theory]
    [InlineData("""{"event":"bts:subscription_succeeded","channel":"live_trades_btcusd","data":{}}""", FrameKind.Ignored, "bts:subscription_succeeded")]
    [InlineData("""{"event":"bts:heartbeat","channel":"","data":{"status":"success"}}""", FrameKind.Heartbeat, "bts:heartbeat")]
    [InlineData("""{"event":"bts:request_reconnect","channel":"","data":""}""", FrameKind.Ignored, "bts:request_reconnect")]
    [InlineData("""{"data":{"timestamp":"1641343691","microtimestamp":"1641343691244908","bids":[],"asks":[]},"channel":"diff_order_book_bateur","event":"data"}""", FrameKind.Ignored, "diff_order_book")]
    public void Non_trade_frames_are_heartbeats_or_ignored(string frame, FrameKind kind, string label)
    {
        var result = Parser().Parse(frame, []);

        Assert.Equal((kind, label), (result.Kind, result.Label));
    }

    [Fact]
    public void A_refused_subscription_is_dead_lettered_naming_the_pair_and_product()
    {
        var result = Parser().Parse("""{"event":"bts:error","channel":"live_trades_btcusd","data":{"code":null,"message":"Incorrect channel name"}}""", []);

        Assert.Equal((FrameKind.Invalid, VenueTradeText.SubscriptionRejected), (result.Kind, result.Reason));
        Assert.Contains("btcusd (BTC-USD)", result.Detail, StringComparison.Ordinal);
        Assert.Contains("Incorrect channel name", result.Detail, StringComparison.Ordinal);
    }

    private const string Trade0 =
        """{"data":{"id":216000477,"timestamp":"1641343699","amount":0.0792,"amount_str":"0.07920000","price":3805.44,"price_str":"3805.44","type":0,"microtimestamp":"1641343699596000","buy_order_id":1443875737346049,"sell_order_id":1443875731320832},"channel":"live_trades_ethusd","event":"trade"}""";

    [Theory]
    [InlineData("""{"event":"bts:surprise","channel":"","data":{}}""", "event 'bts:surprise'")]
    [InlineData("""{"data":{},"channel":"live_trades_ethusd","event":"surprise"}""", "event 'surprise'")]
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
    [InlineData("\"amount_str\":\"0.07920000\"", "\"amount_str\":\"0\"", "non_positive_size")]
    [InlineData("\"price_str\":\"3805.44\"", "\"price_str\":\"-1\"", "non_positive_price")]
    [InlineData("\"type\":0", "\"type\":2", "invalid_side")]
    [InlineData("\"microtimestamp\":\"1641343699596000\"", "\"microtimestamp\":\"soon\"", "invalid_time")]
    [InlineData("\"microtimestamp\":\"1641343699596000\"", "\"microtimestamp\":\"1\"", "absurd_time")]
    [InlineData("\"id\":216000477,", "", "missing_field")]
    [InlineData("live_trades_ethusd", "live_trades_zzzzzz", "unknown_symbol")]
    [InlineData("\"event\":\"trade\"}", "\"event\":\"trade\"", "malformed_json")]
    [InlineData("\"event\":\"trade\"", "\"evt\":\"trade\"", "unknown_type")]
    public void Bad_frames_are_invalid_with_a_reason(string from, string to, string reason)
    {
        var trades = new List<Trade>();
        var frame = Trade0.Replace(from, to, StringComparison.Ordinal);
        Assert.NotEqual(Trade0, frame);

        var result = Parser().Parse(frame, trades);

        Assert.Equal((FrameKind.Invalid, reason), (result.Kind, result.Reason));
        Assert.Empty(trades);
    }

    [Fact]
    public void Rest_transactions_parse_exactly_with_whole_second_times()
    {
        // Bitstamp's REST "transactions" answer (strings everywhere, newest first).
        var body = """[{"date":"1641343721","tid":"216000506","amount":"2.73248242","price":"3800.80","type":"1"},{"date":"1641343699","tid":"216000477","amount":"0.07920000","price":"3805.44","type":"0"}]"""u8;
        var trades = new List<Trade>();

        var result = Parser().ParseRestTrades(body, "ETH-USD", trades);

        Assert.Equal(FrameKind.Trades, result.Kind);
        Assert.Equal(
            [
                new Trade("ETH-USD", 216000506, DateTimeOffset.FromUnixTimeSeconds(1641343721), 3800.80m, 2.73248242m, TakerSide.Sell) { Venue = "bitstamp" },
                new Trade("ETH-USD", 216000477, DateTimeOffset.FromUnixTimeSeconds(1641343699), 3805.44m, 0.07920000m, TakerSide.Buy) { Venue = "bitstamp" },
            ],
            trades);
    }

    [Fact]
    public void Symbols_endpoints_and_the_live_feed()
    {
        var venue = Venue(new BitstampOptions { PingInterval = TimeSpan.FromSeconds(3) });
        Assert.Equal("btcusd", venue.SymbolOf("BTC-USD"));
        Assert.Null(venue.ProductFromSymbol("btcusd"));
        Assert.True(venue.ServesEndpoint(new Uri("wss://ws.bitstamp.net/")));
        Assert.False(venue.ServesEndpoint(new Uri("wss://ws.kraken.com")));
        Assert.Equal(HistoryCoverage.Recent, venue.History);

        var feed = venue.CreateLiveFeed("bitstamp");
        Assert.Equal(
            ["""{"event":"bts:subscribe","data":{"channel":"live_trades_btcusd"}}""", """{"event":"bts:subscribe","data":{"channel":"live_trades_ethusd"}}"""],
            feed.SubscribeMessages(["BTC-USD", "ETH-USD"]).Select(m => Encoding.UTF8.GetString(m.Span)));
        Assert.Equal((TimeSpan.FromSeconds(3), """{"event":"bts:heartbeat"}"""), (feed.Ping.Interval, Encoding.UTF8.GetString(feed.Ping.Message.Span)));
        Assert.True(feed.IsReconnectRequest("""{"event":"bts:request_reconnect","channel":"","data":""}"""u8));
        Assert.False(feed.IsReconnectRequest(Encoding.UTF8.GetBytes(Trade0)));
    }

    [Fact]
    public void The_parser_never_throws_on_mutated_frames()
    {
        var parser = Parser();
        var seeds = CryptofeedRecording.Read("BITSTAMP").Where(r => r.Type == "recv").Take(60).Select(r => r.Data!).Append(Trade0).ToList();
        Fuzz.Mutations(seeds, 3000, frame => parser.Parse(frame, []));
    }
}
