using System.Text.RegularExpressions;
using BitcoinVolume.TestSupport;
using Xunit.Abstractions;

namespace BitcoinVolume.Pipeline.Tests;

/// <summary>
/// Partition-parallel aggregation (issue 16, <c>Aggregate:Loops</c>): an instance with two loops over the six partitions
/// of <c>trades</c>, through the development broker over TCP, then a second two-loop instance joining the group while
/// trades keep arriving — partitions are revoked from the first instance's loops and move to the second's, finding their
/// state (or rebuilding it) — and every window the sink serves equals the oracle: nothing lost, nothing counted twice.
/// </summary>
public partial class ParallelLoopsTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string> TwoLoops = new() { ["Aggregate__Loops"] = "2" };

    [Fact]
    public async Task Two_loops_per_instance_and_a_second_instance_joining_give_every_window_exactly_the_oracle()
    {
        var (arrival, distinct) = TradeStream.Generate(60_000, 12, TimeSpan.FromHours(2), seed: 1616);
        var oracle = WindowOracle.Compute(distinct);
        var firstHalf = arrival.Take(arrival.Count / 2).ToList();
        var secondHalf = arrival.Skip(firstHalf.Count).ToList();

        await using var harness = new PipelineHarness(output);
        harness.Sink().Start();
        var first = harness.Aggregator("aggregate-a", settings: TwoLoops);
        first.Start();
        await first.WaitForOutputAsync("Starting 2 partition-parallel loops", TimeSpan.FromSeconds(60));
        await harness.ProduceAsync(firstHalf, TimeSpan.FromSeconds(8), CancellationToken.None);
        await first.WaitForOutputAsync("Committed state", TimeSpan.FromSeconds(60));

        // Both loops of the first instance aggregate partitions of their own.
        var firstOwned = await WaitForLoopsOwningAsync(first, [0, 1], TimeSpan.FromSeconds(60));
        Assert.Empty(firstOwned[0].Intersect(firstOwned[1]));

        // A second instance joins while the second half arrives: the group moves partitions away from the first one's loops.
        var second = harness.Aggregator("aggregate-b", settings: TwoLoops);
        second.Start();
        await harness.ProduceAsync(secondHalf, TimeSpan.FromSeconds(8), CancellationToken.None);
        await harness.AssertSinkEqualsOracleAsync(oracle, TimeSpan.FromMinutes(3));

        var firstLog = await File.ReadAllTextAsync(first.LogPath);
        var secondLog = await File.ReadAllTextAsync(second.LogPath);
        Assert.Matches(RevokedPattern(), firstLog);
        Assert.Contains(OwnedByLoop(secondLog), o => o.Partitions.Count > 0);
        Assert.DoesNotContain("is NOT being aggregated", firstLog, StringComparison.Ordinal);
        Assert.DoesNotContain("is NOT being aggregated", secondLog, StringComparison.Ordinal);

        // At the end each partition is owned by exactly one loop of one instance.
        var finalOwners = LatestOwned(firstLog).Select(o => ("a", o.Loop, o.Partitions))
            .Concat(LatestOwned(secondLog).Select(o => ("b", o.Loop, o.Partitions)))
            .SelectMany(o => o.Partitions)
            .ToList();
        Assert.Equal(Enumerable.Range(0, 6), finalOwners.Order());
    }

    /// <summary>Waits until each of <paramref name="loops"/> has logged a non-empty set of partitions; returns the latest set of each.</summary>
    private static async Task<Dictionary<int, IReadOnlyList<int>>> WaitForLoopsOwningAsync(ServiceProcess instance, int[] loops, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var latest = LatestOwned(await File.ReadAllTextAsync(instance.LogPath)).ToDictionary(o => o.Loop, o => o.Partitions);
            if (loops.All(l => latest.TryGetValue(l, out var owned) && owned.Count > 0))
            {
                return latest;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not every loop of {loops.Length} owns partitions after {timeout}: {string.Join("; ", latest.Select(l => $"loop {l.Key}: {string.Join(",", l.Value)}"))}");
            }

            await Task.Delay(250);
        }
    }

    private static List<(int Loop, IReadOnlyList<int> Partitions)> OwnedByLoop(string log) =>
        [.. OwnsPattern().Matches(log).Select(m => (int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            (IReadOnlyList<int>)(m.Groups[2].Value == "none" ? [] : [.. m.Groups[2].Value.Split(',').Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture))])))];

    /// <summary>The last set of partitions each loop logged.</summary>
    private static IEnumerable<(int Loop, IReadOnlyList<int> Partitions)> LatestOwned(string log) =>
        OwnedByLoop(log).GroupBy(o => o.Loop).Select(g => g.Last());

    [GeneratedRegex(@"Loop (\d+) owns partitions (none|[0-9,]+)")]
    private static partial Regex OwnsPattern();

    [GeneratedRegex(@"Partition \d+ revoked")]
    private static partial Regex RevokedPattern();
}
