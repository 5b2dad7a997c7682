using System.Net;
using System.Text;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Venues;
using BitcoinVolume.Ingest.Venues.Bybit;

namespace BitcoinVolume.Ingest.Tests.Venues.Bybit;

/// <summary>The Bybit venues: symbols, instruments, endpoints, the live feed's messages, REST recent-trade, and the hand-made data file.</summary>
public sealed class BybitVenueTests
{
    /// <summary>The shape of https://bybit-exchange.github.io/docs/v5/market/recent-trade's response example (spot).</summary>
    private const string RecentTradeBody =
        """{"retCode":0,"retMsg":"OK","result":{"category":"spot","list":[{"execId":"2100000000007764263","symbol":"BTCUSDT","price":"16618.49","size":"0.00012","side":"Buy","time":"1672052955758","isBlockTrade":false},{"execId":"2100000000007764262","symbol":"BTCUSDT","price":"16618.48","size":"0.5","side":"Sell","time":"1672052955700","isBlockTrade":false}]},"retExtInfo":{},"time":1672053054358}""";

    [Fact]
    public void Ids_sources_and_declarations()
    {
        var spot = BybitTestVenues.Spot();
        var linear = BybitTestVenues.Linear();

        Assert.Equal(("bybit", "bybit-linear"), (spot.Id, linear.Id));
        Assert.Equal(["bybit"], spot.LiveSources.Select(s => s.Name));
        Assert.Equal(["bybit-linear"], linear.LiveSources.Select(s => s.Name));
        Assert.False(spot.ContiguousTradeIds);
        Assert.False(linear.ContiguousTradeIds);
        Assert.Equal(HistoryCoverage.Recent, spot.History);
        Assert.Equal(MarketType.LinearPerpetual, ((IVenue)linear).Market);
        Assert.Equal("BTCUSDT", spot.SymbolOf("BTC-USDT"));
        Assert.Null(spot.ProductFromSymbol("BTCUSDT"));
    }

    [Fact]
    public void Endpoints_tell_spot_from_linear()
    {
        Assert.True(BybitTestVenues.Spot().ServesEndpoint(new Uri("wss://stream.bybit.com/v5/public/spot")));
        Assert.False(BybitTestVenues.Spot().ServesEndpoint(new Uri("wss://stream.bybit.com/v5/public/linear")));
        Assert.True(BybitTestVenues.Linear().ServesEndpoint(new Uri("wss://stream.bybit.com/v5/public/linear")));
        Assert.False(BybitTestVenues.Linear().ServesEndpoint(new Uri("wss://ws.okx.com:8443/ws/v5/public")));
    }

    [Fact]
    public void The_live_feed_subscribes_one_topic_per_message_named_by_req_id_and_pings_below_the_stall_timeout()
    {
        var feed = BybitTestVenues.Linear().CreateLiveFeed("bybit-linear");

        Assert.Equal(new Uri("wss://stream.bybit.com/v5/public/linear"), feed.Url);
        Assert.Equal(["""{"op":"subscribe","req_id":"publicTrade.BTCUSDT","args":["publicTrade.BTCUSDT"]}""", """{"op":"subscribe","req_id":"publicTrade.ETHUSDT","args":["publicTrade.ETHUSDT"]}"""],
            feed.SubscribeMessages(["BTC-USDT", "ETH-USDT"]).Select(m => Encoding.UTF8.GetString(m.Span)));
        // Below the default stall timeout, with room for a late pong: on a quiet product the pong is the only frame.
        Assert.Equal(TimeSpan.FromSeconds(4), feed.Ping.Interval);
        Assert.True(feed.Ping.Interval * 2 <= new LiveOptions().StallTimeout);
        Assert.Equal(feed.Ping.Interval, BybitTestVenues.Spot().CreateLiveFeed("bybit").Ping.Interval);
        Assert.Equal("""{"op":"ping"}""", Encoding.UTF8.GetString(feed.Ping.Message.Span));
        Assert.Equal(Timeout.InfiniteTimeSpan, feed.MaxConnectionAge);
        Assert.Throws<ArgumentException>(() => BybitTestVenues.Linear().CreateLiveFeed("bybit"));
    }

    [Fact]
    public void Instrument_lists_map_symbols_and_keep_only_linear_perpetuals_on_linear()
    {
        var http = ReadDataFile().Where(r => r.GetProperty("t").GetString() == "http").ToList();
        var spotUrl = new Uri(http[0].GetProperty("url").GetString()!);
        var linearUrl = new Uri(http[1].GetProperty("url").GetString()!);

        Assert.Equal([new Instrument("BTCUSDT", "BTC-USDT"), new Instrument("ETHUSDT", "ETH-USDT")],
            BybitTestVenues.Spot().ParseInstruments(spotUrl, http[0].GetProperty("data").GetString()!));
        Assert.Equal([new Instrument("BTCUSDT", "BTC-USDT")], BybitTestVenues.Linear().ParseInstruments(linearUrl, http[1].GetProperty("data").GetString()!));
        Assert.Empty(BybitTestVenues.Linear().ParseInstruments(spotUrl, http[0].GetProperty("data").GetString()!));
        Assert.Throws<FormatException>(() => BybitTestVenues.Spot().ParseInstruments(spotUrl, "{\"retCode\":0}"));
        Assert.Throws<FormatException>(() => BybitTestVenues.Spot().ParseInstruments(spotUrl, "nope"));
    }

