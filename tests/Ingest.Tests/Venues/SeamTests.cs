using System.Globalization;
using System.Text;
using System.Threading.RateLimiting;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Backfill;
using BitcoinVolume.Ingest.Gaps;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Pipeline;
using BitcoinVolume.Ingest.Sources;
using BitcoinVolume.Ingest.Tests.Fakes;
using BitcoinVolume.Ingest.Venues;
using Microsoft.Extensions.Logging.Abstractions;

namespace BitcoinVolume.Ingest.Tests.Venues;

/// <summary>
/// The pipeline parts work with any venue: the frame processor over a parser that is not Coinbase's, the backfiller over
/// a trade history that is not Coinbase's REST client.
/// </summary>
public sealed class SeamTests
{
    private static readonly DateTimeOffset Time = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly ListOutput output = new();
    private readonly IngestStatus status = new();
    private readonly IngestMetrics metrics = TestServices.Metrics();

    [Fact]
    public async Task The_frame_processor_gates_produces_and_dead_letters_whatever_the_parser()
    {
        var reporter = new GapReporter(metrics, status, NullLogger<GapReporter>.Instance, TimeProvider.System);
        var gate = new TradeGate(new GapOptions(), GapMode.Report, 100_000, reporter, TimeProvider.System);
        var processor = new FrameProcessor(new LineParser(), gate, output, reporter, metrics, status, NullLogger.Instance, TimeProvider.System, null);

        foreach (var frame in new[] { "T BTC-USDT 7 buy", "T BTC-USDT 8 sell", "T BTC-USDT 8 sell", "T BTC-USDT 10 buy", "H BTC-USDT 12", "ping", "garbage" })
        {
            await processor.ProcessAsync(new RawFrame(Encoding.UTF8.GetBytes(frame), "fake#1"), CancellationToken.None);
        }

        Assert.Equal([(7L, TakerSide.Buy), (8, TakerSide.Sell), (10, TakerSide.Buy)], output.Trades.Select(t => (t.TradeId, t.Side)));
        Assert.Equal((7, 3, 1, 1, 1, 1), (processor.Frames, processor.Trades, processor.Duplicates, processor.Heartbeats, processor.Ignored, processor.Invalid));

        // The jump 8 → 10 and the heartbeat's high-water mark 12 are gaps (reported: GapMode.Report), next to the bad frame.
        Assert.Equal(["fake_reason", "unfilled_gap", "unfilled_gap"], output.DeadLetters.Select(d => d.Reason).Order());
        Assert.Contains(output.DeadLetters, d => d.Detail.StartsWith("BTC-USDT trade ids 9 (1 trades)", StringComparison.Ordinal));
        Assert.Contains(output.DeadLetters, d => d.Detail.StartsWith("BTC-USDT trade ids 11..12 (2 trades)", StringComparison.Ordinal));
        Assert.Contains(output.DeadLetters, d => d is { Reason: "fake_reason", Raw: "garbage", Source: "fake#1" });
    }

    [Fact]
    public async Task A_venue_without_contiguous_ids_is_deduplicated_by_stream_and_text_id_without_gaps()
    {
        var reporter = new GapReporter(metrics, status, NullLogger<GapReporter>.Instance, TimeProvider.System);
        var mode = GapPolicy.For(live: true, new FakeVenue("bitstamp", [], contiguous: false), backfillEnabled: true);
        var gate = new TradeGate(new GapOptions { DedupHorizon = 3 }, mode, 100_000, reporter, TimeProvider.System);
        var processor = new FrameProcessor(new LineParser(), gate, output, reporter, metrics, status, NullLogger.Instance, TimeProvider.System, null, "bitstamp");

        string[] frames =
        [
            "T BTC-USD 100 buy bitstamp", "T BTC-USD 250 sell bitstamp", "T BTC-USD 100 buy bitstamp", // a jump is no gap; a repeat is dropped
            "T BTC-USD 100 buy bybit", // same id, other venue: another stream
            "H BTC-USD 999", // a heartbeat opens nothing
            "T BTC-USDT 7 buy bybit-linear a-uuid", "T BTC-USDT 7 sell bybit-linear b-uuid", "T BTC-USDT 7 buy bybit-linear a-uuid", // text ids, one seq
            "T BTC-USD 300 buy bitstamp", "T BTC-USD 400 buy bitstamp", // horizon 3: 100 is forgotten
            "T BTC-USD 100 buy bitstamp", "T BTC-USD 99 buy bitstamp", // at or below the highest forgotten id: stale
        ];
        foreach (var frame in frames)
        {
            await processor.ProcessAsync(new RawFrame(Encoding.UTF8.GetBytes(frame), "fake#1"), CancellationToken.None);
        }

        Assert.Equal(GapMode.DedupOnly, mode);
        Assert.Equal(
            ["bitstamp|BTC-USD:100", "bitstamp|BTC-USD:250", "bybit|BTC-USD:100", "bybit-linear|BTC-USDT:a-uuid", "bybit-linear|BTC-USDT:b-uuid", "bitstamp|BTC-USD:300", "bitstamp|BTC-USD:400"],
            output.Trades.Select(t => $"{t.Key}:{t.TextId ?? t.TradeId.ToString(CultureInfo.InvariantCulture)}"));
        Assert.Equal(4, processor.Duplicates);
        Assert.Empty(output.DeadLetters);
        Assert.Equal(0, gate.OpenGaps);
        Assert.Equal(3, gate.RememberedIds("bitstamp|BTC-USD"));
        Assert.Equal(2, gate.RememberedIds("bybit-linear|BTC-USDT"));
    }

