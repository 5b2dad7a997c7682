using System.Text;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Footprint;

namespace BitcoinVolume.Sink.Tests;

/// <summary>What the footprint consumer stores and what it counts and skips (with the reason it logs once).</summary>
public class FootprintRecordDecoderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 8, 9, 21, 4, 0, TimeSpan.Zero);

    [Fact]
    public void A_value_of_the_contract_round_trips_with_exact_decimals()
    {
        var window = new FootprintWindow("kraken", "BTC-USD", T0, 10m, 2, [new(90_010m, 0.123456789012345678m, 1m, 1, 1)], 5, true);
        Assert.True(FootprintConsumer.TryDecode(ContractSerializers.FootprintSerializer.Serialize(window, default), WindowSpec.Default, out var decoded, out _, out _));
        Assert.Equal((window.Key, window.Tick, window.Version, window.Final), (decoded!.Key, decoded.Tick, decoded.Version, decoded.Final));
        Assert.Equal(window.Levels, decoded.Levels);
    }

    [Theory]
    [InlineData("{not json", "malformed_json")]
    [InlineData("""{"venue":"coinbase","product":"BTC-USD","windowStart":"2026-08-09T21:04:30Z","tick":10,"trades":1,"levels":[],"version":2,"final":false}""", "unaligned_window")]
    [InlineData("""{"venue":"Coin Base","product":"BTC-USD","windowStart":"2026-08-09T21:04:00Z","tick":10,"trades":1,"levels":[],"version":2,"final":false}""", "invalid_venue")]
    [InlineData("""{"venue":"coinbase","product":"","windowStart":"2026-08-09T21:04:00Z","tick":10,"trades":1,"levels":[],"version":2,"final":false}""", "missing_product")]
    [InlineData("""{"venue":"coinbase","product":"BTC-USD","windowStart":"2026-08-09T21:04:00Z","tick":0,"trades":1,"levels":[],"version":2,"final":false}""", "invalid_numbers")]
    [InlineData("""{"venue":"coinbase","product":"BTC-USD","windowStart":"2026-08-09T21:04:00Z","tick":10,"trades":1,"levels":null,"version":2,"final":false}""", "missing_levels")]
    public void Bad_values_are_refused_with_a_reason(string json, string reason)
    {
        Assert.False(FootprintConsumer.TryDecode(Encoding.UTF8.GetBytes(json), WindowSpec.Default, out var window, out var why, out var detail));
        Assert.Null(window);
        Assert.Equal(reason, why);
        Assert.NotEmpty(detail);
    }
}
