using System.Buffers.Binary;
using System.Text;
using BitcoinVolume.Aggregate.Windowing;
using BitcoinVolume.Contracts;
using RocksDbSharp;

namespace BitcoinVolume.Aggregate.State;

/// <summary>
/// A partition's state as loaded from disk: the restored aggregator, the next input offset to read, and the log that
/// offset belongs to (<see cref="Log"/>; null for state written before it was recorded).
/// </summary>
public sealed record LoadedPartition(VolumeAggregator Aggregator, long? NextOffset, int Windows, int Products)
{
    /// <summary>The log (topic, cluster, development broker incarnation) the state was built from; null when not recorded.</summary>
    public LogIdentity? Log { get; init; }

    /// <summary>The stored footprint windows (kind <c>f</c>) and stream ticks (kind <c>t</c>); empty when none were written.</summary>
    public StoredFootprint Footprint { get; init; } = new([], []);
}

/// <summary>What the state holds of the footprint (<see cref="FootprintAggregator"/>): retained windows and each stream's tick.</summary>
public sealed record StoredFootprint(IReadOnlyList<FootprintWindow> Windows, IReadOnlyList<KeyValuePair<string, decimal>> Ticks)
{
    /// <summary>A footprint aggregator restored from this state.</summary>
    public FootprintAggregator Restore(FootprintOptions options, WindowingOptions windowing)
    {
        var footprint = new FootprintAggregator(options, windowing);
        footprint.Restore(Windows, Ticks);
        return footprint;
    }
}

/// <summary>
/// One partition's stored state as one consistent commit: its <see cref="NextOffset"/>, the <see cref="Log"/> that offset
/// belongs to (null when not recorded) and every record (keys without the partition prefix).
/// </summary>
public sealed record PartitionExport(int Partition, long NextOffset, LogIdentity? Log, IReadOnlyList<(byte[] Key, byte[] Value)> Records);

/// <summary>
/// A partition's stored state was written with another base window than the configured one: it is not loaded (windows of
/// two lengths are never mixed). The message says what to do.
/// </summary>
public sealed class IncompatibleStateException : InvalidOperationException
{
    public IncompatibleStateException(string message)
        : base(message)
    {
    }

    public IncompatibleStateException(int partition, string path, WindowSpec written, WindowSpec configured)
        : base(
            $"The aggregator state of partition {partition} in {path} was written with {written} windows, but Aggregate:Window " +
            $"is {configured}: it is not loaded, because windows of two lengths must never be mixed. Run with " +
            $"Aggregate:Window={written}, or delete {path} to rebuild the state from the input with {configured} windows " +
            "(and give the sink an empty database: its rows are of the old length too).")
    {
        (Partition, Written, Configured) = (partition, written, configured);
    }

    public IncompatibleStateException()
    {
    }

    public IncompatibleStateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int Partition { get; }

    /// <summary>The base window the state was written with.</summary>
    public WindowSpec? Written { get; }

    /// <summary>The base window this instance runs with.</summary>
    public WindowSpec? Configured { get; }
}

