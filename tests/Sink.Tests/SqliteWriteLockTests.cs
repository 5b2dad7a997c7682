using System.Diagnostics;
using BitcoinVolume.Sink.Infrastructure;
using Microsoft.Data.Sqlite;
using static BitcoinVolume.Sink.Tests.TestData;

namespace BitcoinVolume.Sink.Tests;

/// <summary>
/// The sink's SQLite writers share one file (volumes, footprint, large trades, alerts): a writer waits inside SQLite for
/// another's write lock (busy_timeout) for as long as its command timeout (<c>Default Timeout</c>), not in
/// Microsoft.Data.Sqlite's fixed 150 ms sleeps, and a lock held longer than that still fails the write (the consumer then
/// pauses and retries, as the chaos test's database outage shows).
/// </summary>
public sealed class SqliteWriteLockTests
{
    [Fact]
    public async Task A_write_waits_for_a_short_lock_and_goes_in_right_after_it_is_released()
    {
        using var file = new TempDatabase();
        var store = new SqliteVolumeStore(file.ConnectionString + ";Default Timeout=5");
        Assert.Equal(1, await store.UpsertAsync([Window(start: T0)])); // creates the file and its schema

        await using var locker = new SqliteConnection(file.ConnectionString);
        await locker.OpenAsync();
        await using (var begin = locker.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE;";
            await begin.ExecuteNonQueryAsync();
        }

        var watch = Stopwatch.StartNew();
        var write = Task.Run(() => store.UpsertAsync([Window(start: T0.AddMinutes(1))])); // SQLite blocks the calling thread
        // Released 310 ms in: Microsoft.Data.Sqlite's own retries (at 0, 150, 300, 450 ms) would take the lock 140 ms later;
        // SQLite's busy handler polls at 228 and 328 ms.
        await Task.Delay(310);
        Assert.False(write.IsCompleted, "the write must wait for the lock");
        var released = watch.Elapsed;
        await using (var commit = locker.CreateCommand())
        {
            commit.CommandText = "COMMIT;";
            await commit.ExecuteNonQueryAsync();
        }

        Assert.Equal(1, await write);
        // SQLite's busy handler polls every few ms at first (at most 100 ms apart); Microsoft.Data.Sqlite's own retry slept 150 ms.
        Assert.True(watch.Elapsed - released < TimeSpan.FromMilliseconds(125), $"the write went in {(watch.Elapsed - released).TotalMilliseconds:0} ms after the release");
    }

    [Fact]
    public async Task A_write_under_a_lock_longer_than_its_command_timeout_fails_after_that_timeout()
    {
        using var file = new TempDatabase();
        var store = new SqliteVolumeStore(file.ConnectionString + ";Default Timeout=1");
        Assert.Equal(1, await store.UpsertAsync([Window(start: T0)]));

        await using var locker = new SqliteConnection(file.ConnectionString);
        await locker.OpenAsync();
        await using var begin = locker.CreateCommand();
        begin.CommandText = "BEGIN EXCLUSIVE;";
        await begin.ExecuteNonQueryAsync();

        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<SqliteException>(() => store.UpsertAsync([Window(start: T0.AddMinutes(1))]));
        Assert.Equal(5, error.SqliteErrorCode); // SQLITE_BUSY
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
    }
}
