using System.Diagnostics;
using BitcoinVolume.Contracts;
using BitcoinVolume.Kafka;
using Confluent.Kafka;

namespace BitcoinVolume.Sink.Consumer;

/// <summary>
/// The batch being gathered: the newest version of each window, and per partition the next offset to commit (every
/// record counts, bad ones included) and how many records it holds. Pure bookkeeping: no Kafka client, no database.
/// </summary>
internal sealed class PendingBatch
{
    private readonly Dictionary<WindowKey, HeldWindow> windows = [];
    private readonly Dictionary<TopicPartition, Offset> nextOffsets = [];
    private readonly Dictionary<TopicPartition, int> recordsPerPartition = [];

    /// <summary>Records in the batch (each consumed record once, decodable or not).</summary>
    public int Records { get; private set; }

    /// <summary>The windows held, each in its newest version.</summary>
    public IReadOnlyCollection<HeldWindow> Held => windows.Values;

    /// <summary>Counts a consumed record: its offset + 1 becomes its partition's next offset to commit.</summary>
    public void Count(TopicPartitionOffset record)
    {
        ArgumentNullException.ThrowIfNull(record);
        Records++;
        recordsPerPartition[record.TopicPartition] = recordsPerPartition.GetValueOrDefault(record.TopicPartition) + 1;
        var next = record.Offset.Value + 1;
        if (!nextOffsets.TryGetValue(record.TopicPartition, out var current) || current.Value < next)
        {
            nextOffsets[record.TopicPartition] = new Offset(next);
        }
    }

    /// <summary>
    /// Keeps <paramref name="window"/> unless the batch holds the same or a newer version of it; with it the record's
    /// timestamp (for the lag metric) and, when <paramref name="traced"/>, the trace context in its headers.
    /// </summary>
    public void Hold(WindowVolume window, TopicPartition partition, Message<Ignore, byte[]>? message, bool traced)
    {
        ArgumentNullException.ThrowIfNull(window);
        var key = new WindowKey(window.Venue, window.Product, window.Side, window.WindowStart);
        if (!windows.TryGetValue(key, out var held) || held.Window.Version < window.Version)
        {
            var timestamp = message?.Timestamp is { Type: not TimestampType.NotAvailable } t ? t.UtcDateTime : (DateTime?)null;
            var trace = traced ? KafkaTracing.Extract(message?.Headers) : null;
            windows[key] = new HeldWindow(window, partition, timestamp, trace);
        }
    }

    /// <summary>The rows to write, in a stable order (product, side, window start).</summary>
    public List<WindowVolume> Rows() =>
        windows.Values.Select(h => h.Window)
            .OrderBy(w => w.Product, StringComparer.Ordinal)
            .ThenBy(w => w.Side)
            .ThenBy(w => w.WindowStart)
            .ToList();

    /// <summary>The offsets to commit once the rows are written: the next offset of every partition read.</summary>
    public List<TopicPartitionOffset> Offsets() => nextOffsets.Select(kv => new TopicPartitionOffset(kv.Key, kv.Value)).ToList();

    /// <summary>Forgets what was read from <paramref name="partitions"/>; returns how many records that was.</summary>
    public int Drop(IReadOnlyCollection<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        var dropped = 0;
        foreach (var partition in partitions)
        {
            dropped += recordsPerPartition.GetValueOrDefault(partition);
            recordsPerPartition.Remove(partition);
            nextOffsets.Remove(partition);
        }

        foreach (var key in windows.Where(kv => partitions.Contains(kv.Value.Partition)).Select(kv => kv.Key).ToList())
        {
            windows.Remove(key);
        }

        Records -= dropped;
        if (Records <= 0)
        {
            Clear();
        }

        return dropped;
    }

    public void Clear()
    {
        windows.Clear();
        nextOffsets.Clear();
        recordsPerPartition.Clear();
        Records = 0;
    }

    private readonly record struct WindowKey(string Venue, string Product, TakerSide Side, DateTimeOffset WindowStart);
}

/// <summary>A window value held for writing, with the partition it came from, its record's timestamp and trace context.</summary>
internal readonly record struct HeldWindow(WindowVolume Window, TopicPartition Partition, DateTime? Timestamp, ActivityContext? Trace);
