using BitcoinVolume.Contracts;
using CsCheck;

namespace BitcoinVolume.Aggregate.Tests;

/// <summary>The hand-written window writer produces exactly the generated serializer's bytes (size classes too), and reads back equal.</summary>
public class WindowVolumeWriterTests
{
    private static readonly Gen<decimal> Decimals = Gen.Long[1, long.MaxValue].Select(Gen.Byte[0, 18], (m, scale) => new decimal(m) / (decimal)Math.Pow(10, scale));

    [Fact]
    public void Writes_the_same_json_as_the_generated_serializer() =>
        Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 1, 20], Gen.Bool, Gen.Long[0, 100_000_000], Decimals, Decimals, Decimals, Gen.Long[1, long.MaxValue / 4], Gen.Bool)
            .Sample((product, buy, minute, size, quote, price, trades, final) =>
            {
                var window = new WindowVolume(product + "-USD\"é", buy ? TakerSide.Buy : TakerSide.Sell, new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(minute),
                    trades, size, quote, price, price + 1, price / 2, price, 7, 9, WindowVolume.VersionOf(trades, final), final)
                {
                    Venue = Venues.All[(int)(minute % Venues.All.Count)].Id,

                    // Size classes (issue 17) on some values: an open top class (max null) and exact decimals.
                    SizeClasses = minute % 3 == 0 ? null : [new SizeClassVolume(0m, price, trades / 2, size), new SizeClassVolume(price, null, trades - (trades / 2), quote)],
                };
                var expected = ContractSerializers.ReferenceWindowSerializer.Serialize(window, default);

                var actual = ContractSerializers.WindowSerializer.Serialize(window, default);

                Assert.Equal(System.Text.Encoding.UTF8.GetString(expected), System.Text.Encoding.UTF8.GetString(actual));
                Assert.Equal(window, ContractSerializers.WindowDeserializer.Deserialize(actual, false, default));
            }, iter: 2000);
}
