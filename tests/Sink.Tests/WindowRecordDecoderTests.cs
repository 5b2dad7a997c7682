using System.Text;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Consumer;
using Confluent.Kafka;
using static BitcoinVolume.Sink.Tests.TestData;

namespace BitcoinVolume.Sink.Tests;

public sealed class WindowRecordDecoderTests
{
    [Fact]
    public void Decodes_a_value_written_by_the_contract_serializer()
    {
        var window = Window(baseVolume: 0.00000001m, quoteVolume: 123456789.123456789012m);
        var bytes = ContractSerializers.WindowSerializer.Serialize(window, new SerializationContext(MessageComponentType.Value, Topics.Volumes1m));

        Assert.True(WindowRecordDecoder.TryDecode(bytes, Topics.Volumes1m, WindowSpec.Default, out var decoded, out _, out _));
        Assert.Equal(window, decoded);
    }

    [Theory]
    [InlineData(null, "tombstone")]
    [InlineData("", "malformed_json")]
    [InlineData("{not json", "malformed_json")]
    [InlineData("null", "empty_value")]
    [InlineData("""{"product":"BTC-USD","side":"sideways","windowStart":"2026-08-09T21:04:00Z"}""", "malformed_json")]
    [InlineData("""{"side":"buy","windowStart":"2026-08-09T21:04:00Z","trades":1,"version":1}""", "missing_product")]
    [InlineData("""{"product":"BTC-USD","side":7,"windowStart":"2026-08-09T21:04:00Z","trades":1,"version":1}""", "invalid_side")]
    [InlineData("""{"product":"BTC-USD","side":"buy","windowStart":"2026-08-09T21:04:30Z","trades":1,"version":1}""", "unaligned_window")]
    [InlineData("""{"product":"BTC-USD","side":"buy","windowStart":"2026-08-09T21:04:00Z","trades":-1,"version":1}""", "negative_count")]
    [InlineData("""{"venue":"Bybit","product":"BTC-USD","side":"buy","windowStart":"2026-08-09T21:04:00Z","trades":1,"version":1}""", "invalid_venue")]
    [InlineData("""{"venue":"by bit","product":"BTC-USD","side":"buy","windowStart":"2026-08-09T21:04:00Z","trades":1,"version":1}""", "invalid_venue")]
    [InlineData("""{"venue":"","product":"BTC-USD","side":"buy","windowStart":"2026-08-09T21:04:00Z","trades":1,"version":1}""", "invalid_venue")]
    [InlineData("""{"venue":"spot","product":"BTC-USD","side":"buy","windowStart":"2026-08-09T21:04:00Z","trades":1,"version":1}""", "invalid_venue")]
    public void Rejects_with_a_reason(string? json, string reason)
    {
        var bytes = json is null ? null : Encoding.UTF8.GetBytes(json);

        Assert.False(WindowRecordDecoder.TryDecode(bytes, Topics.Volumes1m, WindowSpec.Default, out var window, out var actual, out var detail));
        Assert.Null(window);
        Assert.Equal(reason, actual);
        Assert.NotEmpty(detail);
    }

    [Theory]
    [InlineData("""{"product":"BTC-USD","side":"buy","windowStart":"2026-08-09T21:04:00Z","trades":1,"version":1}""", "coinbase")]
    [InlineData("""{"venue":"bybit-linear","product":"BTC-USDT","side":"buy","windowStart":"2026-08-09T21:04:00Z","trades":1,"version":1}""", "bybit-linear")]
    [InlineData("""{"venue":null,"product":"BTC-USD","side":"buy","windowStart":"2026-08-09T21:04:00Z","trades":1,"version":1}""", "coinbase")]
    [InlineData("""{"venue":"okx-swap","product":"BTC-USDT","side":"buy","windowStart":"2026-08-09T21:04:00Z","trades":1,"version":1}""", "okx-swap")]
    public void Accepts_known_unknown_and_missing_venues(string json, string venue)
    {
        Assert.True(WindowRecordDecoder.TryDecode(Encoding.UTF8.GetBytes(json), Topics.Volumes1m, WindowSpec.Default, out var window, out var reason, out _), reason);
        Assert.Equal(venue, window!.Venue);
    }
}
