using System.Net;
using BitcoinVolume.Sink.Consumer;
using BitcoinVolume.Sink.Live;
using static BitcoinVolume.Sink.Tests.TestData;

namespace BitcoinVolume.Sink.Tests;

public sealed class LiveAndHealthTests
{
    [Fact]
    public void A_slow_subscriber_loses_updates_but_is_told_to_resync_and_others_are_unaffected()
    {
        using var meters = new TestMeterFactory();
        var hub = new VolumeUpdateHub(new SinkMetrics(meters));
        using var slow = hub.Subscribe("BTC-USD", capacity: 2);
        using var other = hub.Subscribe("ETH-USD", capacity: 2);

        hub.Publish([.. Enumerable.Range(0, 5).Select(i => Window(start: T0.AddMinutes(i))), Window(product: "ETH-USD")]);

        Assert.True(slow.TakeOverflow());
        Assert.False(slow.TakeOverflow()); // reported once
        Assert.Equal(2, slow.Reader.Count);
        Assert.False(other.TakeOverflow());
        Assert.Equal("ETH-USD", Assert.Single(ReadAll(other)).Product);
        Assert.Equal(2, hub.Count);
        other.Dispose();
        Assert.Equal(1, hub.Count);
    }

    [Fact]
    public async Task An_unreachable_database_makes_health_degraded_and_queries_503_not_500()
    {
        await using var factory = new SinkApiFactory(new Dictionary<string, string>
        {
            ["Sink:Store"] = "postgres",
            ["ConnectionStrings:volumes"] = "Host=127.0.0.1;Port=1;Username=nobody;Database=none;Timeout=2",
        });
        using var client = factory.CreateClient();

        var health = await client.GetAsync("/health");
        Assert.Equal("Degraded", await health.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", await client.GetStringAsync("/alive"));

        foreach (var path in new[] { "/api/products", "/api/volumes?product=BTC-USD&from=2026-08-09T21:04:00Z&to=2026-08-09T21:07:00Z" })
        {
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(response.Headers.RetryAfter);
        }
    }

    private static List<BitcoinVolume.Contracts.WindowVolume> ReadAll(BitcoinVolume.Sink.Live.UpdateSubscription<BitcoinVolume.Contracts.WindowVolume> subscription)
    {
        var list = new List<BitcoinVolume.Contracts.WindowVolume>();
        while (subscription.Reader.TryRead(out var w))
        {
            list.Add(w);
        }

        return list;
    }
}
