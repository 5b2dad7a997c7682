using BitcoinVolume.TestSupport;
using Xunit.Abstractions;

namespace BitcoinVolume.Pipeline.Tests;

/// <summary>
/// A whole-system restart on the development broker (issue 14): the broker's in-memory log dies with it, the aggregator's
/// state (same folder) and the sink's database survive. With <c>Aggregate:ContinueAcrossBrokerRestarts</c> (what the
/// AppHost sets with its development broker) the aggregator keeps windows, dedup state and clock, and reads the NEW log
/// from its start, so a window split across the restart is the window of the whole stream.
/// </summary>
public class BrokerRestartTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string> Continue = new() { ["Aggregate__ContinueAcrossBrokerRestarts"] = "true" };

    [Fact]
    public async Task After_a_restart_onto_a_new_development_broker_every_window_equals_the_oracle_of_the_whole_stream()
    {
        const int seed = 1405;
        var (arrival, distinct) = TradeStream.Generate(30_000, 6, TimeSpan.FromMinutes(40), seed);
        var oracle = WindowOracle.Compute(distinct);

        // Split mid-stream (mid-minute: 30 000 trades over 40 minutes, so the split is inside a window of every product);
        // part 2 starts with the last 1 000 records of part 1 again, as a replay or a venue's recent trades would re-send them.
        var split = arrival.Count / 2;
        var part1 = arrival.Take(split).ToList();
        var part2 = arrival.Skip(split - 1_000).ToList();
        var part1Oracle = WindowOracle.Compute(part1.DistinctBy(t => (t.Product, t.TradeId)));
        Assert.Contains(part1Oracle, w => oracle[w.Key] != w.Value); // the restart cuts through windows

        var work = Path.Combine(Path.GetTempPath(), $"bv-restart-{Guid.NewGuid():N}");
        var state = Path.Combine(work, "aggregate-state");
        var database = new Dictionary<string, string> { ["ConnectionStrings__volumes"] = $"Data Source={Path.Combine(work, "volumes.db")}" };
        Directory.CreateDirectory(work);

        await using (var before = new PipelineHarness(output))
        {
            before.Sink(database).Start();
            before.Aggregator("aggregate", statePath: state, settings: Continue).Start();
            await before.ProduceAsync(part1, TimeSpan.Zero, CancellationToken.None);
            await before.AssertSinkEqualsOracleAsync(part1Oracle, TimeSpan.FromMinutes(2));
        }

        // Everything stopped (processes SIGKILLed, broker gone). A new, empty development broker: another incarnation.
        await using var after = new PipelineHarness(output);
        after.Sink(database).Start();
        var aggregator = after.Aggregator("aggregate", statePath: state, settings: Continue);
        aggregator.Start();
        await after.ProduceAsync(part2, TimeSpan.Zero, CancellationToken.None);
        await after.AssertSinkEqualsOracleAsync(oracle, TimeSpan.FromMinutes(2));
        await aggregator.WaitForOutputAsync("continues on a new development broker log", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Without_the_setting_state_of_an_earlier_development_broker_is_reported_not_mixed()
    {
        var (arrival, _) = TradeStream.Generate(2_000, 3, TimeSpan.FromMinutes(5), seed: 14);
        var state = await PipelineHarness.BuildStateAsync(output, arrival);

        await using var second = new PipelineHarness(output);
        await second.ProduceAsync(arrival, TimeSpan.Zero, CancellationToken.None); // the new log is longer than the stored offsets
        var aggregator = second.Aggregator("aggregate-again", statePath: state);
        aggregator.Start();
        await aggregator.WaitForOutputAsync("is NOT being aggregated", TimeSpan.FromSeconds(60));
        var log = await File.ReadAllTextAsync(aggregator.LogPath);
        Assert.Contains("another log, so the state cannot be continued", log, StringComparison.Ordinal);
        Assert.Contains("Aggregate:ContinueAcrossBrokerRestarts=true", log, StringComparison.Ordinal);
        Assert.DoesNotContain("continues on a new development broker log", log, StringComparison.Ordinal);
    }
}
