using System.Net.Http.Json;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;

namespace BitcoinVolume.Ingest.Tests;

/// <summary>
/// Ingest.Service as a host, replaying a recording with malformed lines mixed in, producing to the development broker
/// over TCP: the trades topic holds exactly the file's trades (taker side), and every bad line is on trades.dlq.
/// </summary>
public class ReplayIntoKafkaTests : IAsyncLifetime
{
    private KafkaTestCluster kafka = null!;
    private readonly string file = Path.Combine(Path.GetTempPath(), $"bv-replay-{Guid.NewGuid():N}.ndjson");

    public Task InitializeAsync()
    {
        kafka = KafkaTestCluster.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await kafka.DisposeAsync();
        File.Delete(file);
    }

    [Fact]
    public async Task Replay_produces_every_trade_once_with_the_taker_side_and_dead_letters_bad_lines()
    {
        var lines = File.ReadAllLines(TestData.RecordedExchangeFile).ToList();
        string[] bad =
        [
            "{this is not json",
            """{"type":"match","trade_id":1,"side":"sell","size":"-5","price":"1","product_id":"SKL-USD","time":"2021-04-17T16:43:37Z"}""",
            """{"product_id":"SKL-USD","no":"type"}""",
        ];

        // A type Coinbase may add any day: ignored and counted, not dead-lettered (unlike the frame with no type above).
        const string NewType = """{"type":"brand_new_type","product_id":"SKL-USD"}""";
        lines.Insert(700, NewType);
        lines.Insert(10, bad[0]);
        lines.Insert(500, bad[1]);
        lines.Insert(5000, bad[2]);
        lines.Insert(20, string.Empty);
        await File.WriteAllLinesAsync(file, lines);

        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseSetting("ConnectionStrings:kafka", kafka.BootstrapServers)
            .UseSetting("Ingest:Source", $"replay:{file}"));
        using var client = factory.CreateClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        JsonElement status;
        while (!(status = await client.GetFromJsonAsync<JsonElement>("/api/ingest/status", timeout.Token)).GetProperty("finished").GetBoolean())
        {
            await Task.Delay(100, timeout.Token);
        }

        var expected = RecordedFrames.Trades(TestData.RecordedExchangeFile).Select(t => (t.Product, t.TradeId, t.Side)).ToHashSet();
        var trades = kafka.ReadAll(Topics.Trades, expected.Count, ContractSerializers.TradeDeserializer);
        var letters = kafka.ReadAll(Topics.TradesDeadLetter, bad.Length, ContractSerializers.DeadLetterDeserializer);

        Assert.Equal(expected.Count, trades.Count);
        Assert.True(expected.SetEquals(trades.Select(t => (t.Value.Product, t.Value.TradeId, t.Value.Side))));
        Assert.All(trades, t => Assert.Equal(t.Value.Product, t.Key));
        Assert.Equal(
            [("malformed_json", bad[0]), ("non_positive_size", bad[1]), ("unknown_type", bad[2])],
            letters.Select(l => (l.Value.Reason, l.Value.Raw)));
        Assert.All(letters, l => Assert.StartsWith($"replay:{file}:", l.Value.Source, StringComparison.Ordinal));
        Assert.DoesNotContain(letters, l => l.Value.Raw == NewType);
        Assert.Equal(1, status.GetProperty("unknownFrames").GetInt64());
        Assert.Equal(bad.Length, status.GetProperty("deadLettered").GetInt64());
    }
}
