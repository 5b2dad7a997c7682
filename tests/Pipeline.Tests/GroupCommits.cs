using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace BitcoinVolume.Pipeline.Tests;

/// <summary>What a consumer group has committed on <c>trades</c>, read the way lag monitoring reads it.</summary>
internal static class GroupCommits
{
    /// <summary>Polls until <paramref name="group"/> has committed <paramref name="expected"/> on <c>trades</c>; throws with what it has on timeout.</summary>
    public static async Task WaitForAsync(PipelineHarness harness, string group, Dictionary<int, long> expected, TimeSpan timeout, ITestOutputHelper output)
    {
        using var probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = harness.Kafka.BootstrapServers, GroupId = group, EnableAutoCommit = false }).Build();
        var partitions = expected.Keys.Select(p => new TopicPartition(Topics.Trades, p)).ToList();
        var deadline = DateTime.UtcNow + timeout;
        var committed = new Dictionary<int, long>();
        while (DateTime.UtcNow < deadline)
        {
            committed = probe.Committed(partitions, TimeSpan.FromSeconds(10)).ToDictionary(c => c.Partition.Value, c => c.Offset.Value);
            if (expected.All(e => committed[e.Key] == e.Value))
            {
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} group {group} committed {Describe(committed, expected)}");
                return;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"group {group} has not committed the end of the log within {timeout}: {Describe(committed, expected)}");
    }

    private static string Describe(Dictionary<int, long> committed, Dictionary<int, long> expected) =>
        string.Join(", ", expected.Select(e => $"partition {e.Key}: {(committed.TryGetValue(e.Key, out var c) ? c : -1)} of {e.Value}"));
}
