using BitcoinVolume.Ingest.Gaps;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Pipeline;
using BitcoinVolume.Ingest.Sources;
using BitcoinVolume.Ingest.Tests.Fakes;
using BitcoinVolume.Ingest.Venues;
using BitcoinVolume.Ingest.Venues.Coinbase;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Ingest.Tests.Venues;

/// <summary>The venue registry: sources and venue ids resolve to their venue, unknown ones give a clear error.</summary>
public sealed class VenueRegistryTests : IDisposable
{
    private readonly ServiceProvider services = new ServiceCollection()
        .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
        .AddIngestVenues()
        .BuildServiceProvider();

    private VenueRegistry Registry => services.GetRequiredService<VenueRegistry>();

    public void Dispose() => services.Dispose();

    [Theory]
    [InlineData(null, "coinbase-exchange")]
    [InlineData("", "coinbase-exchange")]
    [InlineData("live", "coinbase-exchange")]
    [InlineData("coinbase-exchange", "coinbase-exchange")]
    [InlineData("coinbase-advanced", "coinbase-advanced")]
    public void Coinbase_live_sources_and_the_default_resolve_to_the_coinbase_venue(string? setting, string source)
    {
        var (spec, resolved) = Registry.Resolve(setting);

        Assert.True(spec.IsLive);
        Assert.IsType<CoinbaseVenue>(resolved.Venue);
        Assert.Equal("coinbase", resolved.Venue.Id);
        Assert.Equal(source, resolved.LiveSource);
        Assert.Equal(source, resolved.Venue.CreateLiveFeed(source).Name);
    }

    [Theory]
    [InlineData("replay:/tmp/recording.ndjson")]
    [InlineData("synthetic:products=2,count=10")]
    public void Replay_and_synthetic_sources_carry_the_recorded_frames_venue(string setting)
    {
        var (spec, resolved) = Registry.Resolve(setting);

        Assert.False(spec.IsLive);
        Assert.Equal(VenueRegistry.RecordedFramesVenue, resolved.Venue.Id);
        Assert.Null(resolved.LiveSource);
        Assert.IsType<CoinbaseFrameParser>(resolved.Venue.CreateParser(new FrameParserOptions(), TimeProvider.System, new SymbolMap(resolved.Venue)));
    }

