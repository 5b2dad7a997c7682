using BitcoinVolume.TestSupport;
using Xunit.Abstractions;

namespace BitcoinVolume.Pipeline.Tests;

/// <summary>
/// Exactly-once across crashes and rebalances: the aggregator is SIGKILLed at random points while ≥ 200k trades
/// (with duplicates, disorder and late trades) stream through the development broker, and the windows the sink serves
/// must equal the oracle exactly.
/// </summary>
public class AggregatorCrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Sigkilling_the_aggregator_at_random_points_leaves_every_window_exact()
    {
        const int seed = 20261127;
        output.WriteLine($"seed {seed}");
        var (arrival, distinct) = TradeStream.Generate(200_000, 16, TimeSpan.FromHours(3), seed);
        var oracle = WindowOracle.Compute(distinct);
        await using var harness = new PipelineHarness(output);
        harness.Sink().Start();
        var aggregator = harness.Aggregator("aggregate-1");
        aggregator.Start();

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var producing = harness.ProduceAsync(arrival, TimeSpan.FromSeconds(60), cts.Token);
        var random = new Random(seed);
        for (var kill = 1; kill <= 6; kill++)
        {
            // Kill at a random moment after this run has taken its partitions, i.e. while it processes and commits.
            await aggregator.WaitForOutputAsync("Assigned partition", TimeSpan.FromSeconds(60));
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(0, 2_500)), cts.Token);
            await aggregator.KillAsync();
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} SIGKILL #{kill}");
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(100, 1_500)), cts.Token);
            aggregator.Start();
        }

        await producing;
        output.WriteLine($"{arrival.Count} records produced ({distinct.Count} distinct trades, {oracle.Count} windows); aggregator started {aggregator.Starts} times");
        await harness.AssertSinkEqualsOracleAsync(oracle, TimeSpan.FromMinutes(3));
        Assert.Equal(7, aggregator.Starts);
    }

    [Fact]
    public async Task Two_aggregators_share_the_partitions_and_totals_stay_exact_when_one_is_lost_for_good()
    {
        const int seed = 7;
        var (arrival, distinct) = TradeStream.Generate(60_000, 12, TimeSpan.FromHours(1), seed);
        var oracle = WindowOracle.Compute(distinct);
        await using var harness = new PipelineHarness(output);
        harness.Sink().Start();
        var first = harness.Aggregator("aggregate-a");
        var second = harness.Aggregator("aggregate-b");
        first.Start();
        second.Start();

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var producing = harness.ProduceAsync(arrival, TimeSpan.FromSeconds(40), cts.Token);
        await second.WaitForOutputAsync("Committed state", TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(2), cts.Token);
        await second.KillAsync();
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} aggregate-b lost for good");

        await producing;
        await harness.AssertSinkEqualsOracleAsync(oracle, TimeSpan.FromMinutes(3));
        var survivor = await File.ReadAllLinesAsync(first.LogPath);
        output.WriteLine(string.Join(Environment.NewLine, survivor.Where(l => l.Contains("Assigned partition", StringComparison.Ordinal))));
    }
}
