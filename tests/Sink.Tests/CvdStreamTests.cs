using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace BitcoinVolume.Sink.Tests;

/// <summary>
/// <c>/api/cvd/stream</c> through the real path (development broker → consumer → database → SSE on Kestrel): a new window
/// sends its bar's CVD; a late correction of an earlier bar sends that bar and every later bar of the day with the moved
/// running sums; every event equals the oracle of the latest windows (and so <c>/api/cvd</c>).
/// </summary>
public sealed class CvdStreamTests : IAsyncLifetime
{
    private const string Product = "CVS-USD";
    private static readonly DateTimeOffset T0 = new(2026, 8, 9, 8, 0, 0, TimeSpan.Zero);

    private KafkaTestCluster kafka = null!;

    public Task InitializeAsync()
    {
        kafka = KafkaTestCluster.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await kafka.DisposeAsync();

    [Fact]
    public async Task New_windows_and_late_corrections_send_the_changed_running_sums()
    {
        var latest = new Dictionary<string, WindowVolume>();
        Produce(latest, W(TakerSide.Buy, 0, 1.5m), W(TakerSide.Sell, 0, 0.25m), W(TakerSide.Sell, 1, 0.75m), W(TakerSide.Buy, 2, 2m));
        await using var sink = new SinkApiFactory(new Dictionary<string, string>
        {
            ["Sink:ConsumerEnabled"] = "true",
            ["ConnectionStrings:kafka"] = kafka.BootstrapServers,
            ["Sink:GroupId"] = "cvd-stream",
            ["Sink:BatchMaxWaitMs"] = "20",
            ["Sink:Kafka:group.protocol"] = "consumer",
        });
        sink.UseKestrel(0);
        sink.StartServer();
        var baseUrl = sink.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()
            .Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(2) };
        var query = $"product={Product}&venue=coinbase&from={CvdApiTests.Iso(T0)}&to={CvdApiTests.Iso(T0.AddHours(1))}&anchor=day";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        while ((await http.GetAsync($"/api/cvd?{query}")) is var r && (!r.IsSuccessStatusCode || JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetArrayLength() < 3))
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the first windows");
            await Task.Delay(100);
        }

        using var response = await http.GetAsync($"/api/cvd/stream?product={Product}&venue=coinbase&anchor=day", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.StartsWith("retry:", await reader.ReadLineAsync());
        var received = new Dictionary<string, string>();

        Produce(latest, W(TakerSide.Buy, 3, 0.5m));
        await ReadUntilAsync(reader, received, Oracle(latest, fromMinute: 3));

        Produce(latest, W(TakerSide.Sell, 1, 4.125m, version: 4)); // late correction of minute 1: minutes 1..3 move
        await ReadUntilAsync(reader, received, Oracle(latest, fromMinute: 1));

        // The stream's last word on each bar is what /api/cvd answers.
        var api = await CvdApiTests.GetCvdAsync(http, query);
        Assert.All(api.Skip(1), row => Assert.Equal(JsonDocument.Parse(received[row.Start!]).RootElement.GetProperty("cvdBase").GetRawText(), row.CvdBase));
    }

    /// <summary>Per bar from <paramref name="fromMinute"/>: the expected cvdBase text, from the latest windows (day anchor, all in one day).</summary>
    private static Dictionary<string, string> Oracle(Dictionary<string, WindowVolume> latest, int fromMinute)
    {
        var result = new Dictionary<string, string>();
        decimal cvd = 0;
        foreach (var bar in latest.Values.GroupBy(w => w.WindowStart).OrderBy(g => g.Key))
        {
            cvd += bar.Sum(w => w.Side == TakerSide.Buy ? w.BaseVolume : -w.BaseVolume);
            if (bar.Key >= T0.AddMinutes(fromMinute))
            {
                result[CvdApiTests.Iso(bar.Key)] = JsonSerializer.Serialize(cvd);
            }
        }

        return result;
    }

    private static async Task ReadUntilAsync(StreamReader reader, Dictionary<string, string> received, Dictionary<string, string> expected)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        string? id = null;
        while (!expected.All(e => received.TryGetValue(e.Key, out var data) && JsonDocument.Parse(data).RootElement.GetProperty("cvdBase").GetRawText() == e.Value))
        {
            var line = await reader.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("the stream ended");
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && id is not null)
            {
                received[id] = line[6..];
                Assert.Equal(id, JsonDocument.Parse(line[6..]).RootElement.GetProperty("start").GetString());
            }
        }
    }

    private static WindowVolume W(TakerSide side, int minute, decimal baseVolume, long version = 2) =>
        TestData.Window(Product, side, T0.AddMinutes(minute), version: version, trades: version, baseVolume: baseVolume, quoteVolume: baseVolume * 7m, final: true);

    private void Produce(Dictionary<string, WindowVolume> latest, params WindowVolume[] windows)
    {
        foreach (var w in windows)
        {
            latest[w.Key] = w;
            kafka.Produce(Topics.Volumes1m, w.Key, w, ContractSerializers.WindowSerializer);
        }

        kafka.Flush(TimeSpan.FromSeconds(10));
    }
}