    [Fact]
    public async Task The_backfiller_pages_any_trade_history_down_from_the_gap_and_clamps_to_its_page_size()
    {
        var reporter = new GapReporter(metrics, status, NullLogger<GapReporter>.Instance, TimeProvider.System);
        var gate = new TradeGate(new GapOptions(), GapMode.Backfill, 100_000, reporter, TimeProvider.System);
        var history = new ListHistory(Enumerable.Range(100, 50).Select(id => Trade(id)).ToList(), maxPageSize: 4);
        var backfiller = new Backfiller(gate, history, output, reporter, new BackfillOptions { PageSize = 1000 }, metrics, status,
            NullLogger<Backfiller>.Instance, TimeProvider.System);
        gate.Admit("BTC-USDT", 110);
        gate.Admit("BTC-USDT", 121); // gap 111..120
        using var limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = 100,
            TokensPerPeriod = 100,
            ReplenishmentPeriod = TimeSpan.FromMilliseconds(1),
            QueueLimit = 10,
        });

        var produced = await backfiller.FillAsync(Assert.Single(gate.TakeDueGaps(TimeSpan.Zero, 10)), limiter, CancellationToken.None);

        Assert.Equal(10, produced);
        Assert.Equal(Enumerable.Range(111, 10).Select(id => (long)id), output.Trades.Select(t => t.TradeId).Order());
        Assert.Empty(gate.GapsOf("BTC-USDT"));

        // No venue cursor: each next page asks below the previous page's oldest id; never more than the venue's page size
        // nor more than the ids still missing.
        Assert.Equal([("BTC-USDT", 121L, 4), ("BTC-USDT", 117L, 4), ("BTC-USDT", 113L, 2)], history.Requests);
    }

    private static Trade Trade(long id, TakerSide side = TakerSide.Buy) => new("BTC-USDT", id, Time, 100m, 0.5m, side);

    /// <summary>A venue whose frames are lines: <c>T PRODUCT ID SIDE</c>, <c>H PRODUCT LAST_ID</c>, <c>ping</c>; anything else is bad.</summary>
    private sealed class LineParser : IFrameParser
    {
        public FrameResult Parse(ReadOnlySpan<byte> frame, List<Trade> trades)
        {
            var parts = Encoding.UTF8.GetString(frame).Split(' ');
            switch (parts)
            {
                case ["T", var product, var id, var side]:
                    trades.Add(new Trade(product, long.Parse(id, CultureInfo.InvariantCulture), Time, 100m, 0.5m, side == "buy" ? TakerSide.Buy : TakerSide.Sell));
                    return new FrameResult(FrameKind.Trades, 1, "lines");
                case ["T", var product, var id, var side, var venue, .. var text]:
                    trades.Add(new Trade(product, long.Parse(id, CultureInfo.InvariantCulture), Time, 100m, 0.5m, side == "buy" ? TakerSide.Buy : TakerSide.Sell)
                    {
                        Venue = venue,
                        TextId = text is [var textId] ? textId : null,
                    });
                    return new FrameResult(FrameKind.Trades, 1, "lines");
                case ["H", var product, var last]:
                    return FrameResult.Heartbeat("heartbeat", product, long.Parse(last, CultureInfo.InvariantCulture));
                case ["ping"]:
                    return FrameResult.Ignored("ping");
                default:
                    return FrameResult.Invalid("fake_reason", "not a line of the fake venue");
            }
        }
    }

    /// <summary>A venue's history over a fixed list: the newest trades below the cursor, no cursor of its own.</summary>
    private sealed class ListHistory(List<Trade> trades, int maxPageSize) : ITradeHistory
    {
        public List<(string Product, long Before, int Limit)> Requests { get; } = [];

        public int MaxPageSize => maxPageSize;

        public Task<TradesPage> GetTradesAsync(string product, long before, int limit, CancellationToken cancellationToken)
        {
            Requests.Add((product, before, limit));
            var page = trades.Where(t => t.Product == product && t.TradeId < before).OrderByDescending(t => t.TradeId).Take(limit).ToList();
            return Task.FromResult(new TradesPage(page, null, null));
        }
    }
}
