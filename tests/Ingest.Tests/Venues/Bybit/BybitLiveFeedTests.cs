using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Venues;
using BitcoinVolume.TestSupport;

namespace BitcoinVolume.Ingest.Tests.Venues.Bybit;

/// <summary>
/// Ingest as a host reading <c>bybit</c> (spot) or <c>bybit-linear</c> live from <see cref="FakeBybit"/>: a drop, a
/// stall (pings unanswered: the watchdog reconnects), a duplicate within a connection and a repeat across a reconnect
/// (dropped by id: spot's numeric <c>i</c>, linear's UUID text id, even where two trades share a <c>seq</c>), and one
/// refused symbol dead-lettered as <c>subscription_rejected</c> naming its topic and product while the others flow.
/// What the adapter claims is what is checked: ids are not contiguous (dedup only) so the trades lost in the drop are
/// neither detected nor fetched — <c>trades</c> holds exactly the trades the server sent, none missing, none twice, and
/// no REST request is made.
/// </summary>
public sealed class BybitLiveFeedTests : IAsyncLifetime
{
    private KafkaTestCluster kafka = null!;

    public Task InitializeAsync()
    {
        kafka = KafkaTestCluster.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await kafka.DisposeAsync();

    [Theory]
    [InlineData(Contracts.Venues.Bybit)]
    [InlineData(Contracts.Venues.BybitLinear)]
    public async Task Every_trade_sent_is_produced_once_through_a_drop_a_stall_duplicates_and_a_refused_symbol_and_the_trades_lost_in_the_drop_are_not_fetched(string venue)
    {
        await using var bybit = await FakeBybit.StartAsync(venue, "XRP-USDT", "BTC-USDT", "ETH-USDT");
        var expected = bybit.SentTrades.ToList();

        var outcome = await VenueLiveTest.RunAsync(
            kafka,
            venue,
            ["BTC-USDT", "ETH-USDT", "XRP-USDT"],
            new Dictionary<string, string>
            {
                [$"Ingest:Venues:{venue}:Url"] = bybit.Url.ToString(),
                [$"Ingest:Venues:{venue}:RestUrl"] = bybit.BaseUrl.ToString(),
                [$"Ingest:Venues:{venue}:PingSeconds"] = "1",
                // Pongs (every PingSeconds) are all a quiet Bybit connection carries: the watchdog waits longer than that.
                ["Ingest:Live:StallTimeout"] = "00:00:02.5",
            },
            expected.Count,
            status => status.GetProperty("reconnects").GetInt64() >= 2 && bybit.Connections >= 3,
            expectedLetters: 3);

        // Exactly the trades sent (block trades included), key venue|product; the trades lost in the drop are not there.
        VenueLiveTest.AssertExactly(expected, outcome.Trades);
        Assert.All(outcome.Trades, t => Assert.StartsWith(venue + "|", t.Key, StringComparison.Ordinal));
        var lost = bybit.LostTrades.ToList();
        Assert.Equal(bybit.Products.Count * (FakeBybit.LastLost - FakeBybit.FirstLost + 1), lost.Count);
        Assert.DoesNotContain(outcome.Trades, t => lost.Any(l => l.TradeId == t.Value.TradeId && l.TextId == t.Value.TextId && l.Product == t.Value.Product));
        if (bybit.Linear)
        {
            // UUIDs are the identity; two trades of a match share a seq (TradeId) and both are produced.
            Assert.All(outcome.Trades, t => Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", t.Value.TextId));
            Assert.Contains(outcome.Trades.GroupBy(t => (t.Value.Product, t.Value.TradeId)), g => g.Count() == 2);
        }
        else
        {
            Assert.All(outcome.Trades, t => Assert.Null(t.Value.TextId));
        }

        // The refused symbol: one dead letter per refusal (one per connection), naming the topic and the product.
        Assert.InRange(outcome.Letters.Count, 3, bybit.RefusalsSent);
        Assert.All(outcome.Letters, l => Assert.Equal(DeadLetterReasons.SubscriptionRejected, l.Reason));
        Assert.All(outcome.Letters, l => Assert.Contains($"{venue} refused publicTrade.XRPUSDT (product XRP-USDT): error:handler not found", l.Detail, StringComparison.Ordinal));
        Assert.All(outcome.Letters, l => Assert.StartsWith($"{venue}#", l.Source, StringComparison.Ordinal));

        // The faults happened: a drop and a stall (two reconnects); the stalled connection was silent (pings unanswered)
        // until the watchdog gave up on it; the duplicate and the repeat of each product were dropped.
        var status = outcome.Status;
        Assert.True(status.GetProperty("reconnects").GetInt64() >= 2, status.ToString());
        Assert.True(bybit.Connections >= 3, $"{bybit.Connections} connections");
        Assert.True(bybit.StallEndedAfter >= TimeSpan.FromSeconds(2), $"the stalled connection ended after {bybit.StallEndedAfter}");
        var (pings, pongs, unanswered) = bybit.PingCounts;
        Assert.True(pings > 0 && pongs > 0 && unanswered > 0, $"pings {pings}, pongs {pongs}, unanswered {unanswered}");
        Assert.True(status.GetProperty("duplicates").GetInt64() >= 2 * 2, status.ToString());

        // Dedup only: no gap detected, none backfilled or reported, and REST is never asked (the lost trades stay lost).
        Assert.Equal(0, status.GetProperty("gapsDetected").GetInt64());
        Assert.Equal(0, status.GetProperty("backfilled").GetInt64());
        Assert.Equal(0, status.GetProperty("unfilledGaps").GetInt64());
        Assert.Equal(0, status.GetProperty("openGaps").GetInt32());
        Assert.Empty(bybit.RestRequests);
        Assert.True(status.GetProperty("connected").GetBoolean());
        VenueLiveTest.AssertRefusalReported(outcome, "XRP-USDT");

        // But the loss is said in band: per traded product, a disconnect marker on trades made unfilled once trades flowed again.
        var markers = kafka.ReadAll(Topics.Trades, 2, ContractSerializers.GapDeserializer, where: g => g.State == GapState.Unfilled).Select(m => m.Value).ToList();
        foreach (var product in new[] { "BTC-USDT", "ETH-USDT" })
        {
            var unfilled = Assert.Single(markers, m => m.Product == product && m.Id.StartsWith($"disconnect:{venue}#1", StringComparison.Ordinal));
            Assert.Equal((venue, TradeGap.Disconnect), (unfilled.Venue, unfilled.Cause));
            Assert.Contains("cannot be detected or backfilled", unfilled.Reason, StringComparison.Ordinal);
            Assert.True(unfilled.To >= unfilled.From);
        }

        // One subscribe request per product, named by req_id, on every connection.
        Assert.All(bybit.Subscribes, s => Assert.Matches("""^\{"op":"subscribe","req_id":"publicTrade\.(BTC|ETH|XRP)USDT","args":\["publicTrade\.\1USDT"\]\}$""", s));
        Assert.Equal(
            Enumerable.Repeat(new[] { "BTC", "ETH", "XRP" }, 3).SelectMany(i => i),
            bybit.Subscribes.Take(9).Select(s => Regex.Match(s, "req_id\":\"publicTrade\\.([A-Z]+)USDT").Groups[1].Value));
    }

    /// <summary>
    /// A quiet market carries nothing but the pongs: with the deployed defaults (<c>Live:StallTimeout</c> and the
    /// venue's <c>PingSeconds</c>) the pongs must come often enough that the watchdog does not take it for a stall —
    /// a reconnect there would lose trades silently (ids cannot reveal the loss). Runs 1.3 stall timeouts.
    /// </summary>
    [Theory]
    [InlineData(Contracts.Venues.Bybit)]
    [InlineData(Contracts.Venues.BybitLinear)]
    public async Task A_quiet_market_is_not_taken_for_a_stall_with_the_default_ping_and_stall_timeout(string venue)
    {
        await using var bybit = await FakeBybit.StartQuietAsync(venue, "XRP-USDT", "BTC-USDT");
        var stallTimeout = new LiveOptions().StallTimeout;
        var watched = Stopwatch.StartNew();

        var outcome = await VenueLiveTest.RunAsync(
            kafka,
            venue,
            ["BTC-USDT", "XRP-USDT"],
            new Dictionary<string, string>
            {
                [$"Ingest:Venues:{venue}:Url"] = bybit.Url.ToString(),
                [$"Ingest:Venues:{venue}:RestUrl"] = bybit.BaseUrl.ToString(),
                ["Ingest:Live:StallTimeout"] = stallTimeout.ToString("c", CultureInfo.InvariantCulture), // the default (RunAsync shortens it)
            },
            expectedTrades: 0,
            _ => watched.Elapsed > stallTimeout * 1.3,
            expectedLetters: 1);

        Assert.Empty(outcome.Trades);
        Assert.Equal(0, outcome.Status.GetProperty("reconnects").GetInt64());
        Assert.Equal(1, bybit.Connections);
        Assert.True(bybit.PingCounts.Pongs > 0, "no pong was sent");
        Assert.True(outcome.Status.GetProperty("connected").GetBoolean());
        Assert.Equal([DeadLetterReasons.SubscriptionRejected], outcome.Letters.Select(l => l.Reason));
    }
}

/// <summary>
/// <see cref="FakeBybit"/>'s REST is what the adapter reads: its <c>instruments-info</c> maps the products (linear: the
/// perpetuals only), and <see cref="BybitRestClient"/> reads its <c>recent-trade</c> as the fake's trades — the lost
/// ones included, which ingest never asks for (see <see cref="BybitLiveFeedTests"/>).
/// </summary>
public sealed class FakeBybitRestTests
{
    private static readonly DateTimeOffset Now = new(2024, 5, 1, 12, 1, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(Contracts.Venues.Bybit, "spot", 60)]
    [InlineData(Contracts.Venues.BybitLinear, "linear", 1000)]
    public async Task The_adapter_reads_the_fakes_instruments_and_recent_trades(string venue, string category, int pageSize)
    {
        await using var bybit = await FakeBybit.StartAsync(venue, "XRP-USDT", "BTC-USDT", "ETH-USDT");
        using var http = new HttpClient { BaseAddress = bybit.BaseUrl };
        IVenue adapter = bybit.Linear ? BybitTestVenues.Linear(http) : BybitTestVenues.Spot(http);

        var instrumentsUrl = new Uri(bybit.BaseUrl, $"v5/market/instruments-info?category={category}");
        var instruments = adapter.ParseInstruments(instrumentsUrl, await http.GetStringAsync(instrumentsUrl));
        Assert.Equal([("BTCUSDT", "BTC-USDT"), ("ETHUSDT", "ETH-USDT")], instruments.Select(i => (i.Symbol, i.Product)));
        Assert.Empty(adapter.ParseInstruments(new Uri(bybit.BaseUrl, "v5/market/instruments-info?category=option"), await http.GetStringAsync(instrumentsUrl)));

        var symbols = new SymbolMap(adapter);
        symbols.AddRange(instruments);
        var history = adapter.CreateHistory(new FrameParserOptions(), new BybitTestVenues.FixedClock(Now), symbols);
        Assert.Equal(pageSize, history.MaxPageSize);

        // All 40 trades are within the latest page of the market: the lost ones too.
        var page = await history.GetTradesAsync("ETH-USDT", long.MaxValue, 100, CancellationToken.None);
        Assert.Null(page.Invalid);
        Assert.Null(page.Next);
        Assert.Equal(Ordered(bybit.Trades[1]), Ordered(page.Trades));
        Assert.Contains(bybit.LostTrades.First(t => t.Product == "ETH-USDT"), page.Trades);

        // A page below an id: the newest trades under it, at most the limit.
        var below = bybit.Trades[1][30].TradeId;
        var older = await history.GetTradesAsync("ETH-USDT", below, 5, CancellationToken.None);
        Assert.Equal(5, older.Trades.Count);
        Assert.All(older.Trades, t => Assert.True(t.TradeId < below));
        Assert.Equal(bybit.Trades[1].Where(t => t.TradeId < below).Max(t => t.TradeId), older.Trades.Max(t => t.TradeId));

        // A symbol the market does not have: Bybit's retCode error, thrown (counted and retried by the backfiller).
        await Assert.ThrowsAsync<HttpRequestException>(() => history.GetTradesAsync("XRP-USDT", long.MaxValue, 10, CancellationToken.None));

        Assert.Equal(5, bybit.RestRequests.Count);
        Assert.All(bybit.RestRequests.Skip(2), r => Assert.Matches($@"^/v5/market/recent-trade\?category={category}&symbol=(ETH|XRP)USDT&limit={pageSize}$", r));
    }

    private static List<Trade> Ordered(IEnumerable<Trade> trades) =>
        [.. trades.OrderBy(t => t.TradeId).ThenBy(t => t.TextId, StringComparer.Ordinal)];
}
