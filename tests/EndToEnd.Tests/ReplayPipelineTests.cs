using System.Text.Json;
using Aspire.Hosting.Testing;
using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;
using Xunit.Abstractions;

namespace BitcoinVolume.EndToEnd.Tests;

/// <summary>
/// The whole system through the AppHost: development broker over TCP, Ingest replaying frames recorded live from
/// Coinbase, Aggregate, Sink with SQLite, and the HTTP API — compared with volumes computed independently from the file.
/// </summary>
public class ReplayPipelineTests(ITestOutputHelper output)
{
    private static readonly string RecordedFile = Path.Combine(AppContext.BaseDirectory, "data", "coinbase-exchange-matches-2021-04-17.ndjson");

    [Fact]
    public async Task Replaying_a_recording_yields_exactly_its_per_minute_buy_and_sell_volumes_through_the_api()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;
        var database = Path.Combine(Path.GetTempPath(), $"bv-e2e-{Guid.NewGuid():N}.db");
        // Per-minute buy/sell volumes computed independently from the file: its distinct trades through the one oracle.
        var expected = WindowOracle.InApiOrder(WindowOracle.Compute(RecordedFrames.Trades(RecordedFile)).Values);
        Assert.Equal(107, expected.Sum(w => w.Trades)); // 97 match + 10 last_match, every trade id once

        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            [
                $"--Ingest:Source=replay:{RecordedFile}",
                $"--DevBroker:Port={TestPorts.FreeTcpPort()}",
                $"--ConnectionStrings:volumes=Data Source={database}",

                // Its own aggregator state: the AppHost's default, data/aggregate-state, outlives runs (and other tests).
                $"--Aggregate:StatePath={Path.Combine(Path.GetTempPath(), $"bv-e2e-state-{Guid.NewGuid():N}")}",
            ],
            ct);
        await using var app = await appHost.BuildAsync(ct);
        await app.StartAsync(ct);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("sink", ct);
        using var http = app.CreateHttpClient("sink");

        var products = expected.Select(w => w.Product).Distinct().ToList();
        var from = expected.Min(w => w.Start);
        var to = expected.Max(w => w.Start).AddMinutes(1);
        List<JsonElement> actual = [];
        while (true)
        {
            actual = [];
            foreach (var product in products)
            {
                // An unknown product (no rows yet) is a 400: not there yet.
                using var response = await http.GetAsync(new Uri($"/api/volumes?product={product}&interval=1m&from={from:yyyy-MM-ddTHH:mm:ssZ}&to={to:yyyy-MM-ddTHH:mm:ssZ}", UriKind.Relative), ct);
                if (response.IsSuccessStatusCode)
                {
                    var json = await response.Content.ReadAsStringAsync(ct);
                    actual.AddRange(JsonDocument.Parse(json).RootElement.EnumerateArray().Select(e => e.Clone()));
                }
            }

            if (actual.Sum(e => e.GetProperty("trades").GetInt32()) >= expected.Sum(w => w.Trades) || ct.IsCancellationRequested)
            {
                break;
            }

            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss} API has {actual.Sum(e => e.GetProperty("trades").GetInt32())} of {expected.Sum(w => w.Trades)} trades");
            await Task.Delay(1000, ct);
        }

        Assert.Equal(expected.Count, actual.Count);
        foreach (var (want, got) in expected.Zip(actual))
        {
            Assert.Equal(want.Product, got.GetProperty("product").GetString());
            Assert.Equal(want.Side == TakerSide.Buy ? "buy" : "sell", got.GetProperty("side").GetString());
            Assert.Equal(want.Start, got.GetProperty("start").GetDateTime());
            Assert.Equal(want.Start.AddMinutes(1), got.GetProperty("end").GetDateTime());
            Assert.EndsWith("Z", got.GetProperty("start").GetString(), StringComparison.Ordinal);
            Assert.Equal(want.Trades, got.GetProperty("trades").GetInt64());
            Assert.Equal(want.BaseVolume, got.GetProperty("baseVolume").GetDecimal());
            Assert.Equal(want.QuoteVolume, got.GetProperty("quoteVolume").GetDecimal());
            Assert.Equal(want.Vwap, got.GetProperty("vwap").GetDecimal());
            Assert.Equal((want.Open, want.High, want.Low, want.Close), (got.GetProperty("open").GetDecimal(), got.GetProperty("high").GetDecimal(), got.GetProperty("low").GetDecimal(), got.GetProperty("close").GetDecimal()));
        }

        Assert.Contains(actual, e => e.GetProperty("side").GetString() == "buy");
        Assert.Contains(actual, e => e.GetProperty("side").GetString() == "sell");
        output.WriteLine($"{actual.Count} windows of {products.Count} products equal the oracle");
    }
}
