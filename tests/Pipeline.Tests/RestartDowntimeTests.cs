using System.Net.Http.Json;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;
using Xunit.Abstractions;

namespace BitcoinVolume.Pipeline.Tests;

/// <summary>
/// Issue 15 (restart downtime in band) through the real pipeline: ingest reads <c>bitstamp</c> (a venue that cannot backfill:
/// its ids are not contiguous, so the trades it missed cannot be named) from a fake whose market keeps trading, keeps its
/// durable marks (<c>Ingest:State:Path</c>), is SIGKILLed and started again. The trades published while it was down are lost
/// for good; the windows they fall in must come back from <c>/api/volumes</c> <c>complete: false</c> with an
/// <c>incompleteReason</c> naming the restart, and every window wholly outside the downtime — from the stored mark's trade
/// time to the first trade after the restart — stays complete and equals the oracle.
/// </summary>
public sealed class RestartDowntimeTests(ITestOutputHelper output)
{
    private static readonly string[] Products = ["BTC-USD", "ETH-USD"];

    [Fact]
    public async Task On_a_venue_that_cannot_backfill_the_windows_of_an_ingest_restart_say_incomplete_with_the_restart_and_the_others_stay_exact()
    {
        // 3 000 trades over 30 minutes of event time at 100/s: one minute of event time per second, so a few seconds of
        // downtime span several whole windows. Bitstamp-like ids: one rising sequence over the products, with holes.
        var market = TradeStream.Market(Products, 3_000, TimeSpan.FromMinutes(30), seed: 1517)
            .Select((t, i) => t with { Venue = Venues.Bitstamp, TradeId = 216_000_000 + (i * 3), Time = DateTimeOffset.FromUnixTimeMilliseconds(t.Time.ToUnixTimeMilliseconds()) })
            .ToList();
        await using var bitstamp = await StreamingBitstamp.StartAsync(market, tradesPerSecond: 100);
        await using var harness = new PipelineHarness(output);
        var sink = harness.Sink();
        var aggregator = harness.Aggregator("aggregate");
        var ingest = harness.Ingest(TestPorts.FreeTcpPort(), IngestSettings(bitstamp));
        sink.Start();
        aggregator.Start();
        await aggregator.WaitForOutputAsync("Assigned partition", TimeSpan.FromSeconds(60));
        ingest.Start();
        await WaitAsync(() => bitstamp.Connections >= 1, TimeSpan.FromSeconds(60), "ingest to connect");
        await Task.Delay(500); // its subscriptions
        bitstamp.Open();

        // Killed a third into the market, restarted after a pause while the market keeps trading.
        await WaitAsync(() => bitstamp.Published >= 1_000, TimeSpan.FromSeconds(60), "a third of the market");
        await ingest.KillAsync();
        var stored = StoredMarkTimes(Path.Combine(harness.IngestStatePath, Venues.Bitstamp + ".json"));
        await Task.Delay(TimeSpan.FromSeconds(3));
        var connectionsBefore = bitstamp.Connections;
        ingest.Start();
        await WaitAsync(() => bitstamp.Connections > connectionsBefore && bitstamp.FirstSentOn(bitstamp.Connections, Products[0]) is not null
            && bitstamp.FirstSentOn(bitstamp.Connections, Products[1]) is not null, TimeSpan.FromSeconds(60), "ingest to trade again");
        var lost = bitstamp.LostTrades;
        Assert.NotEmpty(lost);

        // The downtime of each stream, as the test knows it: from the stored mark's trade time to the first trade the new
        // connection carried.
        var downtime = Products.ToDictionary(p => p, p => (From: stored[StreamKey.Of(Venues.Bitstamp, p)], To: bitstamp.FirstSentOn(bitstamp.Connections, p)!.Time));
        foreach (var (product, (from, to)) in downtime)
        {
            Assert.All(lost.Where(t => t.Product == product), t => Assert.InRange(t.Time, from, to));
            output.WriteLine($"{product}: downtime {from:HH:mm:ss.fff} .. {to:HH:mm:ss.fff}, {lost.Count(t => t.Product == product)} trades lost");
        }

        await WaitAsync(() => bitstamp.Finished, TimeSpan.FromSeconds(60), "the market to finish");

        // Ingest said so on trades: per stream an open restart marker, then the unfilled one with the same range.
        var markers = harness.Kafka.ReadAll(Topics.Trades, 4, ContractSerializers.GapDeserializer, TimeSpan.FromSeconds(30), where: g => g.Cause == TradeGap.Restart)
            .Select(m => m.Value).ToList();
        foreach (var (product, (from, to)) in downtime)
        {
            var ofProduct = markers.Where(m => m.Product == product).ToList();
            Assert.Equal([GapState.Open, GapState.Unfilled], ofProduct.Select(m => m.State));
            Assert.Single(ofProduct.Select(m => m.Id).Distinct());
            Assert.All(ofProduct, m => Assert.Equal(from, m.From));
            Assert.Equal(to, ofProduct[^1].To);
        }

        // The oracle of what the sink must hold outside the downtime: every trade the market published (none of them lost).
        var oracle = WindowOracle.Compute(market);
        var window = WindowSpec.Default;
        bool Touched(string product, DateTime start) =>
            start <= downtime[product].To.UtcDateTime && start + window.Length > downtime[product].From.UtcDateTime;

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{harness.SinkPort}") };
        List<string> problems = [];
        for (var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60); DateTime.UtcNow < deadline; await Task.Delay(500))
        {
            problems = await ProblemsAsync(http, oracle, Touched, lost);
            if (problems.Count == 0)
            {
                break;
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems.Take(20)));
        Assert.Contains(oracle.Keys, k => !Touched(k.Product, k.Start) && k.Start > downtime[k.Product].To.UtcDateTime);
        Assert.Contains(oracle.Keys, k => !Touched(k.Product, k.Start) && k.Start < downtime[k.Product].From.UtcDateTime);
    }

    /// <summary>
    /// What the sink serves that it must not: a window outside the downtime that is incomplete or differs from the oracle; a
    /// window touched by it that says complete or whose reason does not name the restart; one with a lost trade that has all
    /// of the oracle's trades.
    /// </summary>
    private static async Task<List<string>> ProblemsAsync(
        HttpClient http, Dictionary<(string Product, TakerSide Side, DateTime Start), OracleWindow> oracle, Func<string, DateTime, bool> touched, IReadOnlyList<Trade> lost)
    {
        var problems = new List<string>();
        var lostWindows = lost.Select(t => WindowOracle.KeyOf(t, WindowSpec.Default)).ToHashSet();
        foreach (var product in Products)
        {
            JsonElement rows;
            try
            {
                rows = await http.GetFromJsonAsync<JsonElement>($"/api/volumes?product={product}&interval=1m&from=2026-03-01T00:00:00Z&to=2026-03-01T01:00:00Z");
            }
            catch (HttpRequestException e)
            {
                return [$"API not answering: {e.Message}"];
            }

            var seen = new HashSet<(string, TakerSide, DateTime)>();
            foreach (var row in rows.EnumerateArray())
            {
                var key = (product, row.GetProperty("side").GetString() == "buy" ? TakerSide.Buy : TakerSide.Sell, row.GetProperty("start").GetDateTime().ToUniversalTime());
                seen.Add(key);
                var complete = row.GetProperty("complete").GetBoolean();
                var reason = row.GetProperty("incompleteReason").ValueKind == JsonValueKind.String ? row.GetProperty("incompleteReason").GetString()! : "";
                var trades = row.GetProperty("trades").GetInt64();
                if (!oracle.TryGetValue(key, out var want))
                {
                    problems.Add($"{key}: not in the oracle");
                }
                else if (touched(product, key.Item3))
                {
                    if (complete || !reason.Contains("restart", StringComparison.Ordinal))
                    {
                        problems.Add($"{key}: inside the downtime but complete={complete}, reason '{reason}'");
                    }

                    if (lostWindows.Contains(key) && trades >= want.Trades)
                    {
                        problems.Add($"{key}: lost trades, yet {trades} trades (oracle {want.Trades})");
                    }
                }
                else if (!complete || trades != want.Trades || row.GetProperty("baseVolume").GetDecimal() != want.BaseVolume
                    || row.GetProperty("quoteVolume").GetDecimal() != want.QuoteVolume)
                {
                    problems.Add($"{key}: outside the downtime: complete={complete} ('{reason}'), {trades} trades, want {want}");
                }
            }

            problems.AddRange(oracle.Keys.Where(k => k.Product == product && !touched(product, k.Start) && !seen.Contains(k)).Select(k => $"{k}: missing"));
        }

        return problems;
    }

    /// <summary>The trade time of each stream's mark in ingest's state file (what the restart resumes from).</summary>
    private static Dictionary<string, DateTimeOffset> StoredMarkTimes(string file)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(file));
        return json.RootElement.GetProperty("streams").EnumerateArray()
            .ToDictionary(s => s.GetProperty("stream").GetString()!, s => s.GetProperty("time").GetDateTimeOffset(), StringComparer.Ordinal);
    }

    private static Dictionary<string, string> IngestSettings(StreamingBitstamp bitstamp)
    {
        var settings = new Dictionary<string, string>
        {
            ["Ingest__Source"] = Venues.Bitstamp,
            ["Ingest__Venues__bitstamp__Url"] = bitstamp.Url.ToString(),
            ["Ingest__Venues__bitstamp__RestUrl"] = bitstamp.BaseUrl.ToString(),
            ["Ingest__Venues__bitstamp__PingInterval"] = "00:00:00.5",
            ["Ingest__Live__StallTimeout"] = "00:00:05",
            ["Ingest__Live__ReconnectDelay"] = "00:00:00.2",
            ["Ingest__State__Interval"] = "00:00:00.2",
        };
        for (var i = 0; i < Products.Length; i++)
        {
            settings[$"Ingest__Products__{i}"] = Products[i];
        }

        return settings;
    }

    private static async Task WaitAsync(Func<bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {timeout} waiting for {what}");
            }

            await Task.Delay(10);
        }
    }
}
