using System.Net;
using System.Text;
using System.Text.Json;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Sink.Tests;

/// <summary>
/// <c>/api/alerts/rules</c> (validation with 400 problem details, 409 for settings rules, rules kept across a restart),
/// the catch-up at start (windows committed while the service was down fire their alerts once) and <c>/api/alerts/status</c>.
/// </summary>
public sealed class AlertsApiTests
{
    private static readonly DateTimeOffset T0 = new(2026, 8, 9, 12, 0, 0, TimeSpan.Zero);

    private static readonly Dictionary<string, string> SettingsRule = new()
    {
        ["Sink:Alerts:Rules:0:Id"] = "from-settings",
        ["Sink:Alerts:Rules:0:Kind"] = "imbalance",
        ["Sink:Alerts:Rules:0:Product"] = "ALA-USD",
        ["Sink:Alerts:Rules:0:Percent"] = "60",
        ["Sink:Alerts:Rules:0:Bars"] = "2",
    };

    [Theory]
    [InlineData("""{"kind":"delta","product":"BTC-USD","delta":1}""", "id")]
    [InlineData("""{"id":"Bad Id","kind":"delta","product":"BTC-USD","delta":1}""", "id")]
    [InlineData("""{"id":"x","kind":"volume","product":"BTC-USD"}""", "kind")]
    [InlineData("""{"id":"x","kind":"delta","delta":1}""", "product")]
    [InlineData("""{"id":"x","kind":"delta","product":"BTC-USD","asset":"BTC","delta":1}""", "product")]
    [InlineData("""{"id":"x","kind":"delta","product":"BTC-USD","delta":0}""", "delta")]
    [InlineData("""{"id":"x","kind":"imbalance","product":"BTC-USD","percent":101}""", "percent")]
    [InlineData("""{"id":"x","kind":"imbalance","product":"BTC-USD","percent":50,"bars":0}""", "bars")]
    [InlineData("""{"id":"x","kind":"cvd-cross","product":"BTC-USD"}""", "level")]
    [InlineData("""{"id":"x","kind":"cvd-cross","product":"BTC-USD","level":5,"anchor":"range"}""", "anchor")]
    [InlineData("""{"id":"x","kind":"cvd-cross","product":"BTC-USD","level":5,"interval":"7m"}""", "interval")]
    [InlineData("""{"id":"x","kind":"delta","product":"BTC-USD","delta":1,"interval":"1M"}""", "interval")]
    [InlineData("""{"id":"x","kind":"delta","product":"BTC-USD","delta":1,"venue":"Bad!"}""", "venue")]
    [InlineData("""{"id":"x","kind":"delta","product":"BTC-USD","delta":1,"webhooks":["nope"]}""", "webhooks")]
    [InlineData("""{"id":"x","kind":"delta","product":"BTC-USD","delta":"lots"}""", "body")]
    [InlineData("""not json""", "body")]
    public async Task A_bad_rule_is_a_400_problem_naming_the_field(string body, string field)
    {
        await using var factory = new SinkApiFactory();
        using var client = factory.CreateClient();
        using var response = await client.PostAsync("/api/alerts/rules", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), problem.RootElement.GetRawText());
    }

    [Fact]
    public async Task Posted_rules_are_listed_kept_across_a_restart_and_removed_but_settings_rules_are_not_changed_here()
    {
        using var db = new TempDatabase();
        var settings = new Dictionary<string, string>(SettingsRule) { ["ConnectionStrings:volumes"] = db.ConnectionString };
        await using (var factory = new SinkApiFactory(settings))
        {
            using var client = factory.CreateClient();
            using var created = await client.PostAsync("/api/alerts/rules", Json("""{"id":"cvd-up","kind":"cvd-cross","asset":"BTC","level":100.5,"anchor":"week","interval":"1h"}"""));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal("/api/alerts/rules/cvd-up", created.Headers.Location?.OriginalString);
            using var conflict = await client.PostAsync("/api/alerts/rules", Json("""{"id":"from-settings","kind":"delta","product":"BTC-USD","delta":1}"""));
            Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        }

        await using (var factory = new SinkApiFactory(settings))
        {
            using var client = factory.CreateClient();
            using var rules = JsonDocument.Parse(await client.GetStringAsync("/api/alerts/rules"));
            var listed = rules.RootElement.EnumerateArray().Select(r => (r.GetProperty("source").GetString(), r.GetProperty("rule").GetProperty("id").GetString())).ToList();
            Assert.Equal([("settings", "from-settings"), ("api", "cvd-up")], listed);
            Assert.Equal("100.5", rules.RootElement[1].GetProperty("rule").GetProperty("level").GetRawText());

            Assert.Equal(HttpStatusCode.Conflict, (await client.DeleteAsync("/api/alerts/rules/from-settings")).StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/alerts/rules/cvd-up")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync("/api/alerts/rules/cvd-up")).StatusCode);
            using var after = JsonDocument.Parse(await client.GetStringAsync("/api/alerts/rules"));
            Assert.Equal(1, after.RootElement.GetArrayLength());
        }
    }

    [Fact]
    public async Task Windows_stored_while_the_service_was_down_fire_at_start_once_and_only_final_bars_count()
    {
        using var db = new TempDatabase();
        var settings = new Dictionary<string, string>(SettingsRule) { ["ConnectionStrings:volumes"] = db.ConnectionString };
        await using (var writer = new SinkApiFactory(new Dictionary<string, string> { ["ConnectionStrings:volumes"] = db.ConnectionString, ["Sink:Alerts:Enabled"] = "false" }))
        {
            // Imbalance over 2 bars ≥ 60 % (a bar without trades counts as zero volume): minutes −1+0 = 3 / 3 = 100 % (fires,
            // buy); 0+1 = (4 − 1) / 5 = 60 % (fires, buy); 1+2 = (1 − 4) / 5 = −60 % (fires, sell); 2+3: minute 3 is not final.
            await writer.Store.UpsertAsync(
            [
                W(TakerSide.Buy, 0, 3m), W(TakerSide.Buy, 1, 1m), W(TakerSide.Sell, 1, 1m), W(TakerSide.Sell, 2, 3m),
                W(TakerSide.Buy, 3, 9m, final: false),
            ]);
        }

        for (var restart = 0; restart < 2; restart++)
        {
            await using var factory = new SinkApiFactory(settings);
            using var client = factory.CreateClient();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
            JsonElement[] alerts;
            do
            {
                Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the catch-up alerts");
                await Task.Delay(100);
                using var json = JsonDocument.Parse(await client.GetStringAsync("/api/alerts"));
                alerts = [.. json.RootElement.EnumerateArray().Select(a => a.Clone())];
            }
            while (alerts.Length < 3 || await CatchUpsAsync(client) == 0);

            static string Percent(decimal buy, decimal sell) => JsonSerializer.Serialize((buy - sell) / (buy + sell) * 100);
            Assert.Equal(
                [
                    ($"from-settings|{CvdApiTests.Iso(T0.AddMinutes(2))}", "sell", Percent(1m, 1m + 3m), 1L),
                    ($"from-settings|{CvdApiTests.Iso(T0.AddMinutes(1))}", "buy", Percent(3m + 1m, 1m), 1L),
                    ($"from-settings|{CvdApiTests.Iso(T0)}", "buy", Percent(3m, 0m), 1L),
                ],
                alerts.Select(a => (a.GetProperty("id").GetString()!, a.GetProperty("direction").GetString()!, a.GetProperty("value").GetRawText(), a.GetProperty("revision").GetInt64())));
            using var status = JsonDocument.Parse(await client.GetStringAsync("/api/alerts/status"));
            Assert.Equal(restart == 0 ? 3 : 0, status.RootElement.GetProperty("alerts").GetInt64()); // fired in this run
        }
    }

    private static async Task<long> CatchUpsAsync(HttpClient client)
    {
        using var status = JsonDocument.Parse(await client.GetStringAsync("/api/alerts/status"));
        return status.RootElement.GetProperty("catchUps").GetInt64();
    }

    private static WindowVolume W(TakerSide side, int minute, decimal baseVolume, bool final = true) =>
        TestData.Window("ALA-USD", side, T0.AddMinutes(minute), baseVolume: baseVolume, quoteVolume: baseVolume * 10m, final: final, version: final ? 3 : 2);

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
