using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using BitcoinVolume.Contracts;
using Confluent.Kafka;

namespace BitcoinVolume.Ingest.Recovery;

/// <summary>Section <c>Ingest:Recovery</c>: restart recovery of the per-product high-water marks from `trades`.</summary>
public sealed class RecoveryOptions
{
    /// <summary>Read the tail of `trades` at start (live sources) and seed dedup and gap tracking from it.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Records read at most from the end of each `trades` partition.</summary>
    [Range(1, int.MaxValue)]
    public int MaxRecordsPerPartition { get; set; } = 10_000;

    /// <summary>Time allowed for the whole read; what was read by then is used (the recovery log line then says INCOMPLETE).</summary>
    [Range(typeof(TimeSpan), TimeSpanRange.Zero, TimeSpanRange.Max, MinimumIsExclusive = true)]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// What <see cref="TradeTailReader.Read"/> found: per stream (the <see cref="StreamKey"/> text of the trade's venue and
/// product, split back with <see cref="StreamKey.Parse"/>), the trade ids in offset order, and parallel to them the text ids
/// (null where a trade has none; the list is absent for a stream without any).
/// </summary>
public sealed record TradeTail(
    IReadOnlyDictionary<string, List<long>> IdsByStream,
    IReadOnlyDictionary<string, List<string?>> TextIdsByStream,
    long Records,
    int Partitions,
    bool Complete,
    TimeSpan Elapsed)
{
    /// <summary>Per stream, parallel to <see cref="IdsByStream"/>: each trade's event time (dates the holes reopened from the tail).</summary>
    public IReadOnlyDictionary<string, List<DateTimeOffset>> TimesByStream { get; init; } = new Dictionary<string, List<DateTimeOffset>>();

    /// <summary>
    /// Per stream, the trade-id gaps whose latest marker in the tail is not <see cref="GapState.Filled"/> (open or unfilled when
    /// the previous run stopped): restart recovery resolves them under their own ids (<see cref="Gaps.TradeGate.Restore"/>).
    /// </summary>
    public IReadOnlyDictionary<string, List<TradeGap>> UnresolvedGapsByStream { get; init; } = new Dictionary<string, List<TradeGap>>();
}

/// <summary>
/// Reads the last <see cref="RecoveryOptions.MaxRecordsPerPartition"/> records of every `trades` partition (Assign +
/// QueryWatermarkOffsets, no consumer group), bounded in records and time. Records that are not trades are skipped.
/// </summary>
public static class TradeTailReader
{
    public static TradeTail Read(ClientConfig client, RecoveryOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var watch = Stopwatch.StartNew();
        var deadline = DateTime.UtcNow + options.Timeout;
        var ids = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        var textIds = new Dictionary<string, List<string?>>(StringComparer.Ordinal);
        var times = new Dictionary<string, List<DateTimeOffset>>(StringComparer.Ordinal);
        var gaps = new Dictionary<(string Stream, string Id), TradeGap>();
        var partitions = Topics.All.Single(t => t.Name == Topics.Trades).Partitions;
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig(client)
        {
            GroupId = $"ingest-recovery-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            ClientId = "ingest-recovery",
        }).SetErrorHandler((_, e) => logger.RecoveryConsumerError(e.Reason)).Build();

        // Per partition: the offset the read must reach (the high watermark at start).
        var ends = new Dictionary<int, long>();
        var assignment = new List<TopicPartitionOffset>();
        var queried = 0;
        for (var p = 0; p < partitions; p++)
        {
            var tp = new TopicPartition(Topics.Trades, p);
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            var marks = consumer.QueryWatermarkOffsets(tp, remaining);
            queried++;
            if (marks.High.Value <= marks.Low.Value)
            {
                continue;
            }

            ends[p] = marks.High.Value;
            assignment.Add(new TopicPartitionOffset(tp, Math.Max(marks.Low.Value, marks.High.Value - options.MaxRecordsPerPartition)));
        }

        long records = 0;
        var pending = new HashSet<int>(ends.Keys);
        if (assignment.Count > 0)
        {
            consumer.Assign(assignment);
            while (pending.Count > 0 && DateTime.UtcNow < deadline)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var record = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (record is null || record.IsPartitionEOF)
                {
                    continue;
                }

                var partition = record.Partition.Value;
                if (record.Offset.Value >= ends[partition] - 1)
                {
                    pending.Remove(partition);
                }

                if (record.Offset.Value >= ends[partition])
                {
                    continue;
                }

                records++;
                if (TradeGap.IsMarker(record.Message.Headers))
                {
                    // A gap marker, not a trade: the latest one of each gap says what the previous run knew.
                    if (ReadGap(record.Message.Value) is { } gap)
                    {
                        gaps[(gap.Key, gap.Id)] = gap;
                    }
                    else
                    {
                        logger.RecoverySkippedRecord(partition, record.Offset.Value);
                    }

                    continue;
                }

                Trade? trade = null;
                try
                {
                    trade = ContractSerializers.TradeDeserializer.Deserialize(record.Message.Value, record.Message.Value is null, SerializationContext.Empty);
                }
                catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or NotSupportedException)
                {
                    logger.RecoverySkippedRecord(partition, record.Offset.Value);
                }

                if (trade is not null)
                {
                    // The record's venue (absent in records written before venues: Coinbase), not the Kafka key.
                    var stream = trade.Key;
                    if (!ids.TryGetValue(stream, out var list))
                    {
                        ids.Add(stream, list = []);
                        times.Add(stream, []);
                    }

                    times[stream].Add(trade.Time);

                    if (trade.TextId is not null && !textIds.ContainsKey(stream))
                    {
                        textIds.Add(stream, [.. Enumerable.Repeat<string?>(null, list.Count)]);
                    }

                    list.Add(trade.TradeId);
                    if (textIds.TryGetValue(stream, out var texts))
                    {
                        texts.Add(trade.TextId);
                    }
                }
            }

            consumer.Close();
        }

        var unresolved = gaps.Values
            .Where(g => g is { Unresolved: true, FirstTradeId: not null, LastTradeId: not null })
            .GroupBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        return new TradeTail(ids, textIds, records, ends.Count, pending.Count == 0 && queried == partitions, watch.Elapsed) { TimesByStream = times, UnresolvedGapsByStream = unresolved };
    }

    private static TradeGap? ReadGap(byte[]? value)
    {
        try
        {
            return value is null ? null : ContractSerializers.GapDeserializer.Deserialize(value, isNull: false, SerializationContext.Empty);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or NotSupportedException)
        {
            return null;
        }
    }
}
