using BitcoinVolume.Sink.Alerts;

namespace BitcoinVolume.Sink.Tests;

/// <summary>The alert store on SQLite and a real PostgreSQL server: alerts, revisions, deliveries and rules survive a reopen.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AlertStoreContractTests
{
    private static readonly DateTime Bar = new(2026, 8, 9, 21, 4, 0, DateTimeKind.Utc);

    [Theory]
    [StoreData("sqlite")]
    [StoreData("postgres")]
    public async Task Alerts_revisions_deliveries_and_rules_are_kept_across_a_reopen(string kind)
    {
        await using var test = await TestStore.CreateAsync(kind);
        var (_, connection) = test.Settings;
        var alert = new AlertEvent("r1|2026-08-09T21:04:00Z", AlertEvent.AlertKind, 1, "r1", AlertRule.DeltaKind, "BTC-USD on venue=spot", "1m", Bar,
            Bar.AddMinutes(1), true, "buy", 12.345678901234567890123m, 10m, "big");
        await using (var store = Open(kind, connection))
        {
            Assert.Null(await store.FindAsync(alert.Id, default));
            await store.SaveAsync(alert, ["a", "b"], default);
            await store.SetDeliveryAsync(alert.Id, "a", 1, "delivered", 1, null, default);
            await store.SaveRuleAsync("r1", "{\"id\":\"r1\"}", default);
        }

        await using (var store = Open(kind, connection))
        {
            Assert.Equal(new StoredAlert(1, true, "buy"), await store.FindAsync(alert.Id, default));
            var pending = Assert.Single(await store.GetPendingAsync(default));
            Assert.Equal("b", pending.Webhook);
            Assert.Equal(alert, pending.Alert); // exact decimals through the payload

            // A correction: the next revision replaces the outcome, every webhook is pending again; an older revision is ignored.
            var correction = alert with { Kind = AlertEvent.CorrectionKind, Revision = 2, Fires = false, Direction = "none" };
            await store.SaveAsync(correction, ["a", "b"], default);
            await store.SaveAsync(alert, ["a", "b"], default);
            await store.SetDeliveryAsync(alert.Id, "b", 1, "delivered", 1, null, default); // outcome of the old revision: ignored
            Assert.Equal(new StoredAlert(2, false, "none"), await store.FindAsync(alert.Id, default));
            Assert.Equal(["a", "b"], (await store.GetPendingAsync(default)).Select(p => p.Webhook).Order());
            Assert.All(await store.GetPendingAsync(default), p => Assert.Equal(2, p.Alert.Revision));
            await store.SetDeliveryAsync(alert.Id, "a", 2, "failed", 3, "HTTP 503", default);
            Assert.Equal("b", Assert.Single(await store.GetPendingAsync(default)).Webhook);
            Assert.Equal(correction, Assert.Single(await store.GetRecentAsync(10, default)));

            Assert.Equal([("r1", "{\"id\":\"r1\"}")], await store.GetRulesAsync(default));
            Assert.True(await store.DeleteRuleAsync("r1", default));
            Assert.False(await store.DeleteRuleAsync("r1", default));
            Assert.Empty(await store.GetRulesAsync(default));
        }
    }

    private static SqlAlertStore Open(string kind, string connection) =>
        kind == "postgres" ? SqlAlertStore.Postgres(connection) : SqlAlertStore.Sqlite(connection);
}
