using System.Net;
using BitcoinVolume.TestSupport;
using Xunit.Abstractions;

namespace BitcoinVolume.Pipeline.Tests;

/// <summary>
/// State handoff in bounded time (issue 14): with <c>Aggregate:Checkpoints:Path</c> a partition moves to an instance
/// without its state folder by restoring its newest checkpoint and replaying only what came after it, even when the
/// development broker (~5 MiB per partition) no longer has the partition's first records. Without a checkpoint the log
/// still reaches, such a partition stays blocked and says why.
/// </summary>
public class HandoffTests(ITestOutputHelper output)
{
    /// <summary>More records than the development broker keeps per partition (so its log start is trimmed), over few products.</summary>
    private const int TrimmingTrades = 240_000;

    private const int Products = 3;

    /// <summary>Produced this slowly, the aggregator keeps up: it never falls behind the trimming itself.</summary>
    private static readonly TimeSpan ProduceTime = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task A_partition_whose_log_was_trimmed_moves_to_a_fresh_instance_through_its_checkpoint_and_every_window_equals_the_oracle()
    {
        var (arrival, distinct) = TradeStream.Generate(TrimmingTrades, Products, TimeSpan.FromHours(6), seed: 1416);
        var oracle = WindowOracle.Compute(distinct);
        var beforeMove = arrival.Take(arrival.Count * 9 / 10).ToList();
        var afterMove = arrival.Skip(beforeMove.Count).ToList();

        await using var harness = new PipelineHarness(output);
        var checkpoints = Path.Combine(harness.WorkDirectory, "checkpoints");
        harness.Sink().Start();
        var first = harness.Aggregator("aggregate-a", settings: Checkpointing(checkpoints));
        first.Start();
        await harness.ProduceAsync(beforeMove, ProduceTime, CancellationToken.None);
        var trimmed = await WaitForCheckpointsAtLogEndAsync(harness, checkpoints, TimeSpan.FromMinutes(3));
        Assert.NotEmpty(trimmed); // the broker dropped the first records of these partitions: a rebuild from offset 0 is impossible

        // The instance and its state folder are gone; trades keep arriving while no one aggregates.
        await first.KillAsync();
        await harness.ProduceAsync(afterMove, ProduceTime / 9, CancellationToken.None);
        var second = harness.Aggregator("aggregate-b", settings: Checkpointing(checkpoints));
        second.Start();
        await harness.AssertSinkEqualsOracleAsync(oracle, TimeSpan.FromMinutes(3));

        var log = await File.ReadAllTextAsync(second.LogPath);
        foreach (var partition in trimmed)
        {
            Assert.Contains($"Partition {partition} restored from checkpoint", log, StringComparison.Ordinal);
            Assert.Contains($"Partition {partition} caught up with the log", log, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("is NOT being aggregated", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_checkpoint_the_trimmed_log_no_longer_reaches_or_none_at_all_blocks_the_partition_and_says_why()
    {
        var (arrival, _) = TradeStream.Generate(TrimmingTrades, Products, TimeSpan.FromHours(6), seed: 1417);
        await using var harness = new PipelineHarness(output);
        var checkpoints = Path.Combine(harness.WorkDirectory, "checkpoints");
        var stale = Path.Combine(harness.WorkDirectory, "stale-checkpoints");
        var first = harness.Aggregator("aggregate-a", settings: Checkpointing(checkpoints));
        first.Start();

        // Checkpoints of the first few thousand records, kept aside; then the log moves on far past them.
        await harness.ProduceAsync(arrival.Take(6_000).ToList(), TimeSpan.Zero, CancellationToken.None);
        await WaitForCheckpointsAtLogEndAsync(harness, checkpoints, TimeSpan.FromMinutes(2));
        new CheckpointFolder(checkpoints).CopyTo(stale);
        await harness.ProduceAsync(arrival.Skip(6_000).ToList(), ProduceTime, CancellationToken.None);
        var trimmed = await WaitForCheckpointsAtLogEndAsync(harness, checkpoints, TimeSpan.FromMinutes(3));
        Assert.NotEmpty(trimmed);
        await first.KillAsync();

        // Fresh instances (no state folder), each in a group of its own so each is given every partition.
        var tooOldPort = TestPorts.FreeTcpPort();
        var tooOld = harness.Aggregator("aggregate-too-old", tooOldPort, settings: Checkpointing(stale, group: "too-old"));
        var nonePort = TestPorts.FreeTcpPort();
        var none = harness.Aggregator("aggregate-none", nonePort, settings: Checkpointing(Path.Combine(harness.WorkDirectory, "empty"), group: "none"));
        tooOld.Start();
        none.Start();
        await tooOld.WaitForOutputAsync("is NOT being aggregated", TimeSpan.FromSeconds(90));
        await none.WaitForOutputAsync("is NOT being aggregated", TimeSpan.FromSeconds(90));

        foreach (var (instance, port, why) in new[]
        {
            (tooOld, tooOldPort, "is too old for what trades still keeps"),
            (none, nonePort, "there is no usable checkpoint of partition"),
        })
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var health = await http.GetAsync(new Uri("/health", UriKind.Relative));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            var log = await File.ReadAllTextAsync(instance.LogPath);
            foreach (var partition in trimmed)
            {
                Assert.Contains($"Partition {partition} of trades is NOT being aggregated", log, StringComparison.Ordinal);
                Assert.DoesNotContain($"Partition {partition} restored from checkpoint", log, StringComparison.Ordinal); // never mixed in
            }

            Assert.Contains(why, log, StringComparison.Ordinal);
        }
    }

    private static Dictionary<string, string> Checkpointing(string path, string? group = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Aggregate__Checkpoints__Path"] = path,
            ["Aggregate__Checkpoints__Interval"] = "00:00:01",
        };
        if (group is not null)
        {
            settings["Aggregate__GroupId"] = group;
        }

        return settings;
    }

    /// <summary>Waits until the aggregator has checkpointed every partition at the end of its log; returns the partitions whose log start was trimmed.</summary>
    private async Task<List<int>> WaitForCheckpointsAtLogEndAsync(PipelineHarness harness, string checkpoints, TimeSpan timeout)
    {
        var logs = await new CheckpointFolder(checkpoints).WaitAtLogEndAsync(harness.Kafka, timeout);
        foreach (var (partition, low, high) in logs)
        {
            output.WriteLine($"partition {partition}: log {low}..{high}");
        }

        return logs.Where(l => l.Low > 0).Select(l => l.Partition).ToList();
    }
}
