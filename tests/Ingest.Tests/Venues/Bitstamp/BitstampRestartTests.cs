using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Gaps;
using BitcoinVolume.Ingest.Recovery;
using BitcoinVolume.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

using VenueIds = BitcoinVolume.Contracts.Venues;

namespace BitcoinVolume.Ingest.Tests.Venues.Bitstamp;

/// <summary>
/// A restart on a venue that cannot backfill (issue 15): ingest starts with a stored mark per stream
/// (<c>Ingest:State:Path</c>, written by the real <see cref="IngestStateStore"/>) against <see cref="FakeBitstamp"/>. The
/// downtime since the mark cannot be fetched, so it is marked on <c>trades</c>: per stream an open <c>restart</c> marker from
/// the mark's trade time, then the unfilled one, ending at the first trade newer than the mark (the trades of before the
/// mark that the fake sends again do not end it).
/// </summary>
public sealed class BitstampRestartTests : IAsyncLifetime
{
    private readonly string state = Path.Combine(Path.GetTempPath(), $"bv-ingest-state-{Guid.NewGuid():N}");
    private KafkaTestCluster kafka = null!;
    private FakeBitstamp bitstamp = null!;

    public async Task InitializeAsync()
    {
        kafka = KafkaTestCluster.Start();
        bitstamp = await FakeBitstamp.StartAsync("XRP-USD", "BTC-USD", "ETH-USD");
    }

    public async Task DisposeAsync()
    {
        await bitstamp.DisposeAsync();
        await kafka.DisposeAsync();
        if (Directory.Exists(state))
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task The_downtime_since_the_stored_mark_is_marked_unfilled_up_to_the_first_newer_trade()
    {
        // The previous run stopped after index 5 of each product.
        var marks = bitstamp.Trades.Select(t => new DurableMark(StreamKey.Of(VenueIds.Bitstamp, t[0].Product), t[5].TradeId, t[5].Time, Contiguous: false) { Floor = t[0].TradeId }).ToList();
        Assert.True(new IngestStateStore(state, NullLogger.Instance).Save(VenueIds.Bitstamp, marks, new Dictionary<string, long>(), DateTimeOffset.UtcNow));

        var outcome = await VenueLiveTest.RunAsync(
            kafka,
            "bitstamp",
            ["BTC-USD", "ETH-USD", "XRP-USD"],
            new Dictionary<string, string>
            {
                ["Ingest:Venues:bitstamp:Url"] = bitstamp.Url.ToString(),
                ["Ingest:Venues:bitstamp:RestUrl"] = bitstamp.BaseUrl.ToString(),
                ["Ingest:Venues:bitstamp:PingInterval"] = "00:00:00.3",
                ["Ingest:State:Path"] = state,
            },
            bitstamp.AllTrades.Count(),
            status => status.GetProperty("reconnects").GetInt64() >= 3,
            expectedLetters: 4);
        VenueLiveTest.AssertExactly(bitstamp.AllTrades, outcome.Trades);

        var markers = kafka.ReadAll(Topics.Trades, 4, ContractSerializers.GapDeserializer, settle: TimeSpan.FromSeconds(1), where: g => g.Cause == TradeGap.Restart);
        foreach (var trades in bitstamp.Trades)
        {
            var product = trades[0].Product;
            var ofStream = markers.Where(m => m.Value.Product == product).ToList();
            Assert.All(ofStream, m => Assert.Equal(StreamKey.Of(VenueIds.Bitstamp, product), m.Key));
            Assert.Equal([GapState.Open, GapState.Unfilled], ofStream.Select(m => m.Value.State));
            Assert.Single(ofStream.Select(m => m.Value.Id).Distinct());
            var (open, unfilled) = (ofStream[0].Value, ofStream[1].Value);
            Assert.Equal((VenueIds.Bitstamp, trades[5].Time), (open.Venue, open.From));
            Assert.True(open.To >= trades[^1].Time, $"open until {open.To:O}: when ingest started");
            Assert.Equal((trades[5].Time, trades[6].Time), (unfilled.From, unfilled.To));
            Assert.Null(unfilled.FirstTradeId);
            Assert.StartsWith("trades may be missing: ingest restart: bitstamp trades after its last delivered one", unfilled.Reason, StringComparison.Ordinal);
            Assert.Contains("cannot be backfilled (its trade ids are not contiguous", unfilled.Reason, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(markers, m => m.Value.Product == "XRP-USD"); // no mark stored: nothing to say
    }
}
