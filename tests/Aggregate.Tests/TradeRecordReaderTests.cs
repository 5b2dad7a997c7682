using System.Text;
using System.Text.Json;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Aggregate.Tests;

/// <summary>
/// The hand-written trade reader (the aggregator's input path, <see cref="ContractSerializers.TradeDeserializer"/>) against
/// the generated deserializer it replaced: the same trade from every layout a writer may produce, and a reason (an
/// exception the aggregator dead-letters) for every record it does not take. Every recorded trade is also read back by
/// both in Ingest.Tests' TradeRecordWriterTests.
/// </summary>
public class TradeRecordReaderTests
{
    private const string Valid = """{"product":"BTC-USD","tradeId":7,"time":"2026-01-01T00:00:01.5+00:00","price":64000.10,"size":0.00100000,"side":"sell","venue":"kraken","textId":null}""";

    public static TheoryData<string> SameAsGenerated() =>
    [
        Valid,
        """{"side":"sell","size":0.00100000,"price":64000.10,"time":"2026-01-01T00:00:01.5+00:00","tradeId":7,"product":"BTC-USD","venue":"kraken"}""",
        """ { "product" : "BTC-USD" ,"extra":{"a":[1,{"b":null}],"c":"}"}, "tradeId":7,"time":"2026-01-01T00:00:01.5+00:00","price":64000.10,"size":0.00100000,"side":"sell","venue":"kraken","n":[]} """,
        """{"product":"BTC-USD","tradeId":7,"time":"2026-01-01T00:00:01.5+00:00","price":1,"size":2,"side":"buy"}""",
        """{"product":"ETH-USDT","tradeId":-3,"time":"2026-01-01T05:30:00+05:30","price":1.5E3,"size":2e-8,"side":"buy","venue":"bybit-linear","textId":"6a1b2c3d-0000-4000-8000-000000000001"}""",
        """{"product":"\u0042TC-\"Q\"","tradeId":9223372036854775807,"time":"2026-01-01T00:00:00Z","price":79228162514264337593543950335,"size":0.0000000000000000000000000001,"side":"\u0062uy","venue":"v\u00e9nue"}""",
        """{"product":"BTC-USD","product":"ETH-USD","tradeId":1,"tradeId":2,"time":"2026-01-01T00:00:00Z","price":3,"size":4,"side":"sell","venue":null}""",
    ];

    [Theory]
    [MemberData(nameof(SameAsGenerated))]
    public void Reads_the_trade_the_generated_deserializer_reads(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);

        var expected = ContractSerializers.ReferenceTradeDeserializer.Deserialize(bytes, false, default);
        var actual = ContractSerializers.TradeDeserializer.Deserialize(bytes, false, default);

