using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Consumer;
using BitcoinVolume.Sink.Infrastructure;
using BitcoinVolume.Sink.Live;
using static BitcoinVolume.Sink.Tests.TestData;

namespace BitcoinVolume.Sink.Tests;

/// <summary>
/// The catalog caches the stored (venue, product) streams for a second; a committed batch with a stream it does not list
/// makes the next read re-read the store at once, so a live client that re-reads its bars on the update sees a venue's
/// first window (found by the asset-view browser test in CI: the catalog, read a moment before, left the new venue out).
/// </summary>
public sealed class ProductCatalogTests
{
    [Fact]
    public async Task A_stream_committed_after_a_read_is_listed_by_the_next_read_not_a_second_later()
    {
        using var file = new TempDatabase();
        var store = new SqliteVolumeStore(file.ConnectionString);
        var clock = new StoppedClock();
        using var meters = new TestMeterFactory();
        var hub = new VolumeUpdateHub(new SinkMetrics(meters));
        using var catalog = new ProductCatalog(store, clock, hub);

        WindowVolume[] first = [Window(venue: Venues.Coinbase, start: T0)];
        await store.UpsertAsync(first);
        hub.PublishCommitted(first);
        Assert.Equal([Venues.Coinbase], (await catalog.GetStreamsAsync(default)).Select(s => s.Venue));

        // Same instant (the clock does not move): without the commit the cached list would be served.
        WindowVolume[] second = [Window(venue: Venues.Bitstamp, start: T0)];
        await store.UpsertAsync(second);
        Assert.Equal([Venues.Coinbase], (await catalog.GetStreamsAsync(default)).Select(s => s.Venue));
        hub.PublishCommitted(second);
        Assert.Equal([Venues.Bitstamp, Venues.Coinbase], (await catalog.GetStreamsAsync(default)).Select(s => s.Venue).Order(StringComparer.Ordinal));
    }

    private sealed class StoppedClock : TimeProvider
    {
        public override long GetTimestamp() => 1_000_000;
    }
}
