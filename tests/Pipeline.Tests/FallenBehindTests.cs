using System.Net;
using BitcoinVolume.TestSupport;

namespace BitcoinVolume.Pipeline.Tests;

/// <summary>An aggregator whose stored state does not match the log it is given refuses to guess: loud, unhealthy, paused.</summary>
public class FallenBehindTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task State_that_is_ahead_of_the_log_blocks_the_partition_and_turns_health_unhealthy()
    {
        var (arrival, _) = TradeStream.Generate(3_000, 4, TimeSpan.FromMinutes(10), seed: 3);

        // 1. Build state against one broker.
        var state = await PipelineHarness.BuildStateAsync(output, arrival);

        // 2. A new, empty broker (e.g. the development broker restarted, or a topic recreated): the stored offsets are
        //    beyond the end of its log. Resuming there would silently skip whatever the new log holds.
        await using var second = new PipelineHarness(output);
        var port = TestPorts.FreeTcpPort();
        var restarted = second.Aggregator("aggregate-again", port, state);
        restarted.Start();
        await restarted.WaitForOutputAsync("is NOT being aggregated", TimeSpan.FromSeconds(60));

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var health = await http.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Contains("beyond the end of the log", await File.ReadAllTextAsync(restarted.LogPath), StringComparison.Ordinal);
    }
}
