using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;

namespace BitcoinVolume.Pipeline.Tests;

/// <summary>
/// The aggregator (a real process) publishes its status on topic <c>status</c>: running, the partitions of <c>trades</c>
/// it owns, each with its event-time watermark (newest trade time − grace), and the watermark lag (wall clock at the
/// report minus the oldest watermark).
/// </summary>
public class AggregatorStatusTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task The_aggregator_reports_its_partitions_watermarks_and_lag_on_the_status_topic()
    {
        await using var harness = new PipelineHarness(output);
        var aggregator = harness.Aggregator("aggregate-status", settings: new Dictionary<string, string> { ["Aggregate__Status__Heartbeat"] = "00:00:01" });
        aggregator.Start();
        await aggregator.WaitForOutputAsync("Assigned partition", TimeSpan.FromSeconds(60));

        var start = new DateTimeOffset(2026, 1, 5, 10, 0, 0, TimeSpan.Zero);
        var trades = Enumerable.Range(1, 5).Select(i => new Trade("STATUS-USD", i, start.AddSeconds(10 * i), 100m + i, 0.5m, TakerSide.Buy)).ToList();
        await harness.ProduceAsync(trades, TimeSpan.Zero, CancellationToken.None);
        var expected = trades.Max(t => t.Time) - TimeSpan.FromSeconds(5); // Aggregate:Windowing:Grace

        // The instance runs one loop per core; while the loops' group settles (a loop's partitions are listed after its first
        // batch on them), a report can list only some of them. Wait for the one that lists all partitions with the watermark.
        var partitionCount = Topics.All.Single(t => t.Name == Topics.Trades).Partitions;
        var report = harness.Kafka.ReadAll(Topics.Status, 1, ContractSerializers.StatusDeserializer, TimeSpan.FromSeconds(60), settle: TimeSpan.Zero,
            where: r => r.Service == StatusServices.Aggregate && r.Partitions.Count == partitionCount && r.Partitions.Any(p => p.Watermark == expected))
            .Select(r => r.Value).FirstOrDefault();

        Assert.NotNull(report);
        output.WriteLine($"{report}: {string.Join(", ", report.Partitions)}");
        Assert.Equal(StatusStates.Running, report.State);
        Assert.Null(report.Reason);
        Assert.EndsWith(":aggregate-status", report.Instance, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(0, partitionCount), report.Partitions.Select(p => p.Partition));
        Assert.Equal(expected, report.Watermark);
        var lag = (long)(report.PublishedAt - expected).TotalMilliseconds / 1000m;
        Assert.Equal(lag, report.WatermarkLagSeconds);
        var owner = Assert.Single(report.Partitions, p => p.Watermark is not null);
        Assert.Equal(lag, owner.LagSeconds);
    }
}
