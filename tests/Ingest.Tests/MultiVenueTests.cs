using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Gaps;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Pipeline;
using BitcoinVolume.Ingest.Sources;
using BitcoinVolume.Ingest.Tests.Fakes;
using BitcoinVolume.Ingest.Venues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace BitcoinVolume.Ingest.Tests;

/// <summary>Several venues in one ingest: which venues are read (the plan), and a source of several venues routed per venue.</summary>
public sealed class MultiVenueTests
{
    [Fact]
    public void Without_a_source_every_default_venue_is_planned_with_its_default_products()
    {
        var plan = VenuePlan.From(Config());

        Assert.NotNull(plan);
        Assert.Equal(Contracts.Venues.All.Where(v => v.EnabledByDefault).Select(v => (v.Id, v.DefaultProducts)), plan.Select(p => (p.Id, p.Products)));
        Assert.NotNull(VenuePlan.From(Config(("Ingest:Source", "live"))));
        Assert.Null(VenuePlan.From(Config(("Ingest:Source", "coinbase-exchange"))));
        Assert.Null(VenuePlan.From(Config(("Ingest:Source", "replay:x.ndjson"))));
    }

    [Fact]
    public void Venue_settings_enable_disable_and_set_products_as_a_comma_list_or_an_array()
    {
        var plan = VenuePlan.From(Config(
            ("Ingest:Venues:gemini:Enabled", "true"),
            ("Ingest:Venues:coinbase:Products", "BTC-USD, ETH-USD"),
            ("Ingest:Venues:kraken:Products:0", "BTC-EUR"),
            ("Ingest:Venues:kraken:Products:1", "BTC-USD"),
            ("Ingest:Venues:binance:Enabled", "false")))!;

        Assert.Equal(["BTC-USD", "ETH-USD"], plan.Single(p => p.Id == "coinbase").Products);
        Assert.Equal(["BTC-EUR", "BTC-USD"], plan.Single(p => p.Id == "kraken").Products);
        Assert.DoesNotContain(plan, p => p.Id == "binance");
        Assert.Equal([VenuePlan.FallbackProduct], plan.Single(p => p.Id == "gemini").Products);

        Assert.Collection(
            VenuePlan.Problems(Config(("Ingest:Venues:nowhere:Products", "BTC-USD"), ("Ingest:Venues:okx:Products", "btcusdt"), ("Ingest:Venues:testvenue:Enabled", "true"))),
            p => Assert.StartsWith("Ingest:Venues:nowhere: unknown venue", p, StringComparison.Ordinal),
            p => Assert.StartsWith("Ingest:Venues:okx:Products: 'btcusdt' is not", p, StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => VenuePlan.From(Config(("Ingest:Venues:okx:Enabled", "yes"))));
    }

    [Fact]
    public async Task A_source_of_several_venues_gets_a_parser_and_gate_per_venue_and_skips_venues_without_adapter()
    {
        var output = new ListOutput();
        var status = new IngestStatus();
        var metrics = TestServices.Metrics();
        var reporter = new GapReporter(metrics, status, NullLogger<GapReporter>.Instance, TimeProvider.System);
        var source = new TwoVenueSource();
        var symbolCounts = new Dictionary<string, int>();
        FrameProcessor Processor(string venue, bool contiguous)
        {
            var fake = new FakeVenue(venue, [], contiguous);
            var symbols = SymbolMap.ForProducts(fake, []);
            symbols.AddRange(source.Instruments.GetValueOrDefault(venue, []));
            symbolCounts[venue] = symbols.Count;
            var gate = new TradeGate(new GapOptions(), GapPolicy.For(live: false, fake, true), long.MaxValue, reporter, TimeProvider.System);
            return new FrameProcessor(new VenueLineParser(venue), gate, output, reporter, metrics, status, NullLogger.Instance, TimeProvider.System, null, venue);
        }

        var unknown = new List<string>();
        var router = new VenueFrameRouter(
            "coinbase", Processor("coinbase", contiguous: true), v => v == "bitstamp" ? Processor(v, contiguous: false) : null, unknown.Add);
        await foreach (var frame in source.ReadFramesAsync(CancellationToken.None))
        {
            await router.ProcessAsync(frame, CancellationToken.None);
        }

        // Same ids on both venues are different streams; Bitstamp's jump is no gap; the venue without adapter is skipped once reported.
        Assert.Equal(["BTC-USD:1", "bitstamp|BTC-USD:1", "BTC-USD:2", "bitstamp|BTC-USD:50"], output.Trades.Select(t => $"{t.Key}:{t.TradeId}"));
        Assert.Equal(["nowhere"], unknown);
        Assert.Equal(2, router.Skipped);
        Assert.Equal(2, router.Processors.Count);
        Assert.Equal(1, router.Processors.Sum(p => p.Duplicates));
        Assert.Equal(2, symbolCounts["bitstamp"]);
        Assert.Empty(output.DeadLetters);
    }

    private static IConfiguration Config(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

    /// <summary>A recording of two venues (and one without an adapter); null venue = the resolved one.</summary>
    private sealed class TwoVenueSource : IMultiVenueSource
    {
        public string Description => "two venues";

        public IReadOnlyList<string> Venues => ["coinbase", "bitstamp", "nowhere"];

        public IReadOnlyDictionary<string, IReadOnlyList<Instrument>> Instruments { get; } = new Dictionary<string, IReadOnlyList<Instrument>>
        {
            ["bitstamp"] = [new Instrument("btcusd", "BTC-USD"), new Instrument("ethusd", "ETH-USD")],
        };

        public async IAsyncEnumerable<RawFrame> ReadFramesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            (string? Venue, string Line)[] frames =
            [
                (null, "BTC-USD 1"), ("bitstamp", "BTC-USD 1"), ("nowhere", "BTC-USD 1"), ("coinbase", "BTC-USD 2"), ("bitstamp", "BTC-USD 50"),
                ("bitstamp", "BTC-USD 50"), ("nowhere", "BTC-USD 2"),
            ];
            foreach (var (venue, line) in frames)
            {
                await Task.Yield();
                yield return new RawFrame(Encoding.UTF8.GetBytes(line), "test", default, venue);
            }
        }
    }

    /// <summary>Frames "PRODUCT ID" of one venue.</summary>
    private sealed class VenueLineParser(string venue) : IFrameParser
    {
        public FrameResult Parse(ReadOnlySpan<byte> frame, List<Trade> trades)
        {
            var parts = Encoding.UTF8.GetString(frame).Split(' ');
            trades.Add(new Trade(parts[0], long.Parse(parts[1], CultureInfo.InvariantCulture), DateTimeOffset.UnixEpoch, 1m, 1m, TakerSide.Buy) { Venue = venue });
            return new FrameResult(FrameKind.Trades, 1, "lines");
        }
    }
}
