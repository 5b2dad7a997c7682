using System.Buffers.Binary;
using BitcoinVolume.Aggregate.State;
using BitcoinVolume.Aggregate.Windowing;
using BitcoinVolume.Contracts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RocksDbSharp;

namespace BitcoinVolume.Aggregate.Tests;

/// <summary>The base window is a setting (<c>Aggregate:Window</c>): the aggregator cuts by it and its state records it.</summary>
public sealed class ConfiguredWindowTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 8, 9, 21, 4, 0, TimeSpan.Zero);
    private static readonly WindowSpec TenSeconds = WindowSpec.Parse("10s");
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"bv-window-state-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_ten_second_aggregator_cuts_ten_second_windows_and_closes_them_at_their_end_plus_grace()
    {
        var aggregator = new VolumeAggregator(new WindowingOptions { Window = TenSeconds, Grace = TimeSpan.FromSeconds(2) });
        aggregator.Apply(T(1, 1));
        aggregator.Apply(T(2, 9.9));
        aggregator.Apply(T(3, 10));
        aggregator.Apply(T(4, 59));

        var changes = aggregator.TakeChanges();

        Assert.Equal(TenSeconds, changes.Window);
        Assert.Equal(
            [(T0, 2L, true), (T0.AddSeconds(10), 1L, true), (T0.AddSeconds(50), 1L, false)],
            changes.Windows.OrderBy(w => w.WindowStart).Select(w => (w.WindowStart, w.Trades, w.Final)));

        aggregator.AdvanceWatermark(T0.AddSeconds(60));
        Assert.True(Assert.Single(aggregator.TakeChanges().Windows).Final);
    }

    [Fact]
    public void The_default_aggregator_keeps_one_minute_windows()
    {
        var aggregator = new VolumeAggregator(new WindowingOptions());
        aggregator.Apply(T(1, 1));
        aggregator.Apply(T(2, 59));

        var changes = aggregator.TakeChanges();

        Assert.Equal(WindowSpec.Default, changes.Window);
        Assert.Equal(2, Assert.Single(changes.Windows).Trades);
    }

    [Fact]
    public void Restoring_windows_that_are_not_on_the_window_grid_throws()
    {
        var tenSecond = new VolumeAggregator(new WindowingOptions { Window = TenSeconds });
        tenSecond.Apply(T(1, 15));
        var windows = tenSecond.TakeChanges().Windows;

        var minute = new VolumeAggregator(new WindowingOptions());
        Assert.Throws<InvalidDataException>(() => minute.Restore(windows, [], EventTimeState.None));
    }

    [Fact]
    public void State_records_its_window_length_and_loads_with_the_same_one()
    {
        var options = new WindowingOptions { Window = TenSeconds };
        Commit(options, partition: 3);

        using var store = new PartitionStateStore(folder, syncWrites: false);
        var loaded = store.Load(3, options);

        Assert.NotNull(loaded);
        Assert.Equal(TenSeconds, loaded.Aggregator.Window);
        Assert.Equal(2, loaded.Windows);
        Assert.Equal(ApplyOutcome.Duplicate, loaded.Aggregator.Apply(T(1, 1)));
    }

    [Fact]
    public void State_of_another_window_length_is_refused_with_a_message_that_says_what_to_do()
    {
        Commit(new WindowingOptions { Window = TenSeconds }, partition: 0);
        Commit(new WindowingOptions(), partition: 1);

        using var store = new PartitionStateStore(folder, syncWrites: false);
        var tenSecondState = Assert.Throws<IncompatibleStateException>(() => store.Load(0, new WindowingOptions()));
        var minuteState = Assert.Throws<IncompatibleStateException>(() => store.Load(1, new WindowingOptions { Window = TenSeconds }));

        Assert.Equal((0, TenSeconds, WindowSpec.Default), (tenSecondState.Partition, tenSecondState.Written, tenSecondState.Configured));
        Assert.Contains("partition 0", tenSecondState.Message, StringComparison.Ordinal);
        Assert.Contains("written with 10s windows, but Aggregate:Window is 1m", tenSecondState.Message, StringComparison.Ordinal);
        Assert.Contains(store.Path, tenSecondState.Message, StringComparison.Ordinal);
        Assert.Contains("written with 1m windows, but Aggregate:Window is 10s", minuteState.Message, StringComparison.Ordinal);

        // Each partition still loads with its own length; a partition without state is still simply absent.
        Assert.NotNull(store.Load(0, new WindowingOptions { Window = TenSeconds }));
        Assert.NotNull(store.Load(1, new WindowingOptions()));
        Assert.Null(store.Load(2, new WindowingOptions { Window = TenSeconds }));
    }

    [Fact]
    public void State_written_before_the_length_was_recorded_is_one_minute_state()
    {
        Commit(new WindowingOptions(), partition: 5);
        using (var db = RocksDb.Open(new DbOptions(), folder))
        {
            var key = new byte[6];
            key[0] = (byte)'p';
            BinaryPrimitives.WriteInt32BigEndian(key.AsSpan(1), 5);
            key[5] = (byte)'l';
            Assert.NotNull(db.Get(key));
            db.Remove(key);
        }

        using var store = new PartitionStateStore(folder, syncWrites: false);

        Assert.Equal(2, store.Load(5, new WindowingOptions())!.Windows);
        Assert.Throws<IncompatibleStateException>(() => store.Load(5, new WindowingOptions { Window = TenSeconds }));
    }

    [Theory]
    [InlineData(null, "1m")]
    [InlineData("10s", "10s")]
    [InlineData("5m", "5m")]
    [InlineData("60m", "1h")]
    public void Aggregate_Window_is_bound_into_the_windowing_options(string? value, string expected)
    {
        var settings = new Dictionary<string, string?>();
        if (value is not null)
        {
            settings["Aggregate:Window"] = value;
        }

        var options = Bind(settings);

        Assert.Equal(WindowSpec.Parse(expected), options.Window);
        Assert.Same(options.Window, options.Windowing.Window);
    }

    [Fact]
    public void Aggregate_Window_and_the_windowing_rules_bind_together()
    {
        var options = Bind(new Dictionary<string, string?>
        {
            ["Aggregate:Windowing:Grace"] = "00:00:02",
            ["Aggregate:Window"] = "15s",
        });

        Assert.Equal((TimeSpan.FromSeconds(2), WindowSpec.Parse("15s")), (options.Windowing.Grace, options.Windowing.Window));
    }

    [Fact]
    public async Task An_invalid_Aggregate_Window_stops_the_service_at_start_naming_the_setting_the_value_and_the_rule()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Aggregate:Window"] = "7s" });
        builder.AddAggregateServices();
        using var host = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var error = await Assert.ThrowsAnyAsync<InvalidOperationException>(() => host.StartAsync(timeout.Token));

        var message = error.Message + " " + error.InnerException?.Message;
        Assert.Contains("Aggregate:Window", message, StringComparison.Ordinal);
        Assert.Contains("'7s' is not a valid window", message, StringComparison.Ordinal);
        Assert.Contains("whole number of seconds that divides a minute", message, StringComparison.Ordinal);
    }

    private static AggregateOptions Bind(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddOptions<AggregateOptions>().BindConfiguration(AggregateOptions.Section);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<AggregateOptions>>().Value;
    }

    private static Trade T(long id, double seconds) => new("BTC-USD", id, T0.AddSeconds(seconds), 100m + id, 0.5m, TakerSide.Buy);

    /// <summary>Two trades a minute apart, committed for <paramref name="partition"/> by an aggregator with <paramref name="options"/>.</summary>
    private void Commit(WindowingOptions options, int partition)
    {
        var aggregator = new VolumeAggregator(options);
        aggregator.Apply(T(1, 1));
        aggregator.Apply(T(2, 61));
        using var store = new PartitionStateStore(folder, syncWrites: false);
        using var batch = PartitionStateStore.NewBatch();
        PartitionStateStore.Add(batch, partition, aggregator.TakeChanges(), nextOffset: 2);
        store.Commit(batch);
    }
}
