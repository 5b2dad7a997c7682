using System.Net.Http.Json;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace BitcoinVolume.Ingest.Tests.Venues;

/// <summary>
/// Runs Ingest.Service as a host with one live source against a <see cref="ScriptedVenueFake"/> (drop, stall, duplicate,
/// skipped ids served by its REST, one refused product) producing to the development broker, and checks what every such
/// venue must give: the trades topic holds exactly the fake's trades (venue and key included), the refused product is
/// dead-lettered as <c>subscription_rejected</c> naming it, the faults really happened.
/// </summary>
internal static class ScriptedLiveRun
{
    public static async Task<JsonElement> RunAndAssertAsync(KafkaTestCluster kafka, ScriptedVenueFake fake, string source, IReadOnlyDictionary<string, string> venueSettings)
    {
        var products = fake.Products.Append(fake.Refused).ToList();
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ConnectionStrings:kafka", kafka.BootstrapServers)
                .UseSetting("Ingest:Source", source)
                .UseSetting("Ingest:Live:StallTimeout", "00:00:01")
                .UseSetting("Ingest:Live:ReconnectDelay", "00:00:00.05")
                .UseSetting("Ingest:Live:MaxReconnectDelay", "00:00:00.2")
                .UseSetting("Ingest:Backfill:Delay", "00:00:00.2")
                .UseSetting("Ingest:Backfill:RetryDelay", "00:00:00.2")
                .UseSetting("Ingest:Backfill:PollInterval", "00:00:00.05")
                .UseSetting("Ingest:Backfill:PageSize", "4")
                .UseSetting("Ingest:Backfill:RequestsPerSecond", "50");
            for (var i = 0; i < products.Count; i++)
            {
                web.UseSetting($"Ingest:Products:{i}", products[i]);
            }

            foreach (var (key, value) in venueSettings)
            {
                web.UseSetting(key, value);
            }
        });
        using var client = factory.CreateClient();
        var expected = fake.AllTrades.ToList();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        JsonElement status;
        while (true)
        {
            status = await client.GetFromJsonAsync<JsonElement>("/api/ingest/status", timeout.Token);
            if ((status.GetProperty("trades").GetInt64() >= expected.Count && status.GetProperty("openGaps").GetInt32() == 0) || timeout.IsCancellationRequested)
            {
                break;
            }

            await Task.Delay(100, timeout.Token);
        }

        var trades = kafka.ReadAll(Topics.Trades, expected.Count, ContractSerializers.TradeDeserializer, settle: TimeSpan.FromSeconds(1.5));
        // Wait for one dead letter per refusal the fake has sent (the newest may still be on its way through the producer).
        var refusals = fake.RefusalsSent;
        var letters = kafka.ReadAll(Topics.TradesDeadLetter, Math.Max(1, refusals), ContractSerializers.DeadLetterDeserializer, timeout: TimeSpan.FromSeconds(15), settle: TimeSpan.FromMilliseconds(500));

        // Exactly the venue's trades: none missing, none twice, every field (venue, taker side) right, key = venue|product.
        Assert.Equal(expected.Count, trades.Count);
        Assert.Equal(expected.OrderBy(t => t.Product).ThenBy(t => t.TradeId), trades.Select(t => t.Value).OrderBy(t => t.Product).ThenBy(t => t.TradeId));
        Assert.All(trades, t => Assert.Equal(StreamKey.Of(fake.Venue, t.Value.Product), t.Key));
        Assert.Contains(trades, t => t.Value.Side == TakerSide.Buy);
        Assert.Contains(trades, t => t.Value.Side == TakerSide.Sell);

        // The refused product: dead-lettered, named; nothing else was (no gap left unfilled, no bad frame).
        Assert.NotEmpty(letters);
        Assert.All(letters, l => Assert.Equal("subscription_rejected", l.Value.Reason));
        Assert.All(letters, l => Assert.Contains(fake.Refused, l.Value.Detail, StringComparison.Ordinal));
        Assert.All(letters, l => Assert.StartsWith($"{source}#", l.Value.Source, StringComparison.Ordinal));
        Assert.Equal(refusals, letters.Count);

        // ... and in status, by product, with the venue's reason (it never traded, so the refusal stands).
        var refusal = Assert.Single(status.GetProperty("refusals").EnumerateArray());
        Assert.Equal(fake.Refused, refusal.GetProperty("product").GetString());
        Assert.Equal(refusals, refusal.GetProperty("refusals").GetInt32());
        Assert.Contains(fake.Refused, refusal.GetProperty("reason").GetString(), StringComparison.Ordinal);

        // The faults happened: drop and stall (two reconnects), two gaps per product filled from REST, a duplicate.
        Assert.True(status.GetProperty("reconnects").GetInt64() >= 2, status.ToString());
        Assert.True(fake.Connections >= 3, $"{fake.Connections} connections");
        Assert.True(status.GetProperty("gapsDetected").GetInt64() >= 2 * fake.Products.Count, status.ToString());
        Assert.True(status.GetProperty("backfilled").GetInt64() >= 15 * fake.Products.Count, status.ToString());
        Assert.True(status.GetProperty("duplicates").GetInt64() > 0, status.ToString());
        Assert.Equal(0, status.GetProperty("unfilledGaps").GetInt64());
        Assert.True(status.GetProperty("connected").GetBoolean());
        Assert.NotEmpty(fake.RestRequests);
        return status;
    }
}
