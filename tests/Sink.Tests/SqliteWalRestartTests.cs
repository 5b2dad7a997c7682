using System.Diagnostics;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Infrastructure;
using Microsoft.Data.Sqlite;
using static BitcoinVolume.Sink.Tests.TestData;

namespace BitcoinVolume.Sink.Tests;

/// <summary>
/// The volume store keeps SQLite's WAL bounded: once the WAL file is past <c>WalRestartBytes</c>, a write ends with a RESTART
/// checkpoint, so the following writes reuse the file from its beginning instead of appending (a WAL that only grew was
/// measured during backfills: ~200 MB after 1M trades). A checkpoint that cannot finish (a reader holds its snapshot) never
/// fails the write. The WAL here stays under SQLite's own automatic checkpoint (1,000 pages), so without the restart it only grows.
/// </summary>
public sealed class SqliteWalRestartTests
{
    private const long Threshold = 256 * 1024;

    [Fact]
    public async Task Past_the_threshold_the_wal_is_started_over_instead_of_growing()
    {
        using var growing = new TempDatabase();
        using var bounded = new TempDatabase();
        var (growingPeak, growingEnd) = await WriteAsync(new SqliteVolumeStore(growing.ConnectionString) { WalRestartBytes = long.MaxValue }, growing.FilePath);
        var (boundedPeak, boundedEnd) = await WriteAsync(new SqliteVolumeStore(bounded.ConnectionString) { WalRestartBytes = Threshold }, bounded.FilePath);

        Assert.True(growingEnd > growingPeak, $"without the restart the WAL grows on: {growingPeak} then {growingEnd} bytes");
        Assert.True(boundedPeak > Threshold, $"the first part must pass the threshold: {boundedPeak} bytes");
        Assert.Equal(boundedPeak, boundedEnd); // the later writes reused the file from its beginning
        Assert.True(boundedEnd < growingEnd / 2, $"bounded {boundedEnd} vs growing {growingEnd} bytes");

        var store = new SqliteVolumeStore(bounded.ConnectionString);
        Assert.Equal(600, (await store.GetWindowRowsAsync(Venues.Coinbase, "BTC-USD", T0, T0.AddDays(30))).Count);
    }

    [Fact]
    public async Task A_restart_that_a_reader_blocks_does_not_fail_the_write()
    {
        using var file = new TempDatabase();
        var store = new SqliteVolumeStore(file.ConnectionString + ";Default Timeout=1") { WalRestartBytes = Threshold };
        Assert.Equal(1, await store.UpsertAsync([Window(start: T0)]));

        await using var reader = new SqliteConnection(file.ConnectionString);
        await reader.OpenAsync();
        await using (var begin = reader.CreateCommand())
        {
            begin.CommandText = "BEGIN; SELECT count(*) FROM volumes_1m;"; // holds its snapshot until COMMIT
            await begin.ExecuteScalarAsync();
        }

        var watch = Stopwatch.StartNew();
        var changed = 0;
        for (var batch = 0; batch < 6; batch++)
        {
            changed += await store.UpsertAsync(Batch(batch + 100, 60));
        }

        Assert.Equal(360, changed);
        Assert.True(new FileInfo(file.FilePath + "-wal").Length > Threshold);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
        await using (var commit = reader.CreateCommand())
        {
            commit.CommandText = "COMMIT;";
            await commit.ExecuteNonQueryAsync();
        }

        Assert.Equal(361, (await store.GetWindowRowsAsync(Venues.Coinbase, "BTC-USD", T0, T0.AddDays(30))).Count);
    }

    // Five batches (past the threshold), then five more; the WAL file's size after the first ten and at the end.
    private static async Task<(long Peak, long End)> WriteAsync(SqliteVolumeStore store, string path)
    {
        for (var batch = 0; batch < 5; batch++)
        {
            Assert.Equal(60, await store.UpsertAsync(Batch(batch, 60)));
        }

        var peak = new FileInfo(path + "-wal").Length;
        for (var batch = 5; batch < 10; batch++)
        {
            Assert.Equal(60, await store.UpsertAsync(Batch(batch, 60)));
        }

        return (peak, new FileInfo(path + "-wal").Length);
    }

    // Windows with long reasons, so each batch adds well over a few pages to the WAL.
    private static WindowVolume[] Batch(int batch, int count) =>
        [.. Enumerable.Range(0, count).Select(i => Window(start: T0.AddMinutes((batch * count) + i)) with { IncompleteReason = new string('r', 1_500) + batch })];
}
