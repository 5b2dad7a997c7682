using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace BitcoinVolume.Aggregate.State;

/// <summary>
/// One partition's state as a checkpoint: <see cref="Partition"/>, the <see cref="NextOffset"/> of <c>trades</c> the
/// state is paired with (from the same atomic commit), the <see cref="Log"/> that offset belongs to, when it was
/// <see cref="Created"/>, and every state record (keys without the partition prefix, as
/// <see cref="PartitionStateStore.Export"/> gives them).
/// <para>File format (version 1): <c>BVCKPT01</c>, partition (int32), next offset (int64), created (UTC ticks, int64),
/// log identity (int32 length + bytes, length 0: not recorded), record count (int64), then per record key length (int32),
/// key, value length (int32), value; last the SHA-256 of everything before it. All integers big-endian. A file whose
/// hash does not match is refused (<see cref="InvalidDataException"/>), never half restored.</para>
/// </summary>
public sealed record PartitionCheckpoint(int Partition, long NextOffset, LogIdentity? Log, DateTimeOffset Created, IReadOnlyList<(byte[] Key, byte[] Value)> Records)
{
    private const string Extension = ".ckpt";
    private static readonly byte[] Magic = "BVCKPT01"u8.ToArray();

    /// <summary>The checkpoint of an exported partition, created at <paramref name="created"/>.</summary>
    public static PartitionCheckpoint Of(PartitionExport export, DateTimeOffset created)
    {
        ArgumentNullException.ThrowIfNull(export);
        return new PartitionCheckpoint(export.Partition, export.NextOffset, export.Log, created, export.Records);
    }

    /// <summary>The storage folder of a partition's checkpoints: <c>topic/partition</c>.</summary>
    public static string FolderOf(string topic, int partition) => string.Create(CultureInfo.InvariantCulture, $"{topic}/{partition}");

    /// <summary>
    /// The storage name of this checkpoint: <c>topic/partition/created ticks-next offset.ckpt</c>, both zero-padded, so
    /// names sort by creation time (not by offset: a new development broker log starts again at 0).
    /// </summary>
    public string NameIn(string topic) =>
        string.Create(CultureInfo.InvariantCulture, $"{FolderOf(topic, Partition)}/{Created.UtcTicks:D19}-{NextOffset:D19}{Extension}");

    /// <summary>The checkpoint names among <paramref name="names"/>, newest first.</summary>
    public static List<string> NewestFirst(IEnumerable<string> names) =>
        names.Where(n => n.EndsWith(Extension, StringComparison.Ordinal)).OrderDescending(StringComparer.Ordinal).ToList();

    /// <summary>The creation time in a checkpoint name (<see cref="NameIn"/>), or null when the name is not one.</summary>
    public static DateTimeOffset? CreatedOf(string name)
    {
        var file = name[(name.LastIndexOf('/') + 1)..];
        return file.Length > 19 && long.TryParse(file.AsSpan(0, 19), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && ticks <= DateTimeOffset.MaxValue.UtcTicks
            ? new DateTimeOffset(ticks, TimeSpan.Zero)
            : null;
    }

    /// <summary>Writes this checkpoint to <paramref name="stream"/>.</summary>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var body = new MemoryStream();
        body.Write(Magic);
        WriteInt32(body, Partition);
        WriteInt64(body, NextOffset);
        WriteInt64(body, Created.UtcTicks);
        WriteBlock(body, Log?.ToBytes() ?? []);
        WriteInt64(body, Records.Count);
        foreach (var (key, value) in Records)
        {
            WriteBlock(body, key);
            WriteBlock(body, value);
        }

        var content = body.GetBuffer().AsSpan(0, (int)body.Length);
        stream.Write(content);
        stream.Write(SHA256.HashData(content));
    }

    /// <summary>Reads and verifies a checkpoint; throws <see cref="InvalidDataException"/> when it is not a whole, intact one.</summary>
    public static PartitionCheckpoint ReadFrom(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var all = new MemoryStream();
        stream.CopyTo(all);
        var bytes = all.GetBuffer().AsSpan(0, (int)all.Length);
        if (bytes.Length < Magic.Length + SHA256.HashSizeInBytes || !bytes.StartsWith(Magic))
        {
            throw new InvalidDataException("not a partition checkpoint (version 1)");
        }

        var content = bytes[..^SHA256.HashSizeInBytes];
        if (!SHA256.HashData(content).AsSpan().SequenceEqual(bytes[^SHA256.HashSizeInBytes..]))
        {
            throw new InvalidDataException("its SHA-256 does not match its content (truncated or damaged)");
        }

        var reader = new Reader(content.ToArray(), Magic.Length);
        var partition = reader.Int32();
        var nextOffset = reader.Int64();
        var created = new DateTimeOffset(reader.Int64(), TimeSpan.Zero);
        var log = reader.Block() is { Length: > 0 } identity ? LogIdentity.FromBytes(identity) : null;
        var count = reader.Int64();
        var records = new List<(byte[], byte[])>();
        for (var i = 0L; i < count; i++)
        {
            records.Add((reader.Block(), reader.Block()));
        }

        return new PartitionCheckpoint(partition, nextOffset, log, created, records);
    }

    private static void WriteInt32(Stream stream, int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        stream.Write(bytes);
    }

    private static void WriteInt64(Stream stream, long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        stream.Write(bytes);
    }

    private static void WriteBlock(Stream stream, byte[] block)
    {
        WriteInt32(stream, block.Length);
        stream.Write(block);
    }

    /// <summary>Reads the integers and blocks of a verified checkpoint body.</summary>
    private sealed class Reader(byte[] content, int at)
    {
        public int Int32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

        public long Int64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

        public byte[] Block() => Take(Int32()).ToArray();

        private ReadOnlySpan<byte> Take(int length)
        {
            if (length < 0 || at + length > content.Length)
            {
                throw new InvalidDataException("its content ends in the middle of a record");
            }

            at += length;
            return content.AsSpan(at - length, length);
        }
    }
}
