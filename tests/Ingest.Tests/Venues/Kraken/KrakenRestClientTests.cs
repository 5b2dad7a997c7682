using System.Net;
using System.Web;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Venues;
using BitcoinVolume.Ingest.Venues.Kraken;
using BitcoinVolume.TestSupport;

namespace BitcoinVolume.Ingest.Tests.Venues.Kraken;

/// <summary>Kraken's REST history pages DOWN by id although Kraken's cursor is a time (<c>since</c>, ascending pages).</summary>
public sealed class KrakenRestClientTests
{
    private static readonly List<Trade> History = TradeStream.OfProduct("BTC-USD", 9_000_000, 3_500, seed: 5).Select(t => t with { Venue = "kraken" }).ToList();

    private static (KrakenRestClient Client, List<string> Requests) Client(int maxRequests = 12)
    {
        var requests = new List<string>();
        var http = new HttpClient(new Handler(requests)) { BaseAddress = new Uri("http://kraken.test/") };
        var parser = new KrakenFrameParser(new FrameParserOptions(), TimeProvider.System, new SymbolMap(KrakenFrameParserTests.Venue()));
        return (new KrakenRestClient(http, parser, maxRequests), requests);
    }

    [Fact]
    public async Task A_recent_gap_comes_from_the_latest_trades_in_one_request()
    {
        var (client, requests) = Client();
        var before = History[^10].TradeId;

        var page = await client.GetTradesAsync("BTC-USD", before, 7, CancellationToken.None);

        Assert.Equal(History.Skip(History.Count - 17).Take(7), page.Trades);
        Assert.Equal(["/0/public/Trades?pair=XBTUSD&count=1000"], requests);
    }

    [Fact]
    public async Task An_old_gap_is_found_by_stepping_back_in_time_and_gives_the_newest_trades_below_the_id()
    {
        var (client, requests) = Client();
        var before = History[500].TradeId;

        var page = await client.GetTradesAsync("BTC-USD", before, 7, CancellationToken.None);

        Assert.Equal(History.Skip(493).Take(7), page.Trades);
        Assert.True(requests.Count > 1 && requests.Skip(1).All(r => r.Contains("&since=", StringComparison.Ordinal)), string.Join("\n", requests));
        Assert.Null(page.Invalid);
    }

    [Fact]
    public async Task A_gap_not_located_within_the_request_budget_throws_so_the_backfiller_retries()
    {
        var (client, _) = Client(maxRequests: 1);

        await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetTradesAsync("BTC-USD", History[100].TradeId, 7, CancellationToken.None));
    }

    private sealed class Handler(List<string> requests) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            requests.Add(request.RequestUri!.PathAndQuery);
            var query = HttpUtility.ParseQueryString(request.RequestUri.Query);
            long? since = query["since"] is { } s ? long.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : null;
            var count = int.Parse(query["count"] ?? "1000", System.Globalization.CultureInfo.InvariantCulture);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(KrakenFrames.RestAnswer("XXBTZUSD", History, since, count)) });
        }
    }
}
