using Npgsql;
using static BitcoinVolume.Sink.Tests.TestData;

namespace BitcoinVolume.Sink.Tests;

/// <summary>What is specific to the PostgreSQL store; the shared upsert/replay suite is <see cref="VolumeStoreContractTests"/>.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresVolumeStoreTests
{
    [Theory]
    [StoreData("postgres")]
    public async Task Volumes_are_numeric_columns_and_times_timestamptz(string kind)
    {
        await using var db = await TestStore.CreateAsync(kind);
        await db.Store.UpsertAsync([Window(quoteVolume: 32000.2500m)]);

        await using var connection = new NpgsqlConnection(db.Settings.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT pg_typeof(base_volume)::text, pg_typeof(quote_volume)::text, pg_typeof(window_start)::text, quote_volume::text FROM volumes_1m", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(
            ["numeric", "numeric", "timestamp with time zone", "32000.2500"],
            Enumerable.Range(0, 4).Select(reader.GetString).ToArray());
    }

    [Theory]
    [StoreData("postgres")]
    public async Task Two_stores_creating_the_schema_at_once_both_succeed(string kind)
    {
        await using var db = await TestStore.CreateAsync(kind);
        var other = db.Reopen();
        await Task.WhenAll(db.Store.UpsertAsync([Window(version: 1)]), other.UpsertAsync([Window(version: 2)]));

        Assert.Equal(2, Assert.Single(await db.Store.GetWindowRowsAsync("BTC-USD", T0, T0.AddMinutes(1))).Version);
        await ((IAsyncDisposable)other).DisposeAsync();
    }
}
