using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Threading.RateLimiting;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Backfill;
using BitcoinVolume.Ingest.Gaps;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Tests.Fakes;
using BitcoinVolume.Ingest.Venues.Coinbase;
using BitcoinVolume.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace BitcoinVolume.Ingest.Tests;

/// <summary>REST backfill: cursor pagination, overlap never produced twice, retries then unfilled-gap records, rate limit.</summary>
public class BackfillerTests
{
    private readonly List<Trade> server = TradeStream.OfProduct("BTC-USD", 1000, 100, seed: 7);
    private readonly ListOutput output = new();
    private readonly IngestStatus status = new();

    private (TradeGate Gate, Backfiller Backfiller, FakeRest Http) Create(BackfillOptions options, Func<long, bool>? serves = null, int failures = 0)
    {
        var metrics = TestServices.Metrics();
        var reporter = new GapReporter(metrics, status, NullLogger<GapReporter>.Instance, TimeProvider.System);
        var gate = new TradeGate(new GapOptions(), GapMode.Backfill, options.MaxGapTrades, reporter, TimeProvider.System);
        var rest = new FakeRest(server.Where(t => serves?.Invoke(t.TradeId) ?? true).ToList(), failures);
        var client = new CoinbaseRestClient(new HttpClient(rest) { BaseAddress = new Uri("http://rest.test/") }, new CoinbaseFrameParser());
        var backfiller = new Backfiller(gate, client, output, reporter, options, metrics, status, NullLogger<Backfiller>.Instance, TimeProvider.System);
        return (gate, backfiller, rest);
    }

    [Fact]
    public async Task A_gap_is_fetched_page_by_page_from_its_newest_id_down_and_only_missing_trades_are_produced()
    {
        var (gate, backfiller, rest) = Create(new BackfillOptions { PageSize = 7, Delay = TimeSpan.Zero });
        gate.Admit("BTC-USD", 1000);
        gate.Admit("BTC-USD", 1021); // gap 1001..1020 (20 trades)
        var work = Assert.Single(gate.TakeDueGaps(TimeSpan.Zero, 10));
        Assert.Equal(Admission.FillsGap, gate.Admit("BTC-USD", 1010)); // arrived late on the socket during the fetch: not produced again

        using var limiter = Unlimited();
        var produced = await backfiller.FillAsync(work, limiter, CancellationToken.None);

        Assert.Equal(19, produced);
        Assert.Equal(server.Where(t => t.TradeId is >= 1001 and <= 1020 and not 1010).OrderBy(t => t.TradeId), output.Trades.OrderBy(t => t.TradeId));
        Assert.Empty(gate.GapsOf("BTC-USD"));

        // Cursor pagination: after = newest missing + 1, then each page's CB-AFTER; limits never above the page size
        // nor beyond the gap.
        Assert.Equal(["/products/BTC-USD/trades?limit=7&after=1021", "/products/BTC-USD/trades?limit=7&after=1014", "/products/BTC-USD/trades?limit=6&after=1007"], rest.Requests);
    }

    [Fact]
    public async Task Ids_rest_does_not_return_are_fetched_again_then_reported_unfilled_on_the_dead_letter_topic()
    {
        var (gate, backfiller, rest) = Create(new BackfillOptions { PageSize = 1000, Delay = TimeSpan.Zero, RetryDelay = TimeSpan.Zero, MaxAttempts = 2 }, serves: id => id is < 1005 or > 1007);
        gate.Admit("BTC-USD", 1000);
        gate.Admit("BTC-USD", 1010);
        using var limiter = Unlimited();

        await backfiller.FillAsync(Assert.Single(gate.TakeDueGaps(TimeSpan.Zero, 10)), limiter, CancellationToken.None);
        Assert.Equal([new TradeIdRange(1005, 1007)], gate.GapsOf("BTC-USD"));
        Assert.Empty(output.DeadLetters);

        await backfiller.FillAsync(Assert.Single(gate.TakeDueGaps(TimeSpan.Zero, 10)), limiter, CancellationToken.None);
        Assert.Empty(gate.GapsOf("BTC-USD"));
        Assert.Empty(gate.TakeDueGaps(TimeSpan.Zero, 10));

        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await backfiller.RunAsync(stop.Token); // flushes the queued report

        var letter = Assert.Single(output.DeadLetters);
        Assert.Equal(DeadLetterReasons.UnfilledGap, letter.Reason);
        Assert.Contains("BTC-USD trade ids 1005..1007 (3 trades)", letter.Detail, StringComparison.Ordinal);
        var raw = JsonDocument.Parse(letter.Raw).RootElement;
        Assert.Equal(("BTC-USD", 1005L, 1007L, 3L, 2), (raw.GetProperty("product").GetString(), raw.GetProperty("firstTradeId").GetInt64(),
            raw.GetProperty("lastTradeId").GetInt64(), raw.GetProperty("trades").GetInt64(), raw.GetProperty("attempts").GetInt32()));
        Assert.Equal(6, output.Trades.Count);
        Assert.Equal(1, status.UnfilledGaps);
        Assert.Equal(["/products/BTC-USD/trades?limit=9&after=1010", "/products/BTC-USD/trades?limit=3&after=1008"], rest.Requests);
    }