/// <summary>
/// The aggregator's durable state in RocksDB, per input partition: retained windows, dedup id ranges, the event-time
/// clock, and the partition's next input offset — all written in ONE atomic write batch per processed batch of records,
/// so what is on disk is always a consistent (state, offset) pair.
/// <para>Key layout: <c>'p' partition(4, big-endian) kind(1) …</c> with kind <c>o</c> next offset, <c>c</c> clock,
/// <c>d</c>+stream dedup ranges, <c>w</c>+stream+0+side+start ticks window value (stream = <see cref="StreamKey"/>: the
/// bare product for Coinbase, so state written before venues existed reads as Coinbase's), <c>l</c> the base window length
/// (ticks, 8 bytes big-endian) the partition's state was written with, <c>i</c>+stream+0+id the ids of streams deduplicated
/// by horizon (venues without contiguous ids; value = event ticks), <c>g</c> the <see cref="LogIdentity"/> the next offset
/// belongs to (written with it in every commit; absent in state written before it was recorded), <c>x</c>+stream+0+gap id an
/// unresolved gap (<see cref="StreamGap"/>: from, to ticks, state, reason), <c>s</c>+stream+0+side+start ticks the size classes
/// of the window with the same key (<see cref="WindowVolume.SizeClasses"/>: class count (4 bytes big-endian), the boundaries
/// (16 bytes each, decimal bits), then per class trades (8) and base volume (16); absent for a window without classes, and in
/// state written before size classes existed), <c>f</c>+stream+0+start ticks a footprint window
/// (final, trades, tick, levels; <see cref="FootprintWindow"/>), <c>t</c>+stream the stream's footprint tick (16-byte decimal). A window value may end with its marks (8 bytes) and
/// its incomplete reason (1 + UTF-8; values written before completeness have neither: complete, no marks). State without <c>l</c> (written before the
/// length was recorded) is 1-minute state. State of another length than the configured one is refused
/// (<see cref="IncompatibleStateException"/>), never mixed.</para>
/// <para>Thread-safe: the partition-parallel loops (<c>Aggregate:Loops</c>) share one store. It keeps no bookkeeping of its
/// own beyond the RocksDB handle and its write options, which RocksDB allows to be used from several threads at once
/// (concurrent <c>Write</c>s of write batches are serialized by RocksDB's write queue, each still atomic); each loop writes
/// only the keys of the partitions it owns, and Kafka's group protocol revokes a partition from one loop before it assigns
/// it to another, so a partition that moves between loops finds its last committed state here.</para>
/// </summary>
public sealed class PartitionStateStore : IDisposable
{
    private const byte OffsetKind = (byte)'o';
    private const byte ClockKind = (byte)'c';
    private const byte DedupKind = (byte)'d';
    private const byte WindowKind = (byte)'w';
    private const byte WindowLengthKind = (byte)'l';
    private const byte RecentIdKind = (byte)'i';
    private const byte LogKind = (byte)'g';
    private const byte GapKind = (byte)'x';
    private const byte SizeClassKind = (byte)'s';
    private const byte FootprintKind = (byte)'f';
    private const byte FootprintTickKind = (byte)'t';
    private const byte NumberId = 1;
    private const byte TextId = 2;
    private const int WindowValueSize = 8 + (16 * 6) + 8 + 8 + 1;

    /// <summary>RocksDB's memtable size (<c>write_buffer_size</c>), 16 MiB.</summary>
    public const ulong WriteBufferBytes = 16UL * 1024 * 1024;

    private readonly RocksDb db;
    private readonly WriteOptions writeOptions;

    public PartitionStateStore(string path, bool syncWrites)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(Path);
        try
        {
            // A 16 MiB memtable (RocksDB's default is 64 MiB, two of them): the state written per batch is small (the windows
            // that changed), and the memtable counted for a third of the aggregator's resident memory with 6,000 streams.
            var options = new DbOptions().SetCreateIfMissing(true).SetWriteBufferSize(WriteBufferBytes).SetMaxWriteBufferNumber(2);
            db = RocksDb.Open(options, Path);
        }
        catch (RocksDbException e)
        {
            throw new InvalidOperationException(
                $"Cannot open the aggregator state at '{Path}': {e.Message}. Each aggregator instance needs its own " +
                "Aggregate:StatePath (a folder no other running instance uses).", e);
        }

