using System.Globalization;
using System.Text;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Venues;
using BitcoinVolume.Ingest.Venues.Gemini;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Ingest.Tests.Venues.Gemini;

/// <summary>
/// The Gemini spot parser on the real recording (tests/data/cryptofeed/GEMINI.jsonl: market data v2 <c>l2</c> of 7 spot
/// symbols and 3 perpetuals on one connection; the first <c>l2_updates</c> of each symbol holds its book and its recent
/// trades, then book changes, two live <c>trade</c> frames and two heartbeats) and on frames shaped like Gemini's v2 docs.
/// </summary>
public sealed class GeminiFrameParserTests
{
    private const string File = "GEMINI.jsonl";
    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    [Fact]
    public void Recording_gives_the_spot_trades_field_by_field_and_ignores_the_perpetuals()
    {
        var venue = Venue();
        var parser = venue.CreateParser(RecordingLines.Options, TimeProvider.System, RecordingLines.Symbols(venue, File));
        var trades = new List<Trade>();
        var results = RecordingLines.Read(File).Where(l => l.Type == "recv").Select(l => parser.Parse(Encoding.UTF8.GetBytes(l.Data!), trades)).ToList();

        Assert.Equal(563, results.Count);
        Assert.DoesNotContain(results, r => r.Kind == FrameKind.Invalid);
        Assert.Equal(512, trades.Count); // 810 recent + 2 live trades in the file, of which 300 are the perpetuals'
        Assert.Equal(512, trades.Select(t => (t.Product, t.TradeId)).Distinct().Count());
        Assert.All(trades, t => Assert.Equal("gemini", t.Venue));
        Assert.Equal(
            [("BTC-EUR", 10), ("BTC-USD", 102), ("BTC-USDT", 100), ("ETH-USD", 100), ("ETH-USDT", 100), ("SOL-USD", 100)],
            trades.GroupBy(t => t.Product).Select(g => (g.Key, g.Count())).OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal(363, trades.Count(t => t.Side == TakerSide.Buy));
        Assert.Equal(397.67609137m, trades.Sum(t => t.Size));
        Assert.Equal(0.29079493m, trades.Where(t => t.Product == "BTC-USD").Sum(t => t.Size));

        // By hand from the file: line 354 (BTCUSDT's recent trades, first and last), 355 (SOLUSD's first), 360 (BTCEUR's
        // last), 361 (BTCUSD's first) and the two live trade frames, lines 633 and 743.
        Assert.Equal(new Trade("BTC-USDT", 2840141017342098, Epoch.AddMilliseconds(1785906395513), 64304.09m, 0.00778186m, TakerSide.Buy) { Venue = "gemini" }, trades[0]);
        Assert.Equal(new Trade("BTC-USDT", 2840141017902672, Epoch.AddMilliseconds(1786311796070), 65210.45m, 0.01400784m, TakerSide.Sell) { Venue = "gemini" }, trades[99]);
        Assert.Equal(new Trade("SOL-USD", 2840141017900091, Epoch.AddMilliseconds(1786310047787), 77.153m, 0.0009m, TakerSide.Buy) { Venue = "gemini" }, trades[100]);
        Assert.Equal(new Trade("BTC-EUR", 2840141017550081, Epoch.AddMilliseconds(1786052825593), 55945.2m, 0.0059m, TakerSide.Buy) { Venue = "gemini" }, trades[409]);
        Assert.Equal(new Trade("BTC-USD", 2840141017903864, Epoch.AddMilliseconds(1786312679921), 65154.0m, 0.00007674m, TakerSide.Buy) { Venue = "gemini" }, trades[410]);
        Assert.Equal(new Trade("BTC-USD", 2840141017904555, Epoch.AddMilliseconds(1786313194672), 65206.29m, 0.00007667m, TakerSide.Buy) { Venue = "gemini" }, trades[510]);
        Assert.Equal(new Trade("BTC-USD", 2840141017904557, Epoch.AddMilliseconds(1786313195817), 65206.29m, 0.00007667m, TakerSide.Buy) { Venue = "gemini" }, trades[511]);

        // Not contiguous: BTCUSD's ids rise with holes (…864, …872, …874).
        var btcUsd = trades.Where(t => t.Product == "BTC-USD").Select(t => t.TradeId).ToList();
        Assert.Equal(btcUsd.Order(), btcUsd);
        Assert.Equal([2840141017903864, 2840141017903872, 2840141017903874], btcUsd.Take(3));

        // Every frame of a perpetual (3 first frames with book and 300 trades, 130 book changes) is other_market; the
        // spot book changes (and BTCGBP's first frame: its trades list is empty) are l2_updates.
        Assert.Equal(
            [(FrameKind.Trades, "trade", 8), (FrameKind.Ignored, "l2_updates", 420), (FrameKind.Ignored, "other_market", 133), (FrameKind.Heartbeat, "heartbeat", 2)],
            results.GroupBy(r => (r.Kind, r.Label)).Select(g => (g.Key.Kind, g.Key.Label, g.Count())).OrderBy(g => g.Kind).ThenBy(g => g.Label, StringComparer.Ordinal));
    }

    [Fact]
    public void Side_rule_agrees_with_the_book_kept_from_the_l2_changes()
    {
        var venue = Venue();
        var parser = venue.CreateParser(RecordingLines.Options, TimeProvider.System, RecordingLines.Symbols(venue, File));
        var books = new Dictionary<string, TestBook>(StringComparer.Ordinal);
        var (agree, inside) = (0, 0);
        foreach (var line in RecordingLines.Read(File).Where(l => l.Type == "recv"))
        {
            using var json = JsonDocument.Parse(line.Data!);
            var root = json.RootElement;
            var symbol = root.TryGetProperty("symbol", out var s) ? s.GetString() : null;
            switch (root.GetProperty("type").GetString())
            {
                case "l2_updates":
                    if (!books.TryGetValue(symbol!, out var book))
                    {
                        books[symbol!] = book = new TestBook();
                    }

                    foreach (var change in root.GetProperty("changes").EnumerateArray())
                    {
                        book.Set(change[0].GetString() == "buy", Dec(change[1]), Dec(change[2]));
                    }

                    break;
                case "trade":
                    var trades = new List<Trade>();
                    parser.Parse(Encoding.UTF8.GetBytes(line.Data!), trades);
                    var trade = Assert.Single(trades);
                    if (books[symbol!].SideAtTouch(trade.Price) is { } touch)
                    {
                        Assert.Equal(touch, trade.Side);
                        agree++;
                    }
                    else
                    {
                        inside++;
                    }

                    break;
            }
        }

        // The two live trades (BTCUSD 65206.29, lines 633 and 743) print at the best ask (bid 65206.28) and are "buy".
        // The recent trades of the first frames are hours to days old: the book of the recording cannot judge them.
        Assert.Equal((2, 0), (agree, inside));
    }

    [Fact]
    public void Instruments_are_the_spot_details_only()
    {
        var venue = Venue();
        var http = RecordingLines.Read(File).Where(l => l.Type == "http").ToList();
        var symbols = RecordingLines.Symbols(venue, File);

        Assert.Equal(347, http.Count(l => l.Url!.Contains("/v1/symbols/details/", StringComparison.Ordinal)));
        Assert.Empty(venue.ParseInstruments(new Uri(http[0].Url!), http[0].Data!)); // /v1/symbols: names only
        Assert.Equal(
            ["BTC-EUR", "BTC-GBP", "BTC-USD", "BTC-USDT", "ETH-USD", "ETH-USDT", "SOL-USD"],
            new[] { "BTCEUR", "BTCGBP", "BTCUSD", "BTCUSDT", "ETHUSD", "ETHUSDT", "SOLUSD" }.Select(sym => symbols.TryGet(sym, out var i) ? i.Product : "?"));
        Assert.False(symbols.TryGet("BTCUSDCPERP", out _));
        Assert.False(symbols.TryGet("ETHUSDCPERP", out _));
        Assert.True(symbols.TryGet("ETHRLUSD", out var rlusd));
        Assert.Equal("ETH-RLUSD", rlusd.Product);
        Assert.Equal(
            http.Count(l => l.Url!.Contains("/v1/symbols/details/", StringComparison.Ordinal) && !l.Url.EndsWith("perp", StringComparison.Ordinal)),
            symbols.Count);

        var details = new Uri("https://api.gemini.com/v1/symbols/details/btcusdcperp");
        Assert.Empty(venue.ParseInstruments(details, """{"symbol":"BTCUSDCPERP","quote_currency":"USDC","product_type":"swap","contract_type":"linear","base_currency":"BTC"}"""));
        Assert.Empty(venue.ParseInstruments(new Uri("https://api.binance.com/v1/symbols/details/btcusd"), """{"symbol":"BTCUSD","quote_currency":"USD","product_type":"spot","base_currency":"BTC"}"""));
        Assert.Throws<FormatException>(() => venue.ParseInstruments(details, "{\"symbol\":"));
        Assert.Throws<FormatException>(() => venue.ParseInstruments(details, "[]"));
        Assert.Null(venue.ProductFromSymbol("BTCUSD"));
        Assert.Equal("BTCUSD", venue.SymbolOf("BTC-USD"));
    }

    [Fact]
    public void Endpoints_feed_and_ids_are_gemini_spots()
    {
        var venue = Venue();
        Assert.True(venue.ServesEndpoint(new Uri("wss://api.gemini.com/v2/marketdata/")));
        Assert.True(venue.ServesEndpoint(new Uri("wss://api.sandbox.gemini.com/v2/marketdata")));
        Assert.False(venue.ServesEndpoint(new Uri("wss://api.gemini.com/v1/order/events")));
        Assert.False(venue.ServesEndpoint(new Uri("wss://ws.okx.com:8443/ws/v5/public")));
        Assert.False(venue.ContiguousTradeIds);
        Assert.Equal(HistoryCoverage.None, venue.History);
        Assert.Equal(MarketType.Spot, ((IVenue)venue).Market);
        Assert.False(Contracts.Venues.Find("gemini")!.EnabledByDefault);

        var feed = venue.CreateLiveFeed("gemini");
        Assert.Equal(("gemini", new Uri("wss://api.gemini.com/v2/marketdata")), (feed.Name, feed.Url));
        Assert.False(feed.Ping.Enabled); // Gemini's own heartbeat every 5 s feeds the watchdog
        Assert.Equal(Timeout.InfiniteTimeSpan, feed.MaxConnectionAge);
        Assert.Equal(
            ["""{"type":"subscribe","subscriptions":[{"name":"l2","symbols":["BTCUSD","ETHUSDT"]}]}"""],
            feed.SubscribeMessages(["BTC-USD", "ETH-USDT"]).Select(m => Encoding.UTF8.GetString(m.Span)));
        Assert.Empty(feed.SubscribeMessages([]));
        Assert.False(feed.IsReconnectRequest("""{"type":"heartbeat","timestamp":1786313195331}"""u8));
        Assert.Throws<ArgumentException>(() => venue.CreateLiveFeed("gemini-perps"));
    }

    [Fact]
    public void Frames_shaped_like_the_docs()
    {
        var parser = Parser();
        var trades = new List<Trade>();

        Assert.Equal(FrameKind.Trades, parser.Parse("""{"type":"trade","symbol":"BTCUSD","event_id":3575573053,"timestamp":1786313195817,"price":"9004.21000000","quantity":"0.09110000","side":"sell","tid":2840140800042677}""", trades).Kind);
        Assert.Equal(new Trade("BTC-USD", 2840140800042677, Epoch.AddMilliseconds(1786313195817), 9004.21m, 0.0911m, TakerSide.Sell) { Venue = "gemini" }, trades.Single());

        Assert.Equal((FrameKind.Heartbeat, "heartbeat"), Kind(parser, """{"type":"heartbeat","timestamp":1786313195331}"""));
        Assert.Equal((FrameKind.Ignored, "l2_updates"), Kind(parser, """{"type":"l2_updates","symbol":"BTCUSD","changes":[["sell","9160.20","0.1921229751"]]}"""));
        Assert.Equal((FrameKind.Ignored, "other_market"), Kind(parser, """{"type":"trade","symbol":"BTCUSDCPERP","event_id":1,"timestamp":1786313195817,"price":"65000","quantity":"1","side":"buy","tid":1}"""));
        Assert.Equal((FrameKind.Ignored, "candles"), Kind(parser, """{"type":"candles_1m_updates","symbol":"BTCUSD","changes":[[1786313160000,65200,65210,65190,65206,0.5]]}"""));
        Assert.Single(trades);
    }

    [Fact]
    public void A_refused_subscription_is_dead_lettered_with_the_reason()
    {
        var result = Parser().Parse("""{"type":"error","reason":"InvalidSymbol","message":"Invalid symbol: FOOBAR"}""", []);
        Assert.Equal((FrameKind.Invalid, "subscription_rejected"), (result.Kind, result.Reason));
        Assert.Contains("InvalidSymbol", result.Detail, StringComparison.Ordinal);
        Assert.Contains("FOOBAR", result.Detail, StringComparison.Ordinal);
        Assert.Equal("subscription_rejected", Parser().Parse("""{"result":"error","reason":"InvalidJson","message":"bad request"}""", []).Reason);
    }

    [Theory]
    [InlineData("""{"type":"trade","symbol":"BTCUSD","timestamp":1786313195817,"price":"1","quantity":"0","side":"buy","tid":1}""", "non_positive_size")]
    [InlineData("""{"type":"trade","symbol":"BTCUSD","timestamp":1786313195817,"price":"-1","quantity":"1","side":"buy","tid":1}""", "non_positive_price")]
    [InlineData("""{"type":"trade","symbol":"BTCUSD","timestamp":1786313195817,"price":"1.2.3","quantity":"1","side":"buy","tid":1}""", "invalid_number")]
    [InlineData("""{"type":"trade","symbol":"BTCUSD","timestamp":1786313195817,"price":"1","quantity":"1","side":"buy","tid":"x"}""", "invalid_number")]
    [InlineData("""{"type":"trade","symbol":"BTCUSD","timestamp":1786313195817,"price":"1","quantity":"1","side":"bid","tid":1}""", "invalid_side")]
    [InlineData("""{"type":"trade","symbol":"BTCUSD","timestamp":1786313195817,"price":"1","quantity":"1","tid":1}""", "missing_field")]
    [InlineData("""{"type":"trade","symbol":"BTCUSD","timestamp":"soon","price":"1","quantity":"1","side":"buy","tid":1}""", "invalid_time")]
    [InlineData("""{"type":"trade","symbol":"BTCUSD","timestamp":1000,"price":"1","quantity":"1","side":"buy","tid":1}""", "absurd_time")]
    [InlineData("""{"type":"trade","symbol":"DOGEUSD","timestamp":1786313195817,"price":"1","quantity":"1","side":"buy","tid":1}""", "unknown_symbol")]
    [InlineData("""{"type":"trade","timestamp":1786313195817,"price":"1","quantity":"1","side":"buy","tid":1}""", "missing_field")]
    [InlineData("""{"type":"trade","symbol":"BTCUSD",""", "malformed_json")]
    [InlineData("""[1,2]""", "malformed_json")]
    [InlineData("""{"type":"l2_updates","symbol":"BTCUSD","trades":7}""", "malformed_json")]
    [InlineData("""{"symbol":"BTCUSD"}""", "unknown_type")]
    public void Bad_frames_have_their_reason(string frame, string reason)
    {
        var trades = new List<Trade>();
        var result = Parser().Parse(frame, trades);
        Assert.Equal((FrameKind.Invalid, reason), (result.Kind, result.Reason));
        Assert.Empty(trades);
    }

    [Theory]
    [InlineData("""{"type":"ticker","symbol":"BTCUSD"}""", "type 'ticker'")]
    public void A_frame_of_a_named_but_unknown_type_is_ignored_as_news_not_dead_lettered(string frame, string unknownType)
    {
        var trades = new List<Trade>();
        var result = Parser().Parse(frame, trades);

        // Venues add message types at any time: ignored under one constant label (never the raw type), not invalid.
        Assert.Equal((FrameKind.Ignored, FrameResult.UnknownLabel, null), (result.Kind, result.Label, result.Reason));
        Assert.Equal(unknownType, result.UnknownType);
        Assert.Empty(trades);
    }

    [Fact]
    public void A_first_frame_with_one_bad_recent_trade_keeps_its_good_ones_and_skips_a_perpetuals()
    {
        var trades = new List<Trade>();
        var result = Parser().Parse(
            """{"auction_events":[],"changes":[["buy","65206.28","0.1"]],"symbol":"BTCUSD","trades":[{"price":"65154.0","quantity":"0.5","side":"buy","symbol":"BTCUSD","tid":5,"timestamp":1786312679921,"type":"trade"},{"price":"65154.0","quantity":"0.5","side":"up","symbol":"BTCUSD","tid":6,"timestamp":1786312679921,"type":"trade"},{"price":"65154.0","quantity":"0.5","side":"buy","symbol":"BTCUSDCPERP","tid":7,"timestamp":1786312679921,"type":"trade"},{"price":"1","quantity":"2","side":"sell","tid":8,"timestamp":1786312679921}],"type":"l2_updates"}""",
            trades);
        Assert.Equal((FrameKind.Invalid, "invalid_side", 2), (result.Kind, result.Reason, result.Trades));
        Assert.Contains("trade #1", result.Detail, StringComparison.Ordinal);
        Assert.Equal([5L, 8L], trades.Select(t => t.TradeId)); // #3 has no symbol: the frame's
        Assert.All(trades, t => Assert.Equal("BTC-USD", t.Product));
    }

    [Fact]
    public void Oversized_frames_are_refused_unread()
    {
        var parser = new GeminiFrameParser(new FrameParserOptions { MaxFrameBytes = 16 }, TimeProvider.System, SymbolMap.ForProducts(Venue(), ["BTC-USD"]));
        Assert.Equal("oversized_frame", parser.Parse("""{"type":"heartbeat","timestamp":1786313195331}""", []).Reason);
    }

    [Fact]
    public void Mutated_recorded_frames_never_throw()
    {
        var seeds = RecordingLines.Read(File).Where(l => l.Type == "recv").Select(l => l.Data!).Where(d => d.Length < 20_000).ToList();
        var parser = Venue().CreateParser(RecordingLines.Options, TimeProvider.System, RecordingLines.Symbols(Venue(), File));
        Fuzz.Mutations(seeds, 3000, bytes => parser.Parse(bytes, []));
    }

    private static GeminiVenue Venue() => new(Options.Create(new GeminiOptions()));

    private static GeminiFrameParser Parser() =>
        new(RecordingLines.Options, TimeProvider.System, SymbolMap.ForProducts(Venue(), ["BTC-USD"]));

    private static decimal Dec(JsonElement text) => decimal.Parse(text.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static (FrameKind, string) Kind(GeminiFrameParser parser, string frame)
    {
        var result = parser.Parse(frame, []);
        return (result.Kind, result.Label);
    }
}