    [Fact]
    public async Task Failed_requests_are_counted_and_retried_within_the_attempt_limit()
    {
        var (gate, backfiller, rest) = Create(new BackfillOptions { Delay = TimeSpan.Zero, RetryDelay = TimeSpan.Zero, MaxAttempts = 3 }, failures: 2);
        gate.Admit("BTC-USD", 1000);
        gate.Admit("BTC-USD", 1004);
        using var limiter = Unlimited();

        for (var attempt = 0; attempt < 3 && gate.GapsOf("BTC-USD").Count > 0; attempt++)
        {
            await backfiller.FillAsync(Assert.Single(gate.TakeDueGaps(TimeSpan.Zero, 10)), limiter, CancellationToken.None);
        }

        Assert.Equal(3, rest.Requests.Count);
        Assert.Equal([1001L, 1002, 1003], output.Trades.Select(t => t.TradeId).Order());
        Assert.Empty(output.DeadLetters);
    }

    [Fact]
    public async Task Requests_are_rate_limited()
    {
        var options = new BackfillOptions { PageSize = 1, Delay = TimeSpan.Zero, RequestsPerSecond = 10 };
        var (gate, backfiller, rest) = Create(options);
        gate.Admit("BTC-USD", 1000);
        gate.Admit("BTC-USD", 1007); // 6 missing, one per page
        using var stop = new CancellationTokenSource();
        var watch = Stopwatch.StartNew();
        var run = backfiller.RunAsync(stop.Token);
        while (gate.GapsOf("BTC-USD").Count > 0 && watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(10);
        }

        await stop.CancelAsync();
        await run;

        // A bucket of 10 tokens refilled at 10/s lets a burst of 10 through: 6 pages go at once, none fails.
        Assert.Equal(6, rest.Requests.Count);
        Assert.Equal(6, output.Trades.Count);

        // With 2/s the same 6 pages take at least (6 - 2) / 2 s.
        var slow = Create(new BackfillOptions { PageSize = 1, Delay = TimeSpan.Zero, RequestsPerSecond = 2 });
        slow.Gate.Admit("BTC-USD", 1000);
        slow.Gate.Admit("BTC-USD", 1007);
        using var stop2 = new CancellationTokenSource();
        watch.Restart();
        var run2 = slow.Backfiller.RunAsync(stop2.Token);
        while (slow.Gate.GapsOf("BTC-USD").Count > 0 && watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(10);
        }

        var elapsed = watch.Elapsed;
        await stop2.CancelAsync();
        await run2;
        Assert.True(elapsed >= TimeSpan.FromSeconds(1.8), $"6 pages at 2/s took {elapsed}");
    }

    private static TokenBucketRateLimiter Unlimited() => new(new TokenBucketRateLimiterOptions
    {
        TokenLimit = 1000,
        TokensPerPeriod = 1000,
        ReplenishmentPeriod = TimeSpan.FromMilliseconds(1),
        QueueLimit = 10,
    });

    /// <summary>Coinbase's trades endpoint over a fixed list; the first <c>failures</c> requests answer 503.</summary>
    private sealed class FakeRest(List<Trade> trades, int failures) : HttpMessageHandler
    {
        private int failuresLeft = failures;

        public ConcurrentQueue<string> Requests { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            Requests.Enqueue(uri.PathAndQuery);
            if (Interlocked.Decrement(ref failuresLeft) >= 0)
            {
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
            }

            var query = uri.Query.TrimStart('?').Split('&').Select(p => p.Split('=')).ToDictionary(p => p[0], p => long.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
            var (body, before, after) = CoinbaseFrames.Page(CoinbaseFrames.Select(trades, query.GetValueOrDefault("after") is var a and > 0 ? a : null, null, (int)query["limit"]));
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            if (after is not null)
            {
                response.Headers.Add("CB-BEFORE", before!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
                response.Headers.Add("CB-AFTER", after.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            return Task.FromResult(response);
        }
    }
}
