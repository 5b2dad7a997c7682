using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Footprint;

namespace BitcoinVolume.Sink.Tests;

/// <summary>The <c>footprint</c> table on SQLite and a real PostgreSQL server: highest version kept, exact decimals, range reads, a reopen.</summary>
[Collection(PostgresCollection.Name)]
public sealed class FootprintStoreContractTests
{
    private static readonly DateTimeOffset T0 = new(2026, 8, 9, 21, 4, 0, TimeSpan.Zero);

    private static FootprintWindow Window(string venue, DateTimeOffset start, long trades, bool final, params FootprintLevel[] levels) =>
        new(venue, "BTC-USD", start, 10m, trades, levels, FootprintWindow.VersionOf(trades, final), final);

    [Theory]
    [StoreData("sqlite")]
    [StoreData("postgres")]
    public async Task The_highest_version_of_each_window_is_kept_with_exact_levels(string kind)
    {
        await using var test = await TestStore.CreateAsync(kind);
        var (_, connection) = test.Settings;
        var first = Window(Venues.Coinbase, T0, 2, false, new FootprintLevel(90_010m, 0.00000001m, 1.5m, 1, 1));
        var later = Window(Venues.Coinbase, T0, 3, true, new FootprintLevel(90_000m, 0.12345678901234567890m, 0m, 1, 0), new FootprintLevel(90_010m, 0.00000001m, 1.5m, 1, 1));
        var other = Window("kraken", T0, 1, true, new FootprintLevel(89_990m, 2m, 0m, 1, 0));
        var next = Window(Venues.Coinbase, T0.AddMinutes(1), 1, false, new FootprintLevel(90_020m, 0m, 3m, 0, 1));
        await using (var store = Open(kind, connection))
        {
            Assert.Equal(3, await store.UpsertAsync([first, other, next], default));
            Assert.Equal(1, await store.UpsertAsync([later, first], default)); // the batch's highest version only
            Assert.Equal(0, await store.UpsertAsync([first], default)); // older: ignored
        }

        await using (var store = Open(kind, connection))
        {
            var read = await store.ReadAsync(Venues.Coinbase, "BTC-USD", T0, T0.AddMinutes(2), default);
            Assert.Equal([later.Key, next.Key], read.Select(w => w.Key));
            Assert.Equal((later.Tick, later.Trades, later.Version, later.Final, later.WindowStart), (read[0].Tick, read[0].Trades, read[0].Version, read[0].Final, read[0].WindowStart));
            Assert.Equal(later.Levels, read[0].Levels);
            Assert.Equal("0.12345678901234567890", read[0].Levels[0].BuyBase.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal([next.Key], (await store.ReadAsync(Venues.Coinbase, "BTC-USD", T0.AddMinutes(1), T0.AddMinutes(5), default)).Select(w => w.Key));
            Assert.Equal(other.Levels, Assert.Single(await store.ReadAsync("kraken", "BTC-USD", T0, T0.AddMinutes(1), default)).Levels);
        }
    }

    [Theory]
    [StoreData("sqlite")]
    [StoreData("postgres")]
    public async Task The_levels_column_holds_each_level_in_invariant_text_at_the_limits_of_decimal_and_long(string kind)
    {
        await using var test = await TestStore.CreateAsync(kind);
        var (_, connection) = test.Settings;
        FootprintLevel[] extremes =
        [
            new(90_000m, 0.12345678901234567890m, 0m, 1, 0),
            new(decimal.MaxValue, decimal.MinValue, 0.0000000000000000000000000001m, long.MaxValue, long.MinValue),
        ];
        var wide = Enumerable.Range(0, 600).Select(i => new FootprintLevel(80_000m + (i * 0.5m), i * 0.001m, 1.10m, i, 600 - i)).ToArray(); // text past any one buffer
        var narrow = Window(Venues.Coinbase, T0, 2, true, extremes);
        var many = Window(Venues.Coinbase, T0.AddMinutes(1), 600, false, wide);
        var none = Window(Venues.Coinbase, T0.AddMinutes(2), 0, false);
        await using (var store = Open(kind, connection))
        {
            Assert.Equal(3, await store.UpsertAsync([narrow, many, none], default));
            var read = await store.ReadAsync(Venues.Coinbase, "BTC-USD", T0, T0.AddMinutes(3), default);
            Assert.Equal(extremes, read[0].Levels);
            Assert.Equal(wide, read[1].Levels);
            Assert.Empty(read[2].Levels);
        }

        var stored = await LevelsColumnAsync(kind, connection);
        Assert.Equal(
            "90000:0.12345678901234567890:0:1:0;79228162514264337593543950335:-79228162514264337593543950335:0.0000000000000000000000000001:9223372036854775807:-9223372036854775808",
            stored[0]);
        Assert.Equal(string.Join(';', wide.Select(l => FormattableString.Invariant($"{l.Price}:{l.BuyBase}:{l.SellBase}:{l.BuyTrades}:{l.SellTrades}"))), stored[1]);
        Assert.Equal(string.Empty, stored[2]);
    }

    private static async Task<List<string>> LevelsColumnAsync(string kind, string connection)
    {
        await using System.Data.Common.DbConnection db = kind == "postgres"
            ? new Npgsql.NpgsqlConnection(connection)
            : new Microsoft.Data.Sqlite.SqliteConnection(connection);
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = "SELECT levels FROM footprint ORDER BY window_start;";
        await using var reader = await command.ExecuteReaderAsync();
        var levels = new List<string>();
        while (await reader.ReadAsync())
        {
            levels.Add(reader.GetString(0));
        }

        return levels;
    }

    private static SqlFootprintStore Open(string kind, string connection) =>
        kind == "postgres" ? SqlFootprintStore.Postgres(connection) : SqlFootprintStore.Sqlite(connection);
}
