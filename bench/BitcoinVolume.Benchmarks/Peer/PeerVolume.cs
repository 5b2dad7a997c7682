using BitcoinVolume.Contracts;
using Confluent.Kafka;
using Streamiz.Kafka.Net.SerDes;

namespace BitcoinVolume.Benchmarks.Peer;

/// <summary>
/// One taker side of one product-window, as our aggregator computes it: trade count, base volume (Σ size), quote volume
/// (Σ price·size) and open/high/low/close. Open is the earliest trade by event time and close the latest (ties: first
/// arrival opens, last arrival closes), so the event ticks of both are kept.
/// </summary>
public readonly record struct SideVolume(
    long Trades, decimal Base, decimal Quote, decimal Open, decimal High, decimal Low, decimal Close, long OpenTicks, long CloseTicks)
{
    /// <summary>This side with <paramref name="trade"/> added.</summary>
    public SideVolume Add(Trade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        var price = trade.Price;
        var ticks = trade.Time.UtcTicks;
        if (Trades == 0)
        {
            return new(1, trade.Size, price * trade.Size, price, price, price, price, ticks, ticks);
        }

        var opens = ticks < OpenTicks;
        var closes = ticks >= CloseTicks;
        return new(
            Trades + 1,
            Base + trade.Size,
            Quote + (price * trade.Size),
            opens ? price : Open,
            Math.Max(High, price),
            Math.Min(Low, price),
            closes ? price : Close,
            opens ? ticks : OpenTicks,
            closes ? ticks : CloseTicks);
    }
}

/// <summary>
/// The peer's aggregate: ONE value per product-window holding both taker sides, so Streamiz does one state-store read
/// and write per trade (as our aggregator touches one window entry per trade).
/// </summary>
public sealed record PeerVolume(SideVolume Buy, SideVolume Sell)
{
    /// <summary>The empty aggregate (Streamiz's initializer).</summary>
    public static PeerVolume Empty { get; } = new(default(SideVolume), default(SideVolume));

    /// <summary>This aggregate with <paramref name="trade"/> added to its taker side.</summary>
    public PeerVolume Add(Trade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        return trade.Side == TakerSide.Buy ? this with { Buy = Buy.Add(trade) } : this with { Sell = Sell.Add(trade) };
    }
}

/// <summary>
/// Compact, deterministic binary serde for <see cref="PeerVolume"/> (state store, changelog and output topic): varint
/// counts and ticks, decimals as sign/scale byte plus varint mantissa, so values stay exact and small — the development
/// broker keeps only ~5 MiB per partition, and every trade writes one value to the changelog and one to the output.
/// </summary>
public sealed class PeerVolumeSerDes : AbstractSerDes<PeerVolume>
{
    /// <inheritdoc />
    public override byte[] Serialize(PeerVolume data, SerializationContext context)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var buffer = new MemoryStream(128);
        using (var writer = new BinaryWriter(buffer))
        {
            Write(writer, data.Buy);
            Write(writer, data.Sell);
        }

        return buffer.ToArray();
    }

    /// <inheritdoc />
    public override PeerVolume Deserialize(byte[] data, SerializationContext context)
    {
        if (data is null)
        {
            return null!; // a tombstone: Streamiz passes null through
        }

        using var reader = new BinaryReader(new MemoryStream(data));
        return new PeerVolume(Read(reader), Read(reader));
    }

    private static void Write(BinaryWriter writer, SideVolume side)
    {
        writer.Write7BitEncodedInt64(side.Trades);
        if (side.Trades == 0)
        {
            return;
        }

        WriteDecimal(writer, side.Base);
        WriteDecimal(writer, side.Quote);
        WriteDecimal(writer, side.Open);
        WriteDecimal(writer, side.High);
        WriteDecimal(writer, side.Low);
        WriteDecimal(writer, side.Close);
        writer.Write7BitEncodedInt64(side.OpenTicks);
        writer.Write7BitEncodedInt64(side.CloseTicks);
    }

    private static SideVolume Read(BinaryReader reader)
    {
        var trades = reader.Read7BitEncodedInt64();
        return trades == 0
            ? default
            : new SideVolume(trades, ReadDecimal(reader), ReadDecimal(reader), ReadDecimal(reader), ReadDecimal(reader),
                ReadDecimal(reader), ReadDecimal(reader), reader.Read7BitEncodedInt64(), reader.Read7BitEncodedInt64());
    }

    private static void WriteDecimal(BinaryWriter writer, decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var scale = (byte)((bits[3] >> 16) & 0x1F);
        writer.Write((byte)(bits[3] < 0 ? scale | 0x80 : scale));
        writer.Write7BitEncodedInt64((long)(((ulong)(uint)bits[1] << 32) | (uint)bits[0]));
        writer.Write7BitEncodedInt(bits[2]);
    }

    private static decimal ReadDecimal(BinaryReader reader)
    {
        var signAndScale = reader.ReadByte();
        var low = (ulong)reader.Read7BitEncodedInt64();
        var high = reader.Read7BitEncodedInt();
        return new decimal((int)(uint)low, (int)(uint)(low >> 32), high, (signAndScale & 0x80) != 0, (byte)(signAndScale & 0x1F));
    }
}
