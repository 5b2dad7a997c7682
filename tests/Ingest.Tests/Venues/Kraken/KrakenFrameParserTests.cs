using System.Globalization;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Venues;
using BitcoinVolume.Ingest.Venues.Kraken;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Ingest.Tests.Venues.Kraken;

/// <summary>The Kraken parser on cryptofeed's v1 recording (tests/data/cryptofeed/KRAKEN.jsonl) and on v2 frames from Kraken's docs.</summary>
public sealed class KrakenFrameParserTests
{
    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    internal static KrakenVenue Venue() => new(Options.Create(new KrakenOptions()), new NoHttp());

    private static KrakenFrameParser Parser(SymbolMap? symbols = null) =>
        new(new FrameParserOptions(), TimeProvider.System, symbols ?? new SymbolMap(Venue()));

    [Fact]
    public void Every_frame_of_the_v1_recording_parses_and_its_ten_trades_are_exact_field_by_field()
    {
        var parser = Parser();
        var trades = new List<Trade>();
        var kinds = new Dictionary<FrameKind, int>();
        foreach (var record in CryptofeedRecording.Read("KRAKEN").Where(r => r.Type == "recv"))
        {
            var result = parser.Parse(record.Data!, trades);
            kinds[result.Kind] = kinds.GetValueOrDefault(result.Kind) + 1;
        }

        // 3 systemStatus + 30 subscriptionStatus + 18 ticker + 4,279 book = ignored; 92 heartbeats; 8 trade frames.
        Assert.Equal(8, kinds[FrameKind.Trades]);
        Assert.Equal(92, kinds[FrameKind.Heartbeat]);
        Assert.Equal(3 + 30 + 18 + 4279, kinds[FrameKind.Ignored]);
        Assert.False(kinds.ContainsKey(FrameKind.Invalid));

        // Read by hand from the file (lines 25, 30, 31, 37, 43, 46, 47, 48): [price, volume, time, side, type, misc].
        var expected = new (string Product, string Price, string Size, string Time, TakerSide Side, int Index)[]
        {
            ("XMR-USD", "354.11000000", "0.89594024", "1618678142.557535", TakerSide.Sell, 0),
            ("XMR-USD", "354.55000000", "1.25690315", "1618678145.715785", TakerSide.Buy, 0),
            ("SC-EUR", "0.042990", "15979.71727919", "1618678145.920708", TakerSide.Sell, 0),
            ("XMR-USD", "354.04000000", "0.28245396", "1618678150.826417", TakerSide.Sell, 0),
            ("XMR-USD", "353.81000000", "1.71754604", "1618678150.827816", TakerSide.Sell, 1),
            ("SC-EUR", "0.042980", "8500.00000000", "1618678155.718950", TakerSide.Buy, 0),
            ("SC-EUR", "0.043000", "2383.16665529", "1618678155.720582", TakerSide.Buy, 1),
            ("SC-EUR", "0.043030", "1081.72663000", "1618678157.908269", TakerSide.Buy, 0),
            ("SC-EUR", "0.042960", "5000.00000000", "1618678157.946108", TakerSide.Sell, 0),
            ("SC-EUR", "0.043040", "20000.00000000", "1618678158.135041", TakerSide.Buy, 0),
        };
        Assert.Equal(expected.Length, trades.Count);
        foreach (var (trade, e) in trades.Zip(expected))
        {
            var micros = long.Parse(e.Time.Replace(".", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
            Assert.Equal(Contracts.Venues.Kraken, trade.Venue);
            Assert.Equal(e.Product, trade.Product);
            Assert.Equal(e.Price, trade.Price.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(e.Size, trade.Size.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(Epoch.AddTicks(micros * 10), trade.Time);
            Assert.Equal(e.Side, trade.Side);
            Assert.Equal((micros * 1000) + e.Index, trade.TradeId); // the documented deterministic v1 id
            Assert.Null(trade.TextId);
        }

        // The v1 ids are distinct, and the same frames parsed again give the same ids (dedup can drop a replayed repeat).
        Assert.Equal(trades.Count, trades.Select(t => (t.Product, t.TradeId)).Distinct().Count());
        var again = new List<Trade>();
        foreach (var record in CryptofeedRecording.Read("KRAKEN").Where(r => r.Type == "recv"))
        {
            parser.Parse(record.Data!, again);
        }

        Assert.Equal(trades, again);
    }

    [Fact]
    public void The_v1_side_is_the_takers_against_the_v1_book_of_the_recording()
    {
        // The book comes on its own connection (ws.50), the trades on ws.48: merged by receive time.
        var parser = Parser();
        var books = new Dictionary<string, TestBook>();
        var (agree, inside) = (0, 0);
        foreach (var record in CryptofeedRecording.ReceivedInTimeOrder("KRAKEN"))
        {
            using var json = JsonDocument.Parse(record.Data!);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            var name = root[root.GetArrayLength() - 2].GetString()!;
            var pair = root[root.GetArrayLength() - 1].GetString()!;
            if (name.StartsWith("book", StringComparison.Ordinal))
            {
                var book = books.TryGetValue(pair, out var known) ? known : books[pair] = new TestBook();
                for (var i = 1; i < root.GetArrayLength() - 2; i++)
                {
                    foreach (var side in root[i].EnumerateObject().Where(p => p.Name is "as" or "bs" or "a" or "b"))
                    {
                        foreach (var level in side.Value.EnumerateArray())
                        {
                            book.Set(side.Name[0] == 'b', Dec(level[0].GetString()!), Dec(level[1].GetString()!));
                        }
                    }
                }
            }
            else if (name == "trade")
            {
                var trades = new List<Trade>();
                parser.Parse(record.Data!, trades);
                foreach (var trade in trades)
                {
                    var touch = books[pair].SideAtTouch(trade.Price);
                    if (touch is null)
                    {
                        inside++;
                        continue;
                    }

                    Assert.Equal(touch, trade.Side);
                    agree++;
                }
            }
        }

        // 9 of 10 trades are at or through the touch and every one agrees; one (SC-EUR sell at 0.042960) is inside the spread.
        Assert.Equal((9, 1), (agree, inside));
    }

    [Fact]
    public void The_instrument_list_of_the_recording_maps_ws_names_to_canonical_products()
    {
        var http = CryptofeedRecording.Read("KRAKEN").Single(r => r.Type == "http");
        var instruments = Venue().ParseInstruments(new Uri(http.Url!), http.Data!);

        Assert.Equal(new Instrument("XBT/USD", "BTC-USD"), instruments.Single(i => i.Symbol == "XBT/USD"));
        Assert.Equal(new Instrument("XDG/USD", "DOGE-USD"), instruments.Single(i => i.Symbol == "XDG/USD"));
        Assert.Equal(new Instrument("SC/EUR", "SC-EUR"), instruments.Single(i => i.Symbol == "SC/EUR"));
        Assert.DoesNotContain(instruments, i => i.Symbol.EndsWith(".d", StringComparison.Ordinal));
        Assert.Empty(Venue().ParseInstruments(new Uri("https://api.kraken.com/0/public/Ticker"), "{}"));
        Assert.Throws<FormatException>(() => Venue().ParseInstruments(new Uri(http.Url!), "{not json"));
    }

    // From Kraken's websocket v2 trade channel docs (docs.kraken.com/api/docs/websocket-v2/trade): price and qty are JSON numbers.
    private const string V2Update =
        """{"channel":"trade","type":"update","data":[{"symbol":"MATIC/USD","side":"buy","price":0.5147,"qty":6423.46326,"ord_type":"limit","trade_id":4665846,"timestamp":"2023-09-25T07:48:36.925533Z"},{"symbol":"MATIC/USD","side":"sell","price":0.5147,"qty":1136.19677815,"ord_type":"market","trade_id":4665847,"timestamp":"2023-09-25T07:49:36.925603Z"}]}""";

    [Fact]
    public void A_v2_trade_update_gives_every_trade_exactly_with_the_takers_side()
    {
        var trades = new List<Trade>();
        var result = Parser().Parse(V2Update, trades);

        Assert.Equal(new FrameResult(FrameKind.Trades, 2, KrakenFrameParser.V2Feed), result);
        Assert.Equal(
            [
                new Trade("MATIC-USD", 4665846, new DateTimeOffset(2023, 9, 25, 7, 48, 36, TimeSpan.Zero).AddTicks(9255330), 0.5147m, 6423.46326m, TakerSide.Buy) { Venue = "kraken" },
                new Trade("MATIC-USD", 4665847, new DateTimeOffset(2023, 9, 25, 7, 49, 36, TimeSpan.Zero).AddTicks(9256030), 0.5147m, 1136.19677815m, TakerSide.Sell) { Venue = "kraken" },
            ],
            trades);
        Assert.Equal("6423.46326", trades[0].Size.ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Data_before_channel_and_snapshots_parse_the_same_and_xbt_is_btc()
    {
        var trades = new List<Trade>();
        var result = Parser().Parse(
            """{"data":[{"timestamp":"2024-05-01T12:00:00.000001Z","trade_id":7,"qty":"0.00000001","price":"60000.1","side":"sell","symbol":"XBT/USD"}],"type":"snapshot","channel":"trade"}""", trades);

        Assert.Equal(FrameKind.Trades, result.Kind);
        Assert.Equal(new Trade("BTC-USD", 7, new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(10), 60000.1m, 0.00000001m, TakerSide.Sell) { Venue = "kraken" }, Assert.Single(trades));
    }

    [Theory]
    [InlineData("""{"channel":"heartbeat"}""", FrameKind.Heartbeat, "heartbeat")]
    [InlineData("""{"method":"pong","req_id":1,"time_in":"2023-09-25T07:48:36.925533Z","time_out":"2023-09-25T07:48:36.925543Z"}""", FrameKind.Heartbeat, "pong")]
    [InlineData("""{"channel":"status","data":[{"api_version":"v2","connection_id":123,"system":"online","version":"2.0.0"}],"type":"update"}""", FrameKind.Ignored, "status")]
    [InlineData("""{"method":"subscribe","result":{"channel":"trade","snapshot":true,"symbol":"BTC/USD"},"success":true,"time_in":"2023-09-25T09:04:31.742599Z","time_out":"2023-09-25T09:04:31.742648Z"}""", FrameKind.Ignored, "subscribe")]
    [InlineData("""{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[],"asks":[{"price":1,"qty":1}],"checksum":1,"timestamp":"2023-10-06T17:35:55.440295Z"}]}""", FrameKind.Ignored, "book")]
    [InlineData("""{"channel":"ticker","type":"update","data":[{"symbol":"BTC/USD","bid":1}]}""", FrameKind.Ignored, "ticker")]
    [InlineData("""{"event":"heartbeat"}""", FrameKind.Heartbeat, "heartbeat")]
    public void Non_trade_frames_are_heartbeats_or_ignored(string frame, FrameKind kind, string label)
    {
        var result = Parser().Parse(frame, []);

        Assert.Equal((kind, label), (result.Kind, result.Label));
    }

    [Fact]
    public void A_refused_v2_subscription_is_dead_lettered_naming_the_symbol_and_product()
    {
        var result = Parser().Parse(
            """{"error":"Currency pair not supported","method":"subscribe","success":false,"symbol":"BTC/XYZ","time_in":"2023-09-25T09:04:31.742599Z","time_out":"2023-09-25T09:04:31.742648Z"}""", []);

        Assert.Equal((FrameKind.Invalid, VenueTradeText.SubscriptionRejected), (result.Kind, result.Reason));
        Assert.Contains("BTC/XYZ (BTC-XYZ)", result.Detail, StringComparison.Ordinal);
        Assert.Contains("Currency pair not supported", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_v1_subscription_is_dead_lettered_naming_the_pair()
    {
        var result = Parser().Parse("""{"errorMessage":"Currency pair not in ISO 4217-A3 format XBTUSD","event":"subscriptionStatus","pair":"XBTUSD","status":"error","subscription":{"name":"trade"}}""", []);

        Assert.Equal((FrameKind.Invalid, VenueTradeText.SubscriptionRejected), (result.Kind, result.Reason));
        Assert.Contains("XBTUSD", result.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"channel":"surprise"}""", "channel 'surprise'")]
    [InlineData("""[1,{"x":1},"mystery","XBT/USD"]""", "v1 channel 'mystery'")]
    [InlineData("""{"event":"surprise"}""", "event 'surprise'")]
    [InlineData("""{"method":"surprise","success":true}""", "method 'surprise'")]
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
    [InlineData("""{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"buy","price":1,"qty":0,"trade_id":1,"timestamp":"2023-09-25T07:48:36Z"}]}""", "non_positive_size")]
    [InlineData("""{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"buy","price":-1,"qty":1,"trade_id":1,"timestamp":"2023-09-25T07:48:36Z"}]}""", "non_positive_price")]
    [InlineData("""{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"up","price":1,"qty":1,"trade_id":1,"timestamp":"2023-09-25T07:48:36Z"}]}""", "invalid_side")]
    [InlineData("""{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"buy","price":1,"qty":1,"trade_id":1,"timestamp":"yesterday"}]}""", "invalid_time")]
    [InlineData("""{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"buy","price":1,"qty":1,"trade_id":1,"timestamp":"1999-09-25T07:48:36Z"}]}""", "absurd_time")]
    [InlineData("""{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"buy","price":"x","qty":1,"trade_id":1,"timestamp":"2023-09-25T07:48:36Z"}]}""", "invalid_number")]
    [InlineData("""{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"buy","price":1,"qty":1,"timestamp":"2023-09-25T07:48:36Z"}]}""", "missing_field")]
    [InlineData("""{"channel":"trade","type":"update","data":[{"symbol":"BTCUSD","side":"buy","price":1,"qty":1,"trade_id":1,"timestamp":"2023-09-25T07:48:36Z"}]}""", "unknown_symbol")]
    [InlineData("""{"channel":"trade","type":"update","data":[""", "malformed_json")]
    [InlineData("""{"type":"update"}""", "unknown_type")]
    [InlineData("""[1,[["1","1","1618678142.5","b","l",""]],"trade","XBTUSD"]""", "unknown_symbol")]
    [InlineData("""{"event":"error","errorMessage":"Malformed request"}""", "venue_error")]
    [InlineData("""42""", "malformed_json")]
    public void Bad_frames_are_invalid_with_a_reason(string frame, string reason)
    {
        var trades = new List<Trade>();
        var result = Parser().Parse(frame, trades);

        Assert.Equal((FrameKind.Invalid, reason), (result.Kind, result.Reason));
        Assert.Empty(trades);
    }

    [Fact]
    public void A_frame_with_one_bad_trade_keeps_its_good_trades()
    {
        var trades = new List<Trade>();
        var result = Parser().Parse(V2Update.Replace("\"qty\":6423.46326", "\"qty\":0", StringComparison.Ordinal), trades);

        Assert.Equal((FrameKind.Invalid, "non_positive_size", 1), (result.Kind, result.Reason, result.Trades));
        Assert.Equal(4665847, Assert.Single(trades).TradeId);
    }

    [Fact]
    public void Oversized_frames_are_refused_before_parsing()
    {
        var parser = new KrakenFrameParser(new FrameParserOptions { MaxFrameBytes = 64 }, TimeProvider.System, new SymbolMap(Venue()));

        Assert.Equal(DeadLetterReasons.OversizedFrame, parser.Parse(V2Update, []).Reason);
    }

    [Fact]
    public void Rest_trades_rows_carry_the_trade_id_and_the_cursor()
    {
        // From Kraken's "Get Recent Trades" docs: [price, volume, time, side, type, misc, trade_id].
        const string body = """{"error":[],"result":{"XXBTZUSD":[["30243.40000","0.34507674",1688669597.8277369,"b","m","",61044952],["30243.30000","0.00376960",1688669598.2804112,"s","l","",61044953]],"last":"1688671969993150842"}}""";
        var trades = new List<Trade>();

        var result = Parser().ParseRestTrades(System.Text.Encoding.UTF8.GetBytes(body), "BTC-USD", trades, out var last);

        Assert.Equal(FrameKind.Trades, result.Kind);
        Assert.Equal(1688671969993150842, last);
        Assert.Equal(
            [
                new Trade("BTC-USD", 61044952, Epoch.AddTicks(16886695978277369), 30243.4m, 0.34507674m, TakerSide.Buy) { Venue = "kraken" },
                new Trade("BTC-USD", 61044953, Epoch.AddTicks(16886695982804112), 30243.3m, 0.00376960m, TakerSide.Sell) { Venue = "kraken" },
            ],
            trades);
        Assert.Throws<InvalidOperationException>(() => Parser().ParseRestTrades("""{"error":["EQuery:Unknown asset pair"]}"""u8, "BTC-USD", [], out _));
    }

    [Fact]
    public void Symbols_and_endpoints()
    {
        var venue = Venue();
        Assert.Equal("BTC/USD", venue.SymbolOf("BTC-USD"));
        Assert.Equal("BTC-USD", venue.ProductFromSymbol("XBT/USD"));
        Assert.Equal("BTC-USD", venue.ProductFromSymbol("BTC/USD"));
        Assert.Null(venue.ProductFromSymbol("XBTUSD"));
        Assert.Null(venue.ProductFromSymbol("A/B/C"));
        Assert.Equal("XBTUSD", KrakenRestClient.RestPair("BTC-USD"));
        Assert.True(venue.ServesEndpoint(new Uri("wss://ws.kraken.com")));
        Assert.True(venue.ServesEndpoint(new Uri("wss://ws.kraken.com/v2")));
        Assert.False(venue.ServesEndpoint(new Uri("wss://ws.bitstamp.net")));
        Assert.True(venue.ContiguousTradeIds);
        Assert.Equal(HistoryCoverage.Full, venue.History);
    }

    [Fact]
    public void The_live_feed_subscribes_to_trades_of_the_v2_symbols_with_a_snapshot_and_pings()
    {
        var feed = Venue().CreateLiveFeed("kraken");

        var message = Assert.Single(feed.SubscribeMessages(["BTC-USD", "ETH-USD"]));
        Assert.Equal("""{"method":"subscribe","params":{"channel":"trade","symbol":["BTC/USD","ETH/USD"],"snapshot":true}}""", System.Text.Encoding.UTF8.GetString(message.Span));
        Assert.Equal(new Uri("wss://ws.kraken.com/v2"), feed.Url);
        Assert.Equal("""{"method":"ping"}""", System.Text.Encoding.UTF8.GetString(feed.Ping.Message.Span));
        Assert.Equal(Timeout.InfiniteTimeSpan, feed.MaxConnectionAge);
        Assert.False(feed.IsReconnectRequest("""{"channel":"heartbeat"}"""u8));
    }

    [Fact]
    public void The_parser_never_throws_on_mutated_frames()
    {
        var parser = Parser();
        var seeds = CryptofeedRecording.Read("KRAKEN").Where(r => r.Type == "recv").Take(60).Select(r => r.Data!).Append(V2Update).ToList();
        Fuzz.Mutations(seeds, 3000, frame => parser.Parse(frame, []));
    }

    private static decimal Dec(string text) => decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    internal sealed class NoHttp : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => throw new NotSupportedException("no REST in parser tests");
    }
}