    [Fact]
    public void The_hand_made_file_parses_to_the_trades_written_in_it()
    {
        var records = ReadDataFile();
        var venues = new IVenue[] { BybitTestVenues.Spot(), BybitTestVenues.Linear() };
        var maps = venues.ToDictionary(v => v.Id, v => new SymbolMap(v));
        foreach (var http in records.Where(r => r.GetProperty("t").GetString() == "http"))
        {
            foreach (var venue in venues)
            {
                maps[venue.Id].AddRange(venue.ParseInstruments(new Uri(http.GetProperty("url").GetString()!), http.GetProperty("data").GetString()!));
            }
        }

        var connections = records.Where(r => r.GetProperty("t").GetString() == "connect")
            .ToDictionary(r => r.GetProperty("conn").GetString()!, r => venues.Single(v => v.ServesEndpoint(new Uri(r.GetProperty("addr").GetString()!))));
        var trades = new List<Trade>();
        var results = new List<FrameResult>();
        foreach (var recv in records.Where(r => r.GetProperty("t").GetString() == "recv"))
        {
            var venue = connections[recv.GetProperty("conn").GetString()!];
            var parser = venue.CreateParser(new FrameParserOptions(), new BybitTestVenues.FixedClock(BybitTestVenues.Now), maps[venue.Id]);
            results.Add(parser.Parse(Encoding.UTF8.GetBytes(recv.GetProperty("data").GetString()!), trades));
        }

        // Values as written in tests/data/bybit/BYBIT.handmade.jsonl.
        Assert.Equal(
        [
            ("bybit", "BTC-USDT", 2290000000061666327L, (string?)null, 1672304486865L, 16578.50m, 0.001m, TakerSide.Buy),
            ("bybit", "BTC-USDT", 2290000000061666328L, null, 1672304486866L, 16578.49m, 0.012345m, TakerSide.Sell),
            ("bybit-linear", "BTC-USDT", 1783284617L, "20f43950-d8dd-5b31-9112-a178eb6023af", 1672304486865L, 16578.50m, 0.001m, TakerSide.Buy),
            ("bybit-linear", "BTC-USDT", 1783284631L, "7b1e3c1a-65c2-5b2f-a0d5-9c5d7e1f3a42", 1672304487498L, 16570.00m, 2.500m, TakerSide.Sell),
        ],
        trades.Select(t => (t.Venue, t.Product, t.TradeId, t.TextId, t.Time.ToUnixTimeMilliseconds(), t.Price, t.Size, t.Side)));
        Assert.Equal([FrameKind.Ignored, FrameKind.Ignored, FrameKind.Invalid, FrameKind.Trades, FrameKind.Trades, FrameKind.Ignored, FrameKind.Trades, FrameKind.Heartbeat, FrameKind.Heartbeat],
            results.Select(r => r.Kind));
        var rejected = results.Single(r => r.Kind == FrameKind.Invalid);
        Assert.Equal(DeadLetterReasons.SubscriptionRejected, rejected.Reason);
        Assert.Contains("publicTrade.XYZUSDT", rejected.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recent_trades_are_the_latest_below_the_gap_newest_first_without_a_cursor()
    {
        using var http = new HttpClient(new Answer(HttpStatusCode.OK, RecentTradeBody)) { BaseAddress = new Uri("http://bybit.test/") };
        var venue = BybitTestVenues.Spot(http);
        var history = venue.CreateHistory(new FrameParserOptions(), new BybitTestVenues.FixedClock(BybitTestVenues.Now), SymbolMap.ForProducts(venue, ["BTC-USDT"]));

        var page = await history.GetTradesAsync("BTC-USDT", before: 2100000000007764263, limit: 1000, CancellationToken.None);

        Assert.Equal(60, history.MaxPageSize);
        Assert.Null(page.Next);
        Assert.Null(page.Invalid);
        var trade = Assert.Single(page.Trades);
        Assert.Equal(("bybit", "BTC-USDT", 2100000000007764262L, 16618.48m, 0.5m, TakerSide.Sell, 1672052955700L),
            (trade.Venue, trade.Product, trade.TradeId, trade.Price, trade.Size, trade.Side, trade.Time.ToUnixTimeMilliseconds()));
        Assert.Equal("/v5/market/recent-trade?category=spot&symbol=BTCUSDT&limit=60", Answer.LastPath);
    }

    [Fact]
    public async Task A_non_zero_retCode_or_an_http_error_is_a_failed_request()
    {
        using var refused = new HttpClient(new Answer(HttpStatusCode.OK, """{"retCode":10001,"retMsg":"params error","result":{}}""")) { BaseAddress = new Uri("http://bybit.test/") };
        using var down = new HttpClient(new Answer(HttpStatusCode.ServiceUnavailable, "")) { BaseAddress = new Uri("http://bybit.test/") };
        foreach (var http in new[] { refused, down })
        {
            var venue = BybitTestVenues.Linear(http);
            var history = venue.CreateHistory(new FrameParserOptions(), TimeProvider.System, SymbolMap.ForProducts(venue, ["BTC-USDT"]));
            await Assert.ThrowsAsync<HttpRequestException>(() => history.GetTradesAsync("BTC-USDT", 10, 100, CancellationToken.None));
        }
    }

    private static List<JsonElement> ReadDataFile() =>
        [.. File.ReadLines(Path.Combine(AppContext.BaseDirectory, "data", "bybit", "BYBIT.handmade.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)];

    private sealed class Answer(HttpStatusCode status, string body) : HttpMessageHandler
    {
        public static string? LastPath { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            LastPath = request.RequestUri!.PathAndQuery;
            return Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body) });
        }
    }
}
