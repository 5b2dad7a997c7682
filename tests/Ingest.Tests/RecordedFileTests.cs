using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Sources;
using BitcoinVolume.Ingest.Venues.Coinbase;

namespace BitcoinVolume.Ingest.Tests;

/// <summary>The parser over frames recorded live from Coinbase (tests/data).</summary>
public class RecordedFileTests
{
    [Fact]
    public async Task Every_frame_of_the_recording_parses_and_only_matches_become_trades()
    {
        var parser = new CoinbaseFrameParser();
        var trades = new List<Trade>();
        var kinds = new Dictionary<FrameKind, int>();
        var frames = 0;
        await foreach (var frame in new ReplayFileSource(TestData.RecordedExchangeFile).ReadFramesAsync(CancellationToken.None))
        {
            var result = parser.Parse(frame.Data.Span, trades);
            kinds[result.Kind] = kinds.GetValueOrDefault(result.Kind) + 1;
            frames++;
        }

        // README of the recording: 97 match + 10 last_match, 107 ticker, 9,719 l2update, 10 snapshot, 3 subscriptions.
        Assert.Equal(9946, frames);
        Assert.Equal(107, kinds[FrameKind.Trades]);
        Assert.Equal(9946 - 107, kinds[FrameKind.Ignored]);
        Assert.False(kinds.ContainsKey(FrameKind.Invalid));
        Assert.Equal(107, trades.Count);
        Assert.Equal(107, trades.Select(t => (t.Product, t.TradeId)).Distinct().Count());
    }

    [Fact]
    public void Taker_side_of_every_trade_equals_the_tickers_side_for_the_same_trade()
    {
        // Coinbase's ticker channel reports the TAKER's side; its match channel reports the MAKER's.
        var parser = new CoinbaseFrameParser();
        var trades = new List<Trade>();
        var tickerSides = new Dictionary<(string, long), TakerSide>();
        foreach (var line in File.ReadLines(TestData.RecordedExchangeFile))
        {
            parser.Parse(line, trades);
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            if (root.GetProperty("type").GetString() == "ticker")
            {
                var side = root.GetProperty("side").GetString() == "buy" ? TakerSide.Buy : TakerSide.Sell;
                tickerSides.Add((root.GetProperty("product_id").GetString()!, root.GetProperty("trade_id").GetInt64()), side);
            }
        }

        Assert.Equal(107, tickerSides.Count);
        var byId = trades.ToDictionary(t => (t.Product, t.TradeId));
        foreach (var (id, takerSide) in tickerSides)
        {
            Assert.Equal(takerSide, byId[id].Side);
        }

        // And both sides occur, so the check is not vacuous.
        Assert.Contains(trades, t => t.Side == TakerSide.Buy);
        Assert.Contains(trades, t => t.Side == TakerSide.Sell);
    }
}
