using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;
using Xunit.Abstractions;

namespace BitcoinVolume.Pipeline.Tests;

/// <summary>
/// The base window is a setting: with <c>Aggregate:Window=10s</c> and <c>Sink:Window=10s</c> the pipeline (aggregator and
/// sink as processes over the development broker) serves every 10-second bar exactly as the oracle computes it with the
/// same spec, and its 1-minute rollup equals the 1-minute oracle.
/// </summary>
public class TenSecondWindowTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Ten_second_windows_and_their_one_minute_rollup_equal_the_oracle()
    {
        var window = WindowSpec.Parse("10s");
        var (arrival, distinct) = TradeStream.Generate(30_000, 6, TimeSpan.FromMinutes(15), seed: 10);
        var oracle = WindowOracle.Compute(distinct, window);
        var minuteOracle = WindowOracle.Compute(distinct, WindowSpec.Default);
        Assert.Contains(oracle.Keys, k => k.Item3.Second % 60 != 0); // windows that 1-minute windows would not have

        await using var harness = new PipelineHarness(output, window);
        harness.Sink().Start();
        harness.Aggregator("aggregate").Start();

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await harness.ProduceAsync(arrival, TimeSpan.FromSeconds(5), cts.Token);
        output.WriteLine($"{arrival.Count} records produced ({distinct.Count} distinct trades, {oracle.Count} 10s windows, {minuteOracle.Count} 1m windows)");

        await harness.AssertSinkEqualsOracleAsync(oracle, TimeSpan.FromSeconds(60));
        await harness.AssertSinkEqualsOracleAsync(minuteOracle, WindowSpec.Default, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task State_written_with_another_window_length_is_not_loaded()
    {
        var (arrival, _) = TradeStream.Generate(2_000, 2, TimeSpan.FromMinutes(5), seed: 11);

        // 1. State of 1-minute windows.
        var state = await PipelineHarness.BuildStateAsync(output, arrival);

        // 2. The same state under a 10-second base window: refused with the reason, never mixed in.
        await using var second = new PipelineHarness(output, WindowSpec.Parse("10s"));
        var restarted = second.Aggregator("aggregate-10s", statePath: state);
        restarted.Start();
        await restarted.WaitForOutputAsync("was written with 1m windows, but Aggregate:Window is 10s", TimeSpan.FromSeconds(60));
        Assert.DoesNotContain("restored", await File.ReadAllTextAsync(restarted.LogPath), StringComparison.Ordinal);

        // Only the partitions with that state stop (blocked, reported); the aggregator itself keeps running.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.True(restarted.IsRunning, "the aggregator keeps running with the incompatible partitions blocked");
    }
}
