using System.Diagnostics.Metrics;
using BitcoinVolume.Contracts;
using Microsoft.Data.Sqlite;

namespace BitcoinVolume.Sink.Tests;

internal static class TestData
{
    public static readonly DateTimeOffset T0 = new(2026, 8, 9, 21, 4, 0, TimeSpan.Zero);

    public static WindowVolume Window(
        string product = "BTC-USD",
        TakerSide side = TakerSide.Buy,
        DateTimeOffset? start = null,
        long version = 1,
        long trades = 3,
        decimal baseVolume = 0.5m,
        decimal quoteVolume = 32000.25m,
        decimal open = 64000.1m,
        decimal high = 64010.5m,
        decimal low = 63990m,
        decimal close = 64005.75m,
        long firstTradeId = 100,
        long lastTradeId = 102,
        bool final = false,
        string venue = Venues.Coinbase) =>
        new(product, side, start ?? T0, trades, baseVolume, quoteVolume, open, high, low, close, firstTradeId, lastTradeId, version, final)
        {
            Venue = venue,
        };
}

/// <summary>A database file in its own temporary folder (a sub-folder that does not exist yet), deleted afterwards.</summary>
internal sealed class TempDatabase : IDisposable
{
    public TempDatabase()
    {
        Folder = Path.Combine(Path.GetTempPath(), "sink-tests-" + Guid.NewGuid().ToString("N"));
        FilePath = Path.Combine(Folder, "nested", "volumes.db");
    }

    public string Folder { get; }

    public string FilePath { get; }

    public string ConnectionString => $"Data Source={FilePath}";

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>An <see cref="IMeterFactory"/> whose meters can be listened to in isolation.</summary>
internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
        meters.Add(meter);
        return meter;
    }

    public void Dispose()
    {
        foreach (var meter in meters)
        {
            meter.Dispose();
        }
    }
}