        Assert.Equal(expected, actual);
        Assert.Equal(ContractSerializers.TradeSerializer.Serialize(expected, default), ContractSerializers.TradeSerializer.Serialize(actual, default));
    }

    [Fact]
    public void A_record_without_a_venue_is_coinbase()
    {
        var trade = ContractSerializers.TradeDeserializer.Deserialize(Encoding.UTF8.GetBytes(Valid.Replace("\"venue\":\"kraken\",", string.Empty, StringComparison.Ordinal)), false, default);

        Assert.Equal(Venues.Coinbase, trade.Venue);
        Assert.Equal(new Trade("BTC-USD", 7, new DateTimeOffset(2026, 1, 1, 0, 0, 1, 500, TimeSpan.Zero), 64000.10m, 0.001m, TakerSide.Sell), trade);
    }

    public static TheoryData<string, string> Rejected() => new()
    {
        { "[]", "JSON object" },
        { "\"trade\"", "JSON object" },
        { "", "" },
        { "{", "" },
        { """{"product":"BTC-USD","tradeId":7""", "" },
        { Valid + "{}", "" },
        { Valid + " x", "" },
        { Valid.Replace("\"product\":\"BTC-USD\",", string.Empty, StringComparison.Ordinal), "product is missing" },
        { Valid.Replace("\"BTC-USD\"", "\"\"", StringComparison.Ordinal), "product is empty" },
        { Valid.Replace("\"BTC-USD\"", "42", StringComparison.Ordinal), "product is a JSON Number" },
        { Valid.Replace("\"tradeId\":7,", string.Empty, StringComparison.Ordinal), "tradeId is missing" },
        { Valid.Replace("\"tradeId\":7", "\"tradeId\":\"7\"", StringComparison.Ordinal), "tradeId is a JSON String" },
        { Valid.Replace("\"tradeId\":7", "\"tradeId\":7.5", StringComparison.Ordinal), "tradeId is not a 64-bit integer" },
        { Valid.Replace("\"tradeId\":7", "\"tradeId\":1e30", StringComparison.Ordinal), "tradeId is not a 64-bit integer" },
        { Valid.Replace("\"time\":\"2026-01-01T00:00:01.5+00:00\",", string.Empty, StringComparison.Ordinal), "time is missing" },
        { Valid.Replace("2026-01-01T00:00:01.5+00:00", "yesterday", StringComparison.Ordinal), "time is not an ISO 8601" },
        { Valid.Replace("\"price\":64000.10,", string.Empty, StringComparison.Ordinal), "price is missing" },
        { Valid.Replace("64000.10", "\"64000.10\"", StringComparison.Ordinal), "price is a JSON String" },
        { Valid.Replace("64000.10", "1e40", StringComparison.Ordinal), "price is not a decimal number in range" },
        { Valid.Replace("64000.10", "0", StringComparison.Ordinal), "price is 0, not positive" },
        { Valid.Replace("0.00100000", "-0.5", StringComparison.Ordinal), "size is -0.5, not positive" },
        { Valid.Replace("0.00100000", "null", StringComparison.Ordinal), "size is a JSON Null" },
        { Valid.Replace("\"side\":\"sell\",", string.Empty, StringComparison.Ordinal), "side is missing" },
        { Valid.Replace("\"sell\"", "\"hold\"", StringComparison.Ordinal), "side is \"hold\", not \"buy\" or \"sell\"" },
        { Valid.Replace("\"sell\"", "1", StringComparison.Ordinal), "side is a JSON Number" },
        { Valid.Replace("\"kraken\"", "[]", StringComparison.Ordinal), "venue is a JSON StartArray" },
    };

    [Theory]
    [MemberData(nameof(Rejected))]
    public void Rejects_a_record_it_cannot_take_with_a_reason_the_aggregator_dead_letters(string json, string reason)
    {
        var error = Assert.ThrowsAny<Exception>(() => ContractSerializers.TradeDeserializer.Deserialize(Encoding.UTF8.GetBytes(json), false, new Confluent.Kafka.SerializationContext(Confluent.Kafka.MessageComponentType.Value, Topics.Trades)));

        // The two kinds BatchProcessor dead-letters (anything else would stop the aggregator).
        Assert.True(error is JsonException or InvalidDataException, $"{error.GetType().Name}: {error.Message}");
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_string_that_is_not_utf8_is_rejected_and_strings_repeated_across_records_are_read_right()
    {
        var bytes = Encoding.UTF8.GetBytes(Valid);
        var at = Valid.IndexOf("kraken", StringComparison.Ordinal);
        bytes[at] = 0xC3;
        bytes[at + 1] = 0x28;

        var error = Assert.ThrowsAny<JsonException>(() => ContractSerializers.TradeDeserializer.Deserialize(bytes, false, default));
        Assert.Contains("unreadable", error.Message, StringComparison.Ordinal);

        // Many streams through the reader's string cache (colliding slots included): each record keeps its own ids.
        for (var i = 0; i < 5_000; i++)
        {
            var product = $"P{i % 1_500}-USD";
            var venue = $"v{i % 7}";
            var json = Valid.Replace("BTC-USD", product, StringComparison.Ordinal).Replace("kraken", venue, StringComparison.Ordinal);
            var trade = ContractSerializers.TradeDeserializer.Deserialize(Encoding.UTF8.GetBytes(json), false, default);
            Assert.Equal((product, venue), (trade.Product, trade.Venue));
        }
    }

    [Fact]
    public void A_null_record_is_rejected_with_its_topic()
    {
        var error = Assert.Throws<InvalidDataException>(() => ContractSerializers.TradeDeserializer.Deserialize(ReadOnlySpan<byte>.Empty, true, new Confluent.Kafka.SerializationContext(Confluent.Kafka.MessageComponentType.Value, Topics.Trades)));

        Assert.Contains(Topics.Trades, error.Message, StringComparison.Ordinal);
    }
}
