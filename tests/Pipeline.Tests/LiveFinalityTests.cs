using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;

namespace BitcoinVolume.Pipeline.Tests;

/// <summary>In live mode a window becomes final within grace + a few seconds even when trading stops.</summary>
public class LiveFinalityTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task A_live_window_is_final_within_grace_and_a_few_seconds_after_trading_stops()
    {
        await using var harness = new PipelineHarness(output);
        var aggregator = harness.Aggregator("aggregate");
        aggregator.Start();
        await aggregator.WaitForOutputAsync("Assigned partition", TimeSpan.FromSeconds(60));

        // A few trades in the minute before now, then silence. Their window has ended by the wall clock; only the
        // wall-clock watermark of an idle live partition can close it (no later trade will).
        var now = DateTimeOffset.UtcNow;
        if (now.Second < 6)
        {
            await Task.Delay(TimeSpan.FromSeconds(6 - now.Second));
            now = DateTimeOffset.UtcNow;
        }

        var spec = WindowSpec.Default;
        var previous = spec.StartOf(now) - spec.Length;
        var trades = Enumerable.Range(1, 5).Select(i => new Trade("LIVE-USD", i, previous.AddSeconds(50 + i), 100m + i, 0.5m, TakerSide.Buy)).ToList();
        await harness.ProduceAsync(trades, TimeSpan.Zero, CancellationToken.None);
        var produced = DateTimeOffset.UtcNow;

        var final = harness.Kafka.ReadAll(Topics.Volumes1m, 1, ContractSerializers.WindowDeserializer, TimeSpan.FromSeconds(20), settle: TimeSpan.Zero,
            where: w => w is { Final: true, Product: "LIVE-USD" }).Select(r => r.Value).FirstOrDefault();

        Assert.NotNull(final);
        var after = DateTimeOffset.UtcNow - produced;
        output.WriteLine($"final after {after.TotalSeconds:F1} s: {final}");
        Assert.Equal((5L, 2.5m), (final.Trades, final.BaseVolume));
        Assert.True(after < TimeSpan.FromSeconds(5 + 5), $"final only after {after}");
    }
}