        writeOptions = new WriteOptions().SetSync(syncWrites);
    }

    public string Path { get; }

    /// <summary>Approximate bytes of live data (RocksDB's estimate).</summary>
    public long ApproximateSize => long.TryParse(db.GetProperty("rocksdb.estimate-live-data-size"), out var size) ? size : 0;

    /// <summary>
    /// Loads a partition's state; null when this store has never committed anything for it. Throws
    /// <see cref="IncompatibleStateException"/> when the state was written with another base window than
    /// <paramref name="options"/>' <see cref="WindowingOptions.Window"/>.
    /// </summary>
    public LoadedPartition? Load(int partition, WindowingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var prefix = Prefix(partition);
        var written = WindowSpec.Default;
        long? nextOffset = null;
        var clock = EventTimeState.None;
        var windows = new List<WindowVolume>();
        var dedup = new Dictionary<string, IReadOnlyList<(long Start, long End)>>(StringComparer.Ordinal);
        var recent = new List<RecentId>();
        var gaps = new List<StreamGap>();
        var sizeClasses = new Dictionary<string, SizeClassVolume[]>(StringComparer.Ordinal);
        var footprints = new List<FootprintWindow>();
        var footprintTicks = new List<KeyValuePair<string, decimal>>();
        LogIdentity? log = null;
        using (var iterator = db.NewIterator())
        {
            for (iterator.Seek(prefix); iterator.Valid(); iterator.Next())
            {
                var key = iterator.Key();
                if (!key.AsSpan().StartsWith(prefix))
                {
                    break;
                }

                var value = iterator.Value();
                var rest = key.AsSpan(prefix.Length + 1);
                switch (key[prefix.Length])
                {
                    case OffsetKind:
                        nextOffset = BinaryPrimitives.ReadInt64BigEndian(value);
                        break;
                    case ClockKind:
                        clock = new EventTimeState(BinaryPrimitives.ReadInt64BigEndian(value), BinaryPrimitives.ReadInt64BigEndian(value.AsSpan(8)));
                        break;
                    case DedupKind:
                        dedup[Encoding.UTF8.GetString(rest)] = ReadRanges(value);
                        break;
                    case WindowKind:
                        windows.Add(ReadWindow(rest, value));
                        break;
                    case WindowLengthKind:
                        written = ReadWindowLength(partition, value);
                        break;
                    case RecentIdKind:
                        recent.Add(ReadRecentId(rest, value));
                        break;
                    case LogKind:
                        log = LogIdentity.FromBytes(value);
                        break;
                    case GapKind:
                        gaps.Add(ReadGap(rest, value));
                        break;
                    case SizeClassKind:
                        sizeClasses[Convert.ToHexString(rest)] = ReadSizeClasses(value);
                        break;
                    case FootprintKind:
                        footprints.Add(FootprintRecords.ReadWindow(rest, value));
                        break;
                    case FootprintTickKind:
                        footprintTicks.Add(new(Encoding.UTF8.GetString(rest), FootprintRecords.ReadDecimal(value)));
                        break;
                    default:
                        throw new InvalidDataException($"Unknown state record kind {key[prefix.Length]} for partition {partition} in {Path}");
                }
            }
        }

        if (nextOffset is null && windows.Count == 0 && dedup.Count == 0 && recent.Count == 0)
        {
            return null;
        }

        if (written != options.Window)
        {
            throw new IncompatibleStateException(partition, Path, written, options.Window);
        }

        if (sizeClasses.Count > 0)
        {
            for (var i = 0; i < windows.Count; i++)
            {
                if (sizeClasses.TryGetValue(Convert.ToHexString(WindowRest(windows[i])), out var classes))
                {
                    windows[i] = windows[i] with { SizeClasses = classes };
                }
            }
        }

        var aggregator = new VolumeAggregator(options);
        aggregator.Restore(windows, dedup, clock, recent, gaps);
        return new LoadedPartition(aggregator, nextOffset, windows.Count, dedup.Count) { Log = log, Footprint = new(footprints, footprintTicks) };
    }

    /// <summary>Starts a write batch; add each partition's changes, then <see cref="Commit"/>.</summary>
    public static WriteBatch NewBatch() => new();

    /// <summary>
    /// Adds one partition's changes and its next input offset to <paramref name="batch"/>, with the <paramref name="log"/>
    /// that offset belongs to (when known).
    /// </summary>
    public static void Add(WriteBatch batch, int partition, AggregatorChanges changes, long nextOffset, LogIdentity? log = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(changes);
        var prefix = Prefix(partition);
        foreach (var window in changes.Windows)
        {
            var rest = WindowRest(window);
            batch.Put(Key(prefix, WindowKind, rest), WriteWindow(window));
            if (window.SizeClasses is { } classes)
            {
                batch.Put(Key(prefix, SizeClassKind, rest), WriteSizeClasses(classes));
            }
        }

        foreach (var window in changes.Pruned)
        {
            var rest = WindowRest(window);
            batch.Delete(Key(prefix, WindowKind, rest));
            batch.Delete(Key(prefix, SizeClassKind, rest));
        }

        foreach (var (product, ranges) in changes.Dedup)
        {
            batch.Put(Key(prefix, DedupKind, Encoding.UTF8.GetBytes(product)), WriteRanges(ranges));
        }

        var ticks = new byte[8];
        foreach (var recent in changes.RecentAdded)
        {
            BinaryPrimitives.WriteInt64BigEndian(ticks, recent.Ticks);
            batch.Put(RecentIdKey(prefix, recent), ticks);
        }

        foreach (var recent in changes.RecentForgotten)
        {
            batch.Delete(RecentIdKey(prefix, recent));
        }

        foreach (var gap in changes.GapsPut)
        {
            batch.Put(GapKey(prefix, gap), WriteGap(gap));
        }

        foreach (var gap in changes.GapsDeleted)
        {
            batch.Delete(GapKey(prefix, gap));
        }

        var clock = new byte[16];
        BinaryPrimitives.WriteInt64BigEndian(clock, changes.Clock.MaxEventTicks);
        BinaryPrimitives.WriteInt64BigEndian(clock.AsSpan(8), changes.Clock.WatermarkTicks);
        batch.Put(Key(prefix, ClockKind, []), clock);
        var offset = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(offset, nextOffset);
        batch.Put(Key(prefix, OffsetKind, []), offset);
        var length = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(length, changes.Window.Length.Ticks);
        batch.Put(Key(prefix, WindowLengthKind, []), length);
        if (log is not null)
        {
            batch.Put(Key(prefix, LogKind, []), log.ToBytes());
        }
    }

    /// <summary>Adds one partition's footprint changes to <paramref name="batch"/> (committed with its windows and next offset).</summary>
    public static void AddFootprint(WriteBatch batch, int partition, FootprintChanges changes)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(changes);
        var prefix = Prefix(partition);
        foreach (var window in changes.Windows)
        {
            batch.Put(Key(prefix, FootprintKind, FootprintRecords.WindowKey(window)), FootprintRecords.WriteWindow(window));
        }

        foreach (var window in changes.Pruned)
        {
            batch.Delete(Key(prefix, FootprintKind, FootprintRecords.WindowKey(window)));
        }

        foreach (var (stream, tick) in changes.Ticks)
        {
            batch.Put(Key(prefix, FootprintTickKind, Encoding.UTF8.GetBytes(stream)), FootprintRecords.WriteDecimal(tick));
        }
    }

    /// <summary>
    /// Every record of one partition's state (keys without the partition prefix), read from ONE RocksDB snapshot, so the
    /// windows, dedup state, clock and the next offset they are paired with are one consistent commit; null when this
    /// store holds nothing for the partition. What a checkpoint carries (<see cref="PartitionCheckpoint"/>).
    /// </summary>
    public PartitionExport? Export(int partition)
    {
        var prefix = Prefix(partition);
        var records = new List<(byte[] Key, byte[] Value)>();
        long? nextOffset = null;
        LogIdentity? log = null;
        using (var snapshot = db.CreateSnapshot())
        {
            using var iterator = db.NewIterator(null, new ReadOptions().SetSnapshot(snapshot));
            for (iterator.Seek(prefix); iterator.Valid(); iterator.Next())
            {
                var key = iterator.Key();
                if (!key.AsSpan().StartsWith(prefix))
                {
                    break;
                }

                var value = iterator.Value();
                switch (key[prefix.Length])
                {
                    case OffsetKind:
                        nextOffset = BinaryPrimitives.ReadInt64BigEndian(value);
                        break;
                    case LogKind:
                        log = LogIdentity.FromBytes(value);
                        break;
                }

                records.Add((key[prefix.Length..], value));
            }
        }

        return nextOffset is { } next ? new PartitionExport(partition, next, log, records) : null;
    }

    /// <summary>
    /// A batch that replaces everything stored for <paramref name="partition"/> (its existing keys are deleted) with
    /// <paramref name="records"/> (keys without the partition prefix, as <see cref="Export"/> gives them); nothing changes
    /// until it is <see cref="Commit"/>ted, then all of it at once.
    /// </summary>
    public WriteBatch ReplaceBatch(int partition, IEnumerable<(byte[] Key, byte[] Value)> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var prefix = Prefix(partition);
        var batch = new WriteBatch();
        using (var iterator = db.NewIterator())
        {
            for (iterator.Seek(prefix); iterator.Valid() && iterator.Key().AsSpan().StartsWith(prefix); iterator.Next())
            {
                batch.Delete(iterator.Key());
            }
        }

        foreach (var (key, value) in records)
        {
            if (key.Length == 0)
            {
                throw new InvalidDataException($"An empty state key for partition {partition}.");
            }

            batch.Put(Key(prefix, key[0], key.AsSpan(1)), value);
        }

        return batch;
    }

    /// <summary>Writes the batch atomically (and durably when sync writes are on).</summary>
    public void Commit(WriteBatch batch) => db.Write(batch, writeOptions);

    public void Dispose() => db.Dispose();

    private static byte[] Prefix(int partition)
    {
        var prefix = new byte[5];
        prefix[0] = (byte)'p';
        BinaryPrimitives.WriteInt32BigEndian(prefix.AsSpan(1), partition);
        return prefix;
    }

    private static byte[] Key(byte[] prefix, byte kind, ReadOnlySpan<byte> rest)
    {
        var key = new byte[prefix.Length + 1 + rest.Length];
        prefix.CopyTo(key, 0);
        key[prefix.Length] = kind;
        rest.CopyTo(key.AsSpan(prefix.Length + 1));
        return key;
    }

    /// <summary>A window's key after the kind: stream + 0 + side + start ticks (the same for its value and its size classes).</summary>
    private static byte[] WindowRest(WindowVolume window)
    {
        var product = Encoding.UTF8.GetBytes(StreamKey.Of(window.Venue, window.Product));
        var rest = new byte[product.Length + 1 + 1 + 8];
        product.CopyTo(rest, 0);
        rest[product.Length + 1] = (byte)window.Side;
        BinaryPrimitives.WriteInt64BigEndian(rest.AsSpan(product.Length + 2), window.WindowStart.UtcTicks);
        return rest;
    }

    private static byte[] WriteSizeClasses(IReadOnlyList<SizeClassVolume> classes)
    {
        var value = new byte[4 + ((classes.Count - 1) * 16) + (classes.Count * 24)];
        var span = value.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(span, classes.Count);
        var at = 4;
        for (var i = 1; i < classes.Count; i++, at += 16)
        {
            decimal.GetBits(classes[i].Min, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(span.Slice(at, 16)));
        }

        foreach (var c in classes)
        {
            BinaryPrimitives.WriteInt64BigEndian(span[at..], c.Trades);
            decimal.GetBits(c.BaseVolume, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(span.Slice(at + 8, 16)));
            at += 24;
        }

        return value;
    }

    private static SizeClassVolume[] ReadSizeClasses(ReadOnlySpan<byte> value)
    {
        var count = value.Length >= 4 ? BinaryPrimitives.ReadInt32BigEndian(value) : 0;
        if (count < 1 || count > 1024 || value.Length != 4 + ((count - 1) * 16) + (count * 24))
        {
            throw new InvalidDataException($"size classes of the aggregator state have {value.Length} bytes for {count} classes");
        }

        var bounds = new decimal[count - 1];
        for (var i = 0; i < bounds.Length; i++)
        {
            bounds[i] = new decimal(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(value.Slice(4 + (16 * i), 16)));
        }

        var classes = new SizeClassVolume[count];
        var at = 4 + (16 * bounds.Length);
        for (var i = 0; i < count; i++, at += 24)
        {
            classes[i] = new SizeClassVolume(
                i == 0 ? 0m : bounds[i - 1],
                i < bounds.Length ? bounds[i] : null,
                BinaryPrimitives.ReadInt64BigEndian(value[at..]),
                new decimal(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(value.Slice(at + 8, 16))));
        }

        return classes;
    }

    /// <summary><c>i</c> + stream + 0 + (1 + id, 8 bytes big-endian | 2 + UTF-8 text id); the value is the event ticks.</summary>
    private static byte[] RecentIdKey(byte[] prefix, RecentId recent)
    {
        var stream = Encoding.UTF8.GetBytes(recent.Stream);
        var id = recent.Id.Text is { } text ? Encoding.UTF8.GetBytes(text) : new byte[8];
        if (recent.Id.Text is null)
        {
            BinaryPrimitives.WriteInt64BigEndian(id, recent.Id.Number);
        }

        var rest = new byte[stream.Length + 2 + id.Length];
        stream.CopyTo(rest, 0);
        rest[stream.Length + 1] = recent.Id.Text is null ? NumberId : TextId;
        id.CopyTo(rest, stream.Length + 2);
        return Key(prefix, RecentIdKind, rest);
    }

    private static RecentId ReadRecentId(ReadOnlySpan<byte> key, byte[] value)
    {
        var zero = key.IndexOf((byte)0);
        var stream = Encoding.UTF8.GetString(key[..zero]);
        var id = key[(zero + 2)..];
        var dedupId = key[zero + 1] == NumberId ? new DedupId(BinaryPrimitives.ReadInt64BigEndian(id), null) : new DedupId(0, Encoding.UTF8.GetString(id));
        return new RecentId(stream, dedupId, BinaryPrimitives.ReadInt64BigEndian(value));
    }

    private static byte[] GapKey(byte[] prefix, StreamGap gap)
    {
        var stream = Encoding.UTF8.GetBytes(gap.Stream);
        var id = Encoding.UTF8.GetBytes(gap.Id);
        var rest = new byte[stream.Length + 1 + id.Length];
        stream.CopyTo(rest, 0);
        id.CopyTo(rest, stream.Length + 1);
        return Key(prefix, GapKind, rest);
    }

    private static byte[] WriteGap(StreamGap gap)
    {
        var reason = Encoding.UTF8.GetBytes(gap.Reason);
        var value = new byte[17 + reason.Length];
        BinaryPrimitives.WriteInt64BigEndian(value, gap.FromTicks);
        BinaryPrimitives.WriteInt64BigEndian(value.AsSpan(8), gap.ToTicks);
        value[16] = (byte)gap.State;
        reason.CopyTo(value, 17);
        return value;
    }

    private static StreamGap ReadGap(ReadOnlySpan<byte> key, byte[] value)
    {
        var zero = key.IndexOf((byte)0);
        if (zero < 0 || value.Length < 17)
        {
            throw new InvalidDataException("a gap record of the aggregator state is cut short");
        }

        return new StreamGap(
            Encoding.UTF8.GetString(key[..zero]),
            Encoding.UTF8.GetString(key[(zero + 1)..]),
            BinaryPrimitives.ReadInt64BigEndian(value),
            BinaryPrimitives.ReadInt64BigEndian(value.AsSpan(8)),
            (GapState)value[16],
            Encoding.UTF8.GetString(value.AsSpan(17)));
    }

    private static byte[] WriteWindow(WindowVolume w)
    {
        var marks = WindowVolume.MarksOf(w);
        var reason = w.IncompleteReason is { } text ? Encoding.UTF8.GetBytes(text) : null;
        var value = new byte[marks == 0 && reason is null ? WindowValueSize : WindowValueSize + 8 + 1 + (reason?.Length ?? 0)];
        var span = value.AsSpan();
        BinaryPrimitives.WriteInt64BigEndian(span, w.Trades);
        var at = 8;
        foreach (var d in (ReadOnlySpan<decimal>)[w.BaseVolume, w.QuoteVolume, w.Open, w.High, w.Low, w.Close])
        {
            decimal.GetBits(d, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(span.Slice(at, 16)));
            at += 16;
        }

        BinaryPrimitives.WriteInt64BigEndian(span[at..], w.FirstTradeId);
        BinaryPrimitives.WriteInt64BigEndian(span[(at + 8)..], w.LastTradeId);
        value[WindowValueSize - 1] = w.Final ? (byte)1 : (byte)0;
        if (value.Length > WindowValueSize)
        {
            BinaryPrimitives.WriteInt64BigEndian(span[WindowValueSize..], marks);
            value[WindowValueSize + 8] = reason is null ? (byte)0 : (byte)1;
            reason?.CopyTo(span[(WindowValueSize + 9)..]);
        }

        return value;
    }

    private static WindowVolume ReadWindow(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var zero = key.IndexOf((byte)0);
        var (venue, product) = StreamKey.Parse(Encoding.UTF8.GetString(key[..zero]));
        var side = (TakerSide)key[zero + 1];
        var start = new DateTimeOffset(BinaryPrimitives.ReadInt64BigEndian(key[(zero + 2)..]), TimeSpan.Zero);
        if (value.Length != WindowValueSize && value.Length < WindowValueSize + 9)
        {
            throw new InvalidDataException($"window state of {product} has {value.Length} bytes, expected {WindowValueSize}");
        }

        var trades = BinaryPrimitives.ReadInt64BigEndian(value);
        Span<decimal> d = stackalloc decimal[6];
        for (var i = 0; i < 6; i++)
        {
            d[i] = new decimal(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(value.Slice(8 + (16 * i), 16)));
        }

        var first = BinaryPrimitives.ReadInt64BigEndian(value[104..]);
        var last = BinaryPrimitives.ReadInt64BigEndian(value[112..]);
        var final = value[120] == 1;
        var (marks, reason) = value.Length == WindowValueSize
            ? (0L, null)
            : (BinaryPrimitives.ReadInt64BigEndian(value[WindowValueSize..]), value[WindowValueSize + 8] == 1 ? Encoding.UTF8.GetString(value[(WindowValueSize + 9)..]) : null);
        return new WindowVolume(product, side, start, trades, d[0], d[1], d[2], d[3], d[4], d[5], first, last, WindowVolume.VersionOf(trades, final, marks), final)
        {
            Venue = venue,
            IncompleteReason = reason,
        };
    }

    private WindowSpec ReadWindowLength(int partition, byte[] value) =>
        value.Length == 8 && WindowSpec.IsValidLength(TimeSpan.FromTicks(BinaryPrimitives.ReadInt64BigEndian(value)))
            ? WindowSpec.FromLength(TimeSpan.FromTicks(BinaryPrimitives.ReadInt64BigEndian(value)))
            : throw new InvalidDataException($"The window length recorded for partition {partition} in {Path} is not a valid window length.");

    private static byte[] WriteRanges(IReadOnlyList<(long Start, long End)> ranges)
    {
        var value = new byte[ranges.Count * 16];
        for (var i = 0; i < ranges.Count; i++)
        {
            BinaryPrimitives.WriteInt64BigEndian(value.AsSpan(i * 16), ranges[i].Start);
            BinaryPrimitives.WriteInt64BigEndian(value.AsSpan((i * 16) + 8), ranges[i].End);
        }

        return value;
    }

    private static (long Start, long End)[] ReadRanges(byte[] value)
    {
        var ranges = new (long, long)[value.Length / 16];
        for (var i = 0; i < ranges.Length; i++)
        {
            ranges[i] = (BinaryPrimitives.ReadInt64BigEndian(value.AsSpan(i * 16)), BinaryPrimitives.ReadInt64BigEndian(value.AsSpan((i * 16) + 8)));
        }

        return ranges;
    }
}
