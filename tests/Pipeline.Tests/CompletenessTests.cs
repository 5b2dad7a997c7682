using System.Net.Http.Json;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;

namespace BitcoinVolume.Pipeline.Tests;

/// <summary>
/// Issue 15, "Completeness in-band", through the real pipeline (ingest, aggregator and sink processes over the development
/// broker) against a fake Coinbase whose script skips trade ids that only REST serves: when REST fails, the windows the gaps
/// touch come back <c>complete: false</c> with the reason through <c>/api/volumes</c>; when the backfill succeeds late, the
/// same windows end <c>complete: true</c> and exact against the oracle.
/// </summary>
public sealed class CompletenessTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Product = "BTC-USD";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_gap_that_cannot_be_filled_leaves_its_windows_incomplete_with_the_reason()
    {
        await using var coinbase = await FakeCoinbase.StartAsync(Product);
        coinbase.FailingRestRequests = int.MaxValue;
        await using var harness = await StartAsync(coinbase, maxAttempts: 2);

        // First incomplete while the backfill is pending, then with the reason it was given up for.
        var rows = await WaitForRowsAsync(harness, rows => rows.Length > 0 && rows.All(r => !r.GetProperty("complete").GetBoolean()
            && r.GetProperty("incompleteReason").GetString()!.Contains("not backfilled after 2 attempts", StringComparison.Ordinal)));

        output.WriteLine(rows[0].GetProperty("incompleteReason").GetString());
        Assert.Equal(2, rows.Length);
        Assert.Contains("trade ids 300040..300059 (20 trades) missing", rows[0].GetProperty("incompleteReason").GetString(), StringComparison.Ordinal);
        Assert.True(coinbase.FailedRestRequests > 0);

        // Kept as well: the unfilled_gap dead letter, and the unfilled markers on trades.
        var markers = harness.Kafka.ReadAll(Topics.Trades, 1, ContractSerializers.GapDeserializer, TimeSpan.FromSeconds(30), where: g => g.State == GapState.Unfilled);
        Assert.Contains(markers, m => m.Value is { Venue: Venues.Coinbase, Product: Product, FirstTradeId: 300040, LastTradeId: 300059 });
        Assert.All(markers, m => Assert.Equal(Product, m.Key));
        var letters = harness.Kafka.ReadAll(Topics.TradesDeadLetter, 1, ContractSerializers.DeadLetterDeserializer, TimeSpan.FromSeconds(30), where: d => d.Reason == "unfilled_gap");
        Assert.NotEmpty(letters);
    }

    [Fact]
    public async Task When_the_backfill_succeeds_late_the_same_windows_end_complete_and_exact()
    {
        await using var coinbase = await FakeCoinbase.StartAsync(Product);
        coinbase.FailingRestRequests = 3;
        await using var harness = await StartAsync(coinbase, maxAttempts: 30);
        var oracle = WindowOracle.Compute(coinbase.AllTrades);

        var rows = await WaitForRowsAsync(harness, rows => rows.Length == oracle.Count && rows.All(r => r.GetProperty("complete").GetBoolean()));
        List<string> differences = [];
        for (var deadline = DateTime.UtcNow + Deadline; DateTime.UtcNow < deadline; await Task.Delay(500))
        {
            differences = await SinkOracle.DifferencesAsync(harness.Http, oracle);
            if (differences.Count == 0)
            {
                break;
            }
        }

        Assert.Empty(differences);
        Assert.All(rows, row => Assert.Equal(JsonValueKind.Null, row.GetProperty("incompleteReason").ValueKind));
        Assert.Equal(3, coinbase.FailedRestRequests);

        // The windows were incomplete while the gaps were open: every gap opened on trades was later marked filled, none unfilled.
        var markers = harness.Kafka.ReadAll(Topics.Trades, 2, ContractSerializers.GapDeserializer, TimeSpan.FromSeconds(30)).Select(m => m.Value).ToList();
        var opened = markers.Where(m => m.State == GapState.Open).Select(m => m.Id).ToHashSet();
        Assert.Contains("ids:300040-300059", opened);
        Assert.Equal(opened, markers.Where(m => m.State == GapState.Filled).Select(m => m.Id).ToHashSet());
        Assert.DoesNotContain(markers, m => m.State == GapState.Unfilled);
    }

    private async Task<Harness> StartAsync(FakeCoinbase coinbase, int maxAttempts)
    {
        var harness = new PipelineHarness(output);
        var ingest = harness.Ingest(TestPorts.FreeTcpPort(), new Dictionary<string, string>
        {
            ["Ingest__Source"] = "coinbase-exchange",
            ["Ingest__Products__0"] = Product,
            ["Ingest__Live__ExchangeUrl"] = coinbase.ExchangeUrl.ToString(),
            ["Ingest__Live__RestUrl"] = coinbase.BaseUrl.ToString(),
            ["Ingest__Live__StallTimeout"] = "00:00:01",
            ["Ingest__Live__ReconnectDelay"] = "00:00:00.05",
            ["Ingest__Live__MaxReconnectDelay"] = "00:00:00.2",
            ["Ingest__Backfill__Delay"] = "00:00:00.2",
            ["Ingest__Backfill__RetryDelay"] = "00:00:00.5",
            ["Ingest__Backfill__PollInterval"] = "00:00:00.05",
            ["Ingest__Backfill__MaxAttempts"] = maxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Ingest__Backfill__RequestsPerSecond"] = "50",
        });
        var aggregator = harness.Aggregator("aggregate");
        var sink = harness.Sink();
        sink.Start();
        aggregator.Start();
        await aggregator.WaitForOutputAsync("Assigned partition", TimeSpan.FromSeconds(60));
        ingest.Start();
        return new Harness(harness, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{harness.SinkPort}") });
    }

    /// <summary>Polls <c>/api/volumes</c> for the product's rows until <paramref name="done"/> holds (generous deadline); fails with the last answer.</summary>
    private async Task<JsonElement[]> WaitForRowsAsync(Harness harness, Func<JsonElement[], bool> done)
    {
        var url = $"/api/volumes?product={Product}&interval=1m&from=2024-05-01T11:00:00Z&to=2024-05-01T13:00:00Z";
        JsonElement[] rows = [];
        for (var deadline = DateTime.UtcNow + Deadline; DateTime.UtcNow < deadline; await Task.Delay(500))
        {
            try
            {
                rows = [.. (await harness.Http.GetFromJsonAsync<JsonElement>(url)).EnumerateArray()];
            }
            catch (HttpRequestException)
            {
                continue; // the sink is still starting
            }

            if (done(rows))
            {
                return rows;
            }
        }

        output.WriteLine($"last answer: {JsonSerializer.Serialize(rows)}; logs in {harness.Pipeline.WorkDirectory}");
        Assert.Fail($"/api/volumes did not reach the expected state within {Deadline}: {JsonSerializer.Serialize(rows)}");
        return rows;
    }

    private sealed class Harness(PipelineHarness pipeline, HttpClient http) : IAsyncDisposable
    {
        public PipelineHarness Pipeline { get; } = pipeline;

        public HttpClient Http { get; } = http;

        public KafkaTestCluster Kafka => Pipeline.Kafka;

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await Pipeline.DisposeAsync();
        }
    }
}
