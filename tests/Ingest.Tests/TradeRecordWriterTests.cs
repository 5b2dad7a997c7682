using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Sources;
using BitcoinVolume.Ingest.Venues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BitcoinVolume.Ingest.Tests;

/// <summary>
/// The hand-written trade record writer (ingest's hot path) against the contract's source-generated serializer, byte for
/// byte: every trade of every recording in tests/data through its venue's real parser, and trades with the fields the
/// recordings do not exercise (text ids, extreme decimals, offsets, characters JSON escapes).
/// </summary>
public sealed class TradeRecordWriterTests : IDisposable
{
    private readonly ServiceProvider services = new ServiceCollection()
        .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
        .AddIngestVenues()
        .BuildServiceProvider();

    public void Dispose() => services.Dispose();

    public static TheoryData<string> Recordings() =>
    [
        "coinbase-exchange-matches-2021-04-17.ndjson",
        "cryptofeed/BINANCE.jsonl", "cryptofeed/BINANCE_US.jsonl", "cryptofeed/BITSTAMP.jsonl", "cryptofeed/GEMINI.jsonl",
        "cryptofeed/KRAKEN.jsonl", "cryptofeed/OKX.jsonl", "bybit/BYBIT.handmade.jsonl",
    ];

    [Theory]
    [MemberData(nameof(Recordings))]
    public async Task Every_recorded_trade_is_written_exactly_as_the_generated_serializer_writes_it(string recording)
    {
        var registry = services.GetRequiredService<VenueRegistry>();
        var source = new CryptofeedRecordingSource(Path.Combine(AppContext.BaseDirectory, "data", recording), registry.Venues);
        var frames = await source.ReadFramesAsync(CancellationToken.None).ToListAsync();
        var parsers = new Dictionary<string, IFrameParser>(StringComparer.Ordinal);
        var trades = new List<Trade>();
        foreach (var frame in frames)
        {
            var venueId = frame.Venue ?? VenueRegistry.RecordedFramesVenue;
            if (!parsers.TryGetValue(venueId, out var parser))
            {
                var venue = registry.Get(venueId);
                var symbols = new SymbolMap(venue);
                symbols.AddRange(source.Instruments.GetValueOrDefault(venueId, []));
                parsers[venueId] = parser = venue.CreateParser(new(), TimeProvider.System, symbols);
            }

            parser.Parse(frame.Data.Span, trades);
        }

        Assert.True(trades.Count > 0, $"{recording}: no trades parsed");
        foreach (var trade in trades)
        {
            AssertSameBytes(trade);
        }
    }

    [Fact]
    public void Fields_the_recordings_do_not_exercise_are_written_as_the_generated_serializer_writes_them()
    {
        var time = new DateTimeOffset(2026, 12, 2, 18, 30, 15, TimeSpan.Zero).AddTicks(1234567);
        Trade[] trades =
        [
            new("BTC-USD", long.MaxValue, time, 79228162514264337593543950335m, 0.0000000000000000000000000001m, TakerSide.Buy),
            new("ETH-USDT", 0, time.ToOffset(TimeSpan.FromHours(5.5)), 1.50m, 2.000m, TakerSide.Sell) { Venue = Contracts.Venues.Bybit, TextId = "20f43950-d8dd-5b31-9112-a178eb6023af" },
            new("<A&B>-\"Q\"", 7, DateTimeOffset.UnixEpoch, -0m, 1e-8m, TakerSide.Sell) { Venue = "v\u00e9nue\u2028", TextId = "\\\u0001'+" },
            new("BTC-EUR", 1, DateTimeOffset.MaxValue, 64000.123456789012345678m, 123456789.1m, TakerSide.Buy) { Venue = Contracts.Venues.Kraken },
        ];

        foreach (var trade in trades)
        {
            AssertSameBytes(trade);
        }

        // The thread buffer is reused: a longer record after a shorter one (and back) still gives exact bytes.
        AssertSameBytes(trades[2]);
        AssertSameBytes(trades[0]);
    }

    private static void AssertSameBytes(Trade trade)
    {
        var expected = ContractSerializers.TradeSerializer.Serialize(trade, default);
        Assert.Equal(expected, TradeRecordWriter.WriteToThreadBuffer(trade).ToArray());
        Assert.Equal(expected, ContractSerializers.TradeWriter.Serialize(trade, default));
        Assert.Equal(trade, ContractSerializers.ReferenceTradeDeserializer.Deserialize(expected, false, default));
        if (trade.Price > 0 && trade.Size > 0)
        {
            // The hand-written reader (the aggregator's) reads back what the generated deserializer reads, digit for digit.
            var read = ContractSerializers.TradeDeserializer.Deserialize(expected, false, default);
            Assert.Equal(trade, read);
            Assert.Equal(ContractSerializers.TradeSerializer.Serialize(read, default), expected);
        }
        else
        {
            // The generated deserializer took a price or size that is not positive; the reader rejects it (dead-lettered).
            Assert.Throws<InvalidDataException>(() => ContractSerializers.TradeDeserializer.Deserialize(expected, false, default));
        }
    }
}
