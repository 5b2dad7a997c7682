using System.Text;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Venues.Coinbase;

namespace BitcoinVolume.Ingest.Tests;

/// <summary>Thousands of randomly mutated real frames: the parser classifies each and never throws.</summary>
public class FuzzTests
{
    private static readonly byte[][] Seeds = LoadSeeds();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Mutated_real_frames_never_throw_and_yield_only_valid_trades(int seed)
    {
        var random = new Random(seed);
        var parser = new CoinbaseFrameParser();
        var trades = new List<Trade>();
        var outcomes = new Dictionary<FrameKind, int>();
        for (var i = 0; i < 5000; i++)
        {
            var frame = Mutate(Seeds[random.Next(Seeds.Length)], random);
            trades.Clear();

            var result = parser.Parse(frame, trades);

            outcomes[result.Kind] = outcomes.GetValueOrDefault(result.Kind) + 1;
            Assert.Equal(result.Trades, trades.Count);
            if (result.Kind == FrameKind.Invalid)
            {
                Assert.False(string.IsNullOrEmpty(result.Reason));
            }

            Assert.All(trades, t =>
            {
                Assert.True(t.Size > 0);
                Assert.True(t.Price > 0);
                Assert.True(t.TradeId >= 0);
                Assert.NotEmpty(t.Product);
            });
        }

        // The mutations must exercise both paths, or the test proves little.
        Assert.True(outcomes.GetValueOrDefault(FrameKind.Invalid) > 500, $"invalid: {outcomes.GetValueOrDefault(FrameKind.Invalid)}");
        Assert.True(outcomes.GetValueOrDefault(FrameKind.Trades) > 500, $"trades: {outcomes.GetValueOrDefault(FrameKind.Trades)}");
    }

    private static byte[][] LoadSeeds()
    {
        var exchange = File.ReadLines(TestData.RecordedExchangeFile)
            .Where(l => l.Contains("\"match\"", StringComparison.Ordinal) || l.Contains("last_match", StringComparison.Ordinal) || l.Contains("ticker", StringComparison.Ordinal))
            .Select(Encoding.UTF8.GetBytes);
        var advanced = new[]
        {
            """{"channel":"market_trades","client_id":"","timestamp":"2023-02-09T20:19:35.39625135Z","sequence_num":0,"events":[{"type":"snapshot","trades":[{"trade_id":"1","product_id":"ETH-USD","price":"1260.01","size":"0.3","side":"BUY","time":"2019-08-14T20:42:27.265Z"},{"trade_id":"2","product_id":"ETH-USD","price":"1260.02","size":"0.1","side":"SELL","time":"2019-08-14T20:42:27.265Z"}]}]}""",
        }.Select(Encoding.UTF8.GetBytes);
        return [.. exchange, .. advanced];
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = new List<byte>(seed);
        var mutations = random.Next(0, 4);
        for (var m = 0; m < mutations && bytes.Count > 0; m++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes.RemoveAt(at);
                    break;
                case 2:
                    bytes.Insert(at, (byte)"{}[]\",:-0.e\\"[random.Next(12)]);
                    break;
                case 3:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, random.Next(1, 20)));
                    break;
                default:
                    var from = random.Next(bytes.Count);
                    bytes.InsertRange(at, bytes.GetRange(from, Math.Min(10, bytes.Count - from)));
                    break;
            }
        }

        return [.. bytes];
    }
}
