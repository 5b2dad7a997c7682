using BitcoinVolume.Contracts;
using CsCheck;

namespace BitcoinVolume.Aggregate.Tests;

/// <summary>The hand-written footprint writer produces exactly the generated serializer's bytes, and the generated deserializer reads them back to the same value.</summary>
public class FootprintWindowWriterTests
{
    private static readonly Gen<decimal> Decimals = Gen.Long[0, long.MaxValue].Select(Gen.Byte[0, 18], (m, scale) => new decimal(m) / (decimal)Math.Pow(10, scale));

    private static readonly Gen<FootprintLevel> Levels = Gen.Select(Decimals, Decimals, Decimals, Gen.Long[0, long.MaxValue / 4], Gen.Long[0, long.MaxValue / 4])
        .Select((price, buy, sell, buyTrades, sellTrades) => new FootprintLevel(price, buy, sell, buyTrades, sellTrades));

    [Fact]
    public void Writes_the_same_json_as_the_generated_serializer() =>
        Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 1, 20], Gen.Long[0, 100_000_000], Decimals, Gen.Long[0, long.MaxValue / 4], Levels.Array[0, 12], Gen.Bool)
            .Sample((product, minute, tick, trades, levels, final) =>
            {
                var window = new FootprintWindow(
                    Venues.All[(int)(minute % Venues.All.Count)].Id, product + "-USD\"é", new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(minute),
                    tick, trades, levels, FootprintWindow.VersionOf(trades, final), final);
                var expected = ContractSerializers.ReferenceFootprintSerializer.Serialize(window, default);

                var actual = ContractSerializers.FootprintSerializer.Serialize(window, default);

                Assert.Equal(System.Text.Encoding.UTF8.GetString(expected), System.Text.Encoding.UTF8.GetString(actual));
                var read = ContractSerializers.FootprintDeserializer.Deserialize(actual, false, default);
                var none = Array.Empty<FootprintLevel>();
                Assert.Equal(window with { Levels = none }, read with { Levels = none });
                Assert.Equal(window.Levels, read.Levels);
            }, iter: 2000);

    [Fact]
    public void A_window_without_levels_is_written_with_an_empty_array()
    {
        var window = new FootprintWindow("coinbase", "BTC-USD", new DateTimeOffset(2026, 3, 1, 0, 1, 0, TimeSpan.Zero), 10m, 0, [], 1, true);

        var json = System.Text.Encoding.UTF8.GetString(ContractSerializers.FootprintSerializer.Serialize(window, default));

        Assert.Equal("""{"venue":"coinbase","product":"BTC-USD","windowStart":"2026-03-01T00:01:00+00:00","tick":10,"trades":0,"levels":[],"version":1,"final":true}""", json);
    }
}
