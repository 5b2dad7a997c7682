using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Aggregate.State;

/// <summary>
/// The binary layout of footprint state records (<see cref="PartitionStateStore"/>, kinds <c>f</c> and <c>t</c>). Key of a
/// window: stream (<see cref="StreamKey"/>) + 0 + start ticks (8, big-endian). Value: final (1), trades (8), tick (16),
/// level count (4), then per level price, buy base, sell base (16 each, <see cref="decimal.GetBits(decimal)"/>), buy trades,
/// sell trades (8 each).
/// </summary>
internal static class FootprintRecords
{
    private const int HeaderSize = 1 + 8 + 16 + 4;
    private const int LevelSize = (16 * 3) + (8 * 2);

    public static byte[] WindowKey(FootprintWindow window)
    {
        var stream = Encoding.UTF8.GetBytes(StreamKey.Of(window.Venue, window.Product));
        var rest = new byte[stream.Length + 1 + 8];
        stream.CopyTo(rest, 0);
        BinaryPrimitives.WriteInt64BigEndian(rest.AsSpan(stream.Length + 1), window.WindowStart.UtcTicks);
        return rest;
    }

    public static byte[] WriteWindow(FootprintWindow window)
    {
        var value = new byte[HeaderSize + (LevelSize * window.Levels.Count)];
        var span = value.AsSpan();
        span[0] = window.Final ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt64BigEndian(span[1..], window.Trades);
        WriteDecimal(span[9..], window.Tick);
        BinaryPrimitives.WriteInt32BigEndian(span[25..], window.Levels.Count);
        var at = HeaderSize;
        foreach (var level in window.Levels)
        {
            WriteDecimal(span[at..], level.Price);
            WriteDecimal(span[(at + 16)..], level.BuyBase);
            WriteDecimal(span[(at + 32)..], level.SellBase);
            BinaryPrimitives.WriteInt64BigEndian(span[(at + 48)..], level.BuyTrades);
            BinaryPrimitives.WriteInt64BigEndian(span[(at + 56)..], level.SellTrades);
            at += LevelSize;
        }

        return value;
    }

    public static FootprintWindow ReadWindow(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var zero = key.IndexOf((byte)0);
        if (zero < 0 || key.Length != zero + 9 || value.Length < HeaderSize)
        {
            throw new InvalidDataException("a footprint record of the aggregator state is cut short");
        }

        var (venue, product) = StreamKey.Parse(Encoding.UTF8.GetString(key[..zero]));
        var start = new DateTimeOffset(BinaryPrimitives.ReadInt64BigEndian(key[(zero + 1)..]), TimeSpan.Zero);
        var final = value[0] == 1;
        var trades = BinaryPrimitives.ReadInt64BigEndian(value[1..]);
        var tick = ReadDecimal(value[9..]);
        var count = BinaryPrimitives.ReadInt32BigEndian(value[25..]);
        if (count < 0 || value.Length != HeaderSize + (LevelSize * count))
        {
            throw new InvalidDataException($"the footprint record of {product} at {start:O} has {value.Length} bytes for {count} levels");
        }

        var levels = new FootprintLevel[count];
        for (var i = 0; i < count; i++)
        {
            var level = value[(HeaderSize + (LevelSize * i))..];
            levels[i] = new FootprintLevel(
                ReadDecimal(level), ReadDecimal(level[16..]), ReadDecimal(level[32..]),
                BinaryPrimitives.ReadInt64BigEndian(level[48..]), BinaryPrimitives.ReadInt64BigEndian(level[56..]));
        }

        return new FootprintWindow(venue, product, start, tick, trades, levels, FootprintWindow.VersionOf(trades, final), final);
    }

    public static byte[] WriteDecimal(decimal value)
    {
        var bytes = new byte[16];
        WriteDecimal(bytes, value);
        return bytes;
    }

    public static decimal ReadDecimal(ReadOnlySpan<byte> value) => new(MemoryMarshal.Cast<byte, int>(value[..16]));

    private static void WriteDecimal(Span<byte> target, decimal value) => decimal.GetBits(value, MemoryMarshal.Cast<byte, int>(target[..16]));
}