    [Fact]
    public void An_unknown_live_source_names_itself_and_lists_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => Registry.Resolve("binance-spot"));

        Assert.Contains("Unknown live source 'binance-spot'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'live' (= 'coinbase-exchange'), 'coinbase-advanced', ", e.Message, StringComparison.Ordinal);
        Assert.Contains("'replay:PATH'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("replay:")]
    [InlineData("kafka:trades")]
    [InlineData("coinbase exchange")]
    public void A_setting_of_no_known_form_is_refused(string setting)
    {
        var e = Assert.Throws<ArgumentException>(() => Registry.Resolve(setting));
        Assert.Contains(SourceSpec.OtherForms, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_venue_id_names_itself_and_the_registered_ones()
    {
        Assert.Same(Registry.Venues.Single(v => v.Id == "coinbase"), Registry.Get("coinbase"));
        var e = Assert.Throws<ArgumentException>(() => Registry.Get("no-such-venue"));
        Assert.Contains("Unknown venue 'no-such-venue'; registered venues: coinbase", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bybit", typeof(BitcoinVolume.Ingest.Venues.Bybit.BybitSpotVenue))]
    [InlineData("bybit-linear", typeof(BitcoinVolume.Ingest.Venues.Bybit.BybitLinearVenue))]
    public void Bybit_sources_resolve_to_their_venue(string source, Type type)
    {
        var resolved = Registry.Resolve(source).Source;

        Assert.IsType(type, resolved.Venue);
        Assert.Equal((source, source), (resolved.Venue.Id, resolved.LiveSource));
    }

    [Fact]
    public void A_venue_id_or_source_name_registered_twice_is_refused()
    {
        var twice = Assert.Throws<ArgumentException>(() => new VenueRegistry([new FakeVenue("okx", "okx"), new FakeVenue("okx", "okx-2")]));
        Assert.Contains("Venue 'okx' is registered twice", twice.Message, StringComparison.Ordinal);

        var taken = Assert.Throws<ArgumentException>(() => new VenueRegistry([
            new FakeVenue("coinbase", [new LiveSourceName("coinbase-exchange", "live")]),
            new FakeVenue("binance", [new LiveSourceName("binance", "live")])]));
        Assert.Contains("Live source 'live' of venue 'binance' is already registered by venue 'coinbase'", taken.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_venue_is_found_by_its_own_sources()
    {
        var registry = new VenueRegistry([new FakeVenue("coinbase", "coinbase-exchange"), new FakeVenue("bybit-linear", "bybit-linear")]);

        Assert.Equal("bybit-linear", registry.Resolve("bybit-linear").Source.Venue.Id);
        Assert.Equal("coinbase", registry.Resolve("replay:x.ndjson").Source.Venue.Id);
        Assert.Contains("'bybit-linear'", registry.Help, StringComparison.Ordinal);
    }

    [Fact]
    public void The_gap_mode_follows_the_source_and_what_the_venue_declares()
    {
        var full = new FakeVenue("full", [], history: HistoryCoverage.Full);
        var recent = new FakeVenue("recent", [], history: HistoryCoverage.Recent);
        var none = new FakeVenue("none", [], history: HistoryCoverage.None);

        Assert.Equal(GapMode.Track, GapPolicy.For(live: false, full, backfillEnabled: true));
        Assert.Equal(GapMode.Backfill, GapPolicy.For(live: true, full, backfillEnabled: true));
        Assert.Equal(GapMode.Backfill, GapPolicy.For(live: true, recent, backfillEnabled: true));
        Assert.Equal(GapMode.Report, GapPolicy.For(live: true, full, backfillEnabled: false));
        Assert.Equal(GapMode.Report, GapPolicy.For(live: true, none, backfillEnabled: true));

        // Ids that are not contiguous: a jump is not a gap, live or replayed; dedup only.
        Assert.Equal(GapMode.DedupOnly, GapPolicy.For(true, new FakeVenue("bitstamp", [], contiguous: false), true));
        Assert.Equal(GapMode.DedupOnly, GapPolicy.For(false, new FakeVenue("bybit", [], contiguous: false), true));
    }

    [Fact]
    public void The_service_refuses_to_start_with_an_unknown_source_or_a_bad_coinbase_url()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Ingest:Source"] = "nosuchvenue";
        builder.Configuration["Ingest:Live:RestUrl"] = "ftp://example.com";
        builder.AddIngestServices();
        using var host = builder.Build();

        var source = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<IngestOptions>>().Value);
        Assert.Contains("Unknown live source 'nosuchvenue'", source.Message, StringComparison.Ordinal);
        var url = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<CoinbaseOptions>>().Value);
        Assert.Contains("Ingest:Live:RestUrl must be an absolute http(s) URL", url.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Venues_whose_quiet_products_send_nothing_ping_well_within_the_default_stall_timeout()
    {
        // Binance, OKX, Bybit and Bitstamp send nothing on a quiet product: the answer to the client's ping is the only
        // frame, so it must come at most every half stall timeout (Kraken and Coinbase send heartbeats of their own).
        var stall = new LiveOptions().StallTimeout;
        Assert.InRange(new Ingest.Venues.Binance.BinanceOptions().PingInterval, TimeSpan.FromMilliseconds(1), stall / 2);
        Assert.InRange(new Ingest.Venues.Okx.OkxOptions().PingInterval, TimeSpan.FromMilliseconds(1), stall / 2);
        Assert.InRange(TimeSpan.FromSeconds(new Ingest.Venues.Bybit.BybitSpotOptions().PingSeconds), TimeSpan.FromMilliseconds(1), stall / 2);
        Assert.InRange(new Ingest.Venues.Bitstamp.BitstampOptions().PingInterval, TimeSpan.FromMilliseconds(1), stall / 2);
    }
}
