using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Tests.Fakes;
using BitcoinVolume.Ingest.Venues;
using BitcoinVolume.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BitcoinVolume.Ingest.Tests;

/// <summary>
/// Two venues in one ingest process (no <c>Ingest:Source</c>): Coinbase against FakeCoinbase, and a test-only venue
/// registered in the test host against its own fake server. Both reach `trades` with their venue and keys; when the test
/// venue's server goes away, Coinbase keeps flowing and only <c>ingest-testvenue</c> turns unhealthy.
/// </summary>
public sealed class MultiVenueLiveTests : IAsyncLifetime
{
    private KafkaTestCluster kafka = null!;
    private FakeCoinbase coinbase = null!;
    private FakeTestVenue testVenue = null!;

    public async Task InitializeAsync()
    {
        kafka = KafkaTestCluster.Start();
        coinbase = await FakeCoinbase.StartAsync("BTC-USD");
        testVenue = await FakeTestVenue.StartAsync(50);
    }

    public async Task DisposeAsync()
    {
        await testVenue.DisposeAsync();
        await coinbase.DisposeAsync();
        await kafka.DisposeAsync();
    }

    [Fact]
    public async Task Both_venues_reach_trades_and_one_venue_going_away_stalls_nothing_else()
    {
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ConnectionStrings:kafka", kafka.BootstrapServers)
                .UseSetting("Ingest:Venues:coinbase:Products", "BTC-USD")
                .UseSetting("Ingest:Venues:testvenue:Enabled", "true")
                .UseSetting("Ingest:Venues:testvenue:Products", "BTC-USD")
                .UseFastLiveSettings(coinbase)
                .UseSetting("Ingest:Recovery:Enabled", "false");
            foreach (var other in Contracts.Venues.All.Where(v => v.EnabledByDefault && v.Id != Contracts.Venues.Coinbase))
            {
                web.UseSetting($"Ingest:Venues:{other.Id}:Enabled", "false"); // never the real venues from a test
            }

            web.ConfigureTestServices(services => services.TryAddEnumerable(ServiceDescriptor.Singleton<IVenue>(new TestVenue(testVenue.WebSocketUrl("/ws")))));
        });
        using var client = factory.CreateClient();
        var expected = coinbase.AllTrades.Count() + testVenue.Trades.Count;

        var status = await WaitForStatusAsync(client, s => s.GetProperty("trades").GetInt64() >= expected && s.GetProperty("openGaps").GetInt32() == 0, TimeSpan.FromSeconds(40));
        var trades = kafka.ReadAll(Topics.Trades, expected, ContractSerializers.TradeDeserializer, settle: TimeSpan.FromSeconds(1));

        Assert.Equal(expected, trades.Count);
        Assert.All(trades, t => Assert.Equal(t.Value.Key, t.Key));
        Assert.Equal(coinbase.AllTrades.Select(t => t.TradeId).Order(), trades.Where(t => t.Key == "BTC-USD").Select(t => t.Value.TradeId).Order());
        Assert.Equal(testVenue.Trades.Select(t => t.TradeId), trades.Where(t => t.Key == "testvenue|BTC-USD").Select(t => t.Value.TradeId).Order());
        Assert.All(trades.Where(t => t.Key.StartsWith("testvenue|", StringComparison.Ordinal)), t => Assert.Equal("testvenue", t.Value.Venue));
        var venues = status.GetProperty("venues").EnumerateArray().ToDictionary(v => v.GetProperty("venue").GetString()!);
        Assert.Equal(["coinbase", "testvenue"], venues.Keys);
        Assert.Equal(testVenue.Trades.Count, venues["testvenue"].GetProperty("trades").GetInt64());
        Assert.Equal(JsonValueKind.String, venues["testvenue"].GetProperty("lastTradeTime").ValueKind);

        // The test venue's server goes away (connections refused): only its health check turns unhealthy.
        await testVenue.DisposeAsync();
        var health = factory.Services.GetRequiredService<HealthCheckService>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        HealthReport report;
        do
        {
            await Task.Delay(200, timeout.Token);
            report = await health.CheckHealthAsync(timeout.Token);
        }
        while (report.Entries["ingest-testvenue"].Status != HealthStatus.Unhealthy);

        Assert.Equal(HealthStatus.Healthy, report.Entries["ingest-coinbase"].Status);
        Assert.DoesNotContain("ingest", report.Entries.Keys);
        var coinbaseTrades = (await client.GetFromJsonAsync<JsonElement>("/api/ingest/status")).GetProperty("venues")[0].GetProperty("trades").GetInt64();
        Assert.Equal(coinbase.AllTrades.Count(), coinbaseTrades);
    }

    private static async Task<JsonElement> WaitForStatusAsync(HttpClient client, Func<JsonElement, bool> done, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (true)
        {
            var status = await client.GetFromJsonAsync<JsonElement>("/api/ingest/status", cancel.Token);
            if (done(status))
            {
                return status;
            }

            await Task.Delay(100, cancel.Token);
        }
    }

    /// <summary>The test venue's server: answers a subscribe with its trades, one frame each, then stays quiet but connected (pings).</summary>
    private sealed class FakeTestVenue : FakeVenueServer
    {
        private int disposed;

        public List<Trade> Trades { get; } = [];

        public static async Task<FakeTestVenue> StartAsync(int count)
        {
            var server = new FakeTestVenue();
            var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
            server.Trades.AddRange(Enumerable.Range(0, count).Select(i =>
                new Trade("BTC-USD", 1000 + (i * 3), start.AddSeconds(i), 40000m + i, 0.01m, i % 2 == 0 ? TakerSide.Buy : TakerSide.Sell) { Venue = "testvenue" }));
            await server.StartServerAsync();
            return server;
        }

        public new async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0)
            {
                await base.DisposeAsync();
            }
        }

        protected override void MapEndpoints(IEndpointRouteBuilder endpoints) => MapWebSocket(endpoints, "/ws", async connection =>
        {
            await connection.ReceiveTextAsync();
            foreach (var t in Trades)
            {
                await connection.SendTextAsync(string.Create(CultureInfo.InvariantCulture, $$"""{"p":"{{t.Product}}","i":{{t.TradeId}},"s":"{{(t.Side == TakerSide.Buy ? "buy" : "sell")}}","px":"{{t.Price}}","q":"{{t.Size}}","t":"{{t.Time:O}}"}"""));
            }

            while (!connection.Closed.IsCancellationRequested)
            {
                await connection.SendTextAsync("""{"ping":1}""");
                await Task.Delay(200, connection.Closed).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        });
    }

    /// <summary>A venue of this test only: ids rise with holes (dedup only), no REST history, one trade per frame.</summary>
    private sealed class TestVenue(Uri url) : IVenue
    {
        public string Id => "testvenue";

        public IReadOnlyList<LiveSourceName> LiveSources { get; } = [new("testvenue")];

        public bool ContiguousTradeIds => false;

        public HistoryCoverage History => HistoryCoverage.None;

        public string SymbolOf(string product) => product;

        public string? ProductFromSymbol(string symbol) => Products.IsCanonical(symbol) ? symbol : null;

        public IReadOnlyList<Instrument> ParseInstruments(Uri url, string body) => [];

        public bool ServesEndpoint(Uri address) => false;

        public IFrameParser CreateParser(FrameParserOptions options, TimeProvider timeProvider, SymbolMap symbols) => new Parser();

        public ILiveFeed CreateLiveFeed(string source) => new Feed(url);

        public ITradeHistory CreateHistory(FrameParserOptions parserOptions, TimeProvider timeProvider, SymbolMap symbols) => throw new NotSupportedException();
    }

    private sealed class Feed(Uri url) : ILiveFeed
    {
        public string Name => "testvenue";

        public Uri Url => url;

        public LivePing Ping => LivePing.None;

        public TimeSpan MaxConnectionAge => Timeout.InfiniteTimeSpan;

        public IReadOnlyList<ReadOnlyMemory<byte>> SubscribeMessages(IReadOnlyList<string> products) =>
            [Encoding.UTF8.GetBytes(JsonSerializer.Serialize(products.ToArray(), TestJsonContext.Default.StringArray))];

        public bool IsReconnectRequest(ReadOnlySpan<byte> frame) => false;
    }

    /// <summary>Frames <c>{"p","i","s","px","q","t"}</c>; <c>{"ping":1}</c> is ignored.</summary>
    private sealed class Parser : IFrameParser
    {
        public FrameResult Parse(ReadOnlySpan<byte> frame, List<Trade> trades)
        {
            using var document = JsonDocument.Parse(frame.ToArray());
            var root = document.RootElement;
            if (root.TryGetProperty("ping", out _))
            {
                return FrameResult.Ignored("ping");
            }

            trades.Add(new Trade(
                root.GetProperty("p").GetString()!,
                root.GetProperty("i").GetInt64(),
                DateTimeOffset.Parse(root.GetProperty("t").GetString()!, CultureInfo.InvariantCulture),
                decimal.Parse(root.GetProperty("px").GetString()!, CultureInfo.InvariantCulture),
                decimal.Parse(root.GetProperty("q").GetString()!, CultureInfo.InvariantCulture),
                root.GetProperty("s").GetString() == "buy" ? TakerSide.Buy : TakerSide.Sell)
            { Venue = "testvenue" });
            return new FrameResult(FrameKind.Trades, 1, "trade");
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
internal sealed partial class TestJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
