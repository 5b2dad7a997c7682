using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace BitcoinVolume.Pipeline.Tests;

/// <summary>
/// The consumer group's committed offsets on <c>trades</c> are informational (the offsets that count are in the state
/// store), but lag monitoring and back-pressure read them: every partition the aggregator owns has its group offset
/// caught up with its state — also one whose state was restored ahead of the group and that then receives nothing new.
/// </summary>
public class GroupOffsetTests(ITestOutputHelper output)
{
    private const string RenewedGroup = "aggregate-renewed";

    private static readonly int Partitions = Topics.All.Single(t => t.Name == Topics.Trades).Partitions;

    [Fact]
    public async Task A_partition_restored_ahead_of_the_group_that_receives_nothing_new_has_its_group_offset_committed()
    {
        var (arrival, _) = TradeStream.Generate(3_000, 6, TimeSpan.FromMinutes(10), seed: 2020);
        await using var harness = new PipelineHarness(output);
        var state = Path.Combine(harness.WorkDirectory, "aggregate-state");

        // 1. An aggregator processes every trade (all on the log before it starts): its state holds each partition's next
        //    offset, the end of its log. One loop, so no partition moves between loops of the instance.
        await harness.ProduceAsync(arrival, TimeSpan.Zero, CancellationToken.None);
        var ends = LogEnds(harness);
        var filled = ends.Where(e => e.Value > 0).Select(e => e.Key).ToList();
        Assert.True(filled.Count >= 2, $"the trades fill only partitions {string.Join(",", filled)}");
        var first = harness.Aggregator("aggregate-first", statePath: state, settings: OneLoop());
        first.Start();
        foreach (var partition in filled)
        {
            await first.WaitForOutputAsync($"Partition {partition} caught up with the log at offset {ends[partition]},", TimeSpan.FromSeconds(60));
        }

        await first.KillAsync();

        // 2. The same state folder in a group that has committed nothing (a new group id, or its offsets expired; likewise
        //    a crash between the state commit and the group commit): the state is ahead of the group. One partition
        //    receives new trades, the others nothing.
        var second = harness.Aggregator("aggregate-second", statePath: state, settings: OneLoop(RenewedGroup));
        second.Start();
        var active = arrival[0].Product;
        var fresh = arrival.Where(t => t.Product == active).TakeLast(20).Select(t => t with { TradeId = t.TradeId + 1_000_000, Time = t.Time.AddMinutes(1) }).ToList();
        await harness.ProduceAsync(fresh, TimeSpan.Zero, CancellationToken.None);
        var endsNow = LogEnds(harness);
        var quiet = filled.Where(p => endsNow[p] == ends[p]).ToList();
        Assert.NotEmpty(quiet);
        output.WriteLine($"log ends {string.Join(", ", endsNow.Select(e => $"{e.Key}:{e.Value}"))}; partitions without new records: {string.Join(",", quiet)}");

        // 3. Within a bounded time the group has every partition at the state's next offset (= the end of its log).
        await GroupCommits.WaitForAsync(harness, RenewedGroup, filled.ToDictionary(p => p, p => endsNow[p]), TimeSpan.FromSeconds(30), output);

        // The quiet partitions were restored from the state at the end of their log, not re-read.
        var log = await File.ReadAllLinesAsync(second.LogPath);
        foreach (var partition in quiet)
        {
            Assert.Contains(log, l => l.Contains($"Assigned partition {partition}: restored", StringComparison.Ordinal)
                && l.Contains($"resuming at offset {ends[partition]} ", StringComparison.Ordinal));
        }
    }

    private static Dictionary<string, string> OneLoop(string? group = null)
    {
        var settings = new Dictionary<string, string> { ["Aggregate__Loops"] = "1" };
        if (group is not null)
        {
            settings["Aggregate__GroupId"] = group;
        }

        return settings;
    }

    /// <summary>The next offset (high watermark) of every partition of <c>trades</c>.</summary>
    private static Dictionary<int, long> LogEnds(PipelineHarness harness) =>
        Enumerable.Range(0, Partitions).ToDictionary(p => p, p => harness.Kafka.Watermarks(Topics.Trades, p).High);
}
