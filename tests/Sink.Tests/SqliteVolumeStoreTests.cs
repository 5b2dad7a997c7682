using BitcoinVolume.Sink.Infrastructure;
using Microsoft.Data.Sqlite;
using static BitcoinVolume.Sink.Tests.TestData;

namespace BitcoinVolume.Sink.Tests;

/// <summary>What is specific to the SQLite store; the shared upsert/replay suite is <see cref="VolumeStoreContractTests"/>.</summary>
public sealed class SqliteVolumeStoreTests : IDisposable
{
    private readonly TempDatabase db = new();
    private readonly SqliteVolumeStore store;

    public SqliteVolumeStoreTests() => store = new SqliteVolumeStore(db.ConnectionString);

    public void Dispose() => db.Dispose();

    [Fact]
    public async Task Decimals_are_stored_as_text_and_the_file_uses_wal()
    {
        await store.UpsertAsync([Window()]);

        await using var connection = new SqliteConnection(db.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT typeof(base_volume), typeof(quote_volume), typeof(open), typeof(close), typeof(window_start) FROM volumes_1m";
        await using (var reader = await command.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal(["text", "text", "text", "text", "integer"], Enumerable.Range(0, 5).Select(reader.GetString).ToArray());
        }

        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", await command.ExecuteScalarAsync());
        Assert.True(File.Exists(db.FilePath)); // the missing folder was created
    }

    [Fact]
    public void In_memory_databases_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new SqliteVolumeStore("Data Source=:memory:"));
    }
}
