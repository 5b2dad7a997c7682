using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Infrastructure;
using static BitcoinVolume.Sink.Tests.TestData;

namespace BitcoinVolume.Sink.Tests;

/// <summary>
/// The stores' batch writes: a batch larger than one statement chunk (SQLite's JSON-array method: <see cref="SqliteVolumeStore.JsonRowsPerStatement"/>
/// rows per statement; its default: one prepared statement per row) with several versions of the same windows, some older and some newer than what is stored, keeps
/// exactly the highest version of every window, with all its columns (completeness, venue), and counts only the rows it changed.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class MultiRowUpsertTests
{
    private static readonly DateTimeOffset Far = new(2100, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [StoreData("sqlite")]
    [StoreData("postgres")]
    public async Task A_batch_of_several_chunks_with_mixed_older_and_newer_versions_keeps_the_highest_of_each_window(string kind)
    {
        await using var db = await TestStore.CreateAsync(kind);
        await AssertHighestVersionsKeptAsync(db.Store, (SqliteVolumeStore.JsonRowsPerStatement * 2) + 17); // two full chunks and a partial one
    }

    [Fact]
    public async Task The_json_rows_sqlite_write_method_keeps_the_highest_of_each_window_too()
    {
        using var file = new TempDatabase();
        var store = new SqliteVolumeStore(file.ConnectionString, method: SqliteUpsertMethod.JsonRows);
        await AssertHighestVersionsKeptAsync(store, (SqliteVolumeStore.JsonRowsPerStatement * 2) + 17);
    }

    private static async Task AssertHighestVersionsKeptAsync(IVolumeStore store, int windows)
    {
        var random = new Random(20261202);
        string[] venues = [Venues.Coinbase, Venues.Kraken];

        // The independent oracle: per window key the row with the highest version seen so far.
        var oracle = new Dictionary<(string Venue, TakerSide Side, DateTimeOffset Start), WindowVolume>();
        WindowVolume Version(int i, long version) => Window(
            venue: venues[i % 2],
            side: i % 3 == 0 ? TakerSide.Sell : TakerSide.Buy,
            start: T0.AddMinutes(i),
            version: version,
            trades: version,
            baseVolume: (i * 0.001m) + (version * 0.00000001m),
            quoteVolume: (i * 64.5m) + version,
            close: 64000m + version,
            lastTradeId: 100 + version,
            final: version % 2 == 0) with
        {
            IncompleteReason = version % 5 == 0 ? $"gap at version {version}" : null,
        };

        // Stored first: every other window at version 10, in a batch of its own.
        var stored = Enumerable.Range(0, windows).Where(i => i % 2 == 0).Select(i => Version(i, 10)).ToList();
        Assert.Equal(stored.Count, await store.UpsertAsync(stored));
        foreach (var row in stored)
        {
            oracle[(row.Venue, row.Side, row.WindowStart)] = row;
        }

        // Then one batch with 1–4 versions per window in shuffled order: below, equal to and above the stored version.
        var batch = new List<WindowVolume>();
        for (var i = 0; i < windows; i++)
        {
            var versions = random.Next(1, 5);
            for (var v = 0; v < versions; v++)
            {
                batch.Add(Version(i, random.Next(1, 21)));
            }
        }

        batch = [.. batch.OrderBy(_ => random.Next())];
        var expectChanged = 0;
        foreach (var group in batch.GroupBy(w => (w.Venue, w.Side, w.WindowStart)))
        {
            var newest = group.MaxBy(w => w.Version)!;
            if (!oracle.TryGetValue(group.Key, out var held) || held.Version < newest.Version)
            {
                oracle[group.Key] = newest;
                expectChanged++;
            }
        }

        Assert.True(batch.Count > windows, $"the batch has {batch.Count} rows for {windows} windows"); // several versions of some windows
        Assert.InRange(expectChanged, 1, windows - 1); // some windows changed, some kept their stored newer version

        Assert.Equal(expectChanged, await store.UpsertAsync(batch));

        var rows = new List<WindowVolume>();
        foreach (var venue in venues)
        {
            rows.AddRange(await store.GetWindowRowsAsync(venue, "BTC-USD", DateTimeOffset.UnixEpoch, Far));
        }

        var expected = oracle.Values.OrderBy(w => w.Venue, StringComparer.Ordinal).ThenBy(w => w.WindowStart).ThenBy(w => w.Side).ToList();
        Assert.Equal(expected, rows);
        Assert.Contains(rows, r => !r.Complete);
        Assert.Equal(0, await store.UpsertAsync(batch)); // the same batch again changes nothing
    }
}
