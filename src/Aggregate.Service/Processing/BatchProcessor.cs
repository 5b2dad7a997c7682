using System.Diagnostics;
using System.Text;
using BitcoinVolume.Aggregate.State;
using BitcoinVolume.Aggregate.Windowing;
using BitcoinVolume.Contracts;
using BitcoinVolume.Kafka;
using Confluent.Kafka;

namespace BitcoinVolume.Aggregate.Processing;

/// <summary>
/// One batch, exactly once: apply its records to the owned partitions' aggregators → produce the FULL value of every
/// changed window to <c>volumes.1m</c> → flush (every output acknowledged) → and only then commit the partitions' state
/// AND next input offsets to RocksDB in one atomic write. A crash at any point replays at most the uncommitted batch,
/// which re-emits the same values. Unreadable records are dead-lettered, trades beyond retention go to <c>trades.late</c>.
/// </summary>
internal sealed class BatchProcessor(
    IProducer<string, byte[]> producer,
    PartitionStateStore store,
    PartitionOwnership ownership,
    LogIdentity log,
    AggregateOptions settings,
    AggregateMetrics metrics,
    AggregateStatus status,
    TimeProvider clock,
    ILogger logger)
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(60);

    private readonly AggregateTracing tracing = new();
    private readonly LargeTradeSelector largeTrades = new(settings.LargeTrades);
    private readonly HashSet<string> loggedProblems = new(StringComparer.Ordinal);

    /// <summary>Applies the batch, emits and flushes outputs, commits state; returns the partitions committed.</summary>
    public List<int> Process(InputBatch batch, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var traced = AggregateTracing.Enabled;
        var touched = Apply(batch, traced);
        if (batch.Count > 0)
        {
            metrics.Batch(batch.Count);
        }

        ownership.AdvanceIdleLivePartitions(touched, clock.GetUtcNow(), settings.LiveThreshold, settings.Windowing.Grace);
        return EmitAndCommit(touched, traced, stoppingToken);
    }

    /// <summary>Applies the records of owned partitions not yet in their state; returns the partitions that had any.</summary>
    private HashSet<int> Apply(InputBatch batch, bool traced)
    {
        var touched = new HashSet<int>();
        foreach (var record in batch.Records)
        {
            var partition = record.Partition.Value;
            if (!ownership.TryAccept(partition, record.Offset.Value, out var state))
            {
                continue;
            }

            touched.Add(partition);
            if (TradeGap.IsMarker(record.Message.Headers))
            {
                ApplyGap(record, state.Aggregator);
                continue;
            }

            Trade trade;
            try
            {
                trade = ContractSerializers.TradeDeserializer.Deserialize(record.Message.Value, record.Message.Value is null, new SerializationContext(MessageComponentType.Value, record.Topic));
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException)
            {
                DeadLetter(record, e.Message);
                continue;
            }

            var outcome = state.Aggregator.Apply(trade);
            metrics.Outcome(outcome);
            if (outcome is ApplyOutcome.Counted or ApplyOutcome.Correction)
            {
                state.Footprint?.Add(trade);
            }

            if (traced && outcome is ApplyOutcome.Counted or ApplyOutcome.Correction && KafkaTracing.Extract(record.Message.Headers) is { } context)
            {
                tracing.Remember(WindowVolume.KeyOf(trade.Venue, trade.Product, trade.Side, settings.Windowing.Window.StartOf(trade.Time)), context);
            }

            EmitLargeTrade(trade, outcome);
            if (outcome == ApplyOutcome.TooLate)
            {
                producer.Produce(Topics.TradesLate, new Message<string, byte[]> { Key = trade.Key, Value = record.Message.Value ?? [] });
            }
        }

        return touched;
    }

    /// <summary>
    /// A counted trade at or above its quote's threshold goes to <c>trades.large</c> in this batch, so it is flushed before
    /// the state commits (a crash replays it; the sink's upsert by key makes the repeat harmless).
    /// </summary>
    private void EmitLargeTrade(Trade trade, ApplyOutcome outcome)
    {
        if (largeTrades.Select(trade, outcome) is not { } large)
        {
            return;
        }

        producer.Produce(Topics.TradesLarge, new Message<string, byte[]> { Key = large.Key, Value = ContractSerializers.LargeTradeSerializer.Serialize(large, default) });
        metrics.LargeTrade();
    }

    /// <summary>A gap marker (header <see cref="TradeGap.KindHeader"/>): its stream's windows become (in)complete; an unreadable one is dead-lettered.</summary>
    private void ApplyGap(ConsumeResult<string, byte[]> record, VolumeAggregator aggregator)
    {
        TradeGap marker;
        try
        {
            marker = ContractSerializers.GapDeserializer.Deserialize(record.Message.Value, record.Message.Value is null, new SerializationContext(MessageComponentType.Value, record.Topic));
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException)
        {
            DeadLetter(record, e.Message);
            return;
        }

        if (marker.Venue is null || marker.Product is null || marker.Id is null || marker.Reason is null)
        {
            DeadLetter(record, "gap marker without venue, product, id or reason");
            return;
        }

        var windows = aggregator.ApplyGap(marker);
        metrics.GapMarker(marker.State);
        logger.GapMarkerApplied(marker.Key, marker.Id, marker.State.ToString().ToLowerInvariant(), windows, marker.Reason);
    }

    /// <summary>Produces the changed windows, flushes them, then commits state and offsets of every partition that moved.</summary>
    private List<int> EmitAndCommit(HashSet<int> touched, bool traced, CancellationToken stoppingToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var writes = PartitionStateStore.NewBatch();
        var committed = new List<int>();
        var emitted = 0;
        foreach (var (partition, state) in ownership.Owned)
        {
            var changes = state.Aggregator.TakeChanges();
            var footprint = state.Footprint?.TakeChanges(state.Aggregator.Watermark) ?? FootprintChanges.None;
            if (!touched.Contains(partition) && changes.Windows.Count == 0 && changes.Pruned.Count == 0 && footprint.IsEmpty)
            {
                continue;
            }

            EmitFootprint(writes, partition, footprint);

            foreach (var window in changes.Windows)
            {
                var key = window.Key;
                using var activity = traced ? tracing.StartEmit(window, key, partition) : null;
                producer.Produce(Topics.Volumes1m, new Message<string, byte[]>
                {
                    Key = key,
                    Value = ContractSerializers.WindowSerializer.Serialize(window, default),
                    Headers = KafkaTracing.Inject(activity),
                });
            }

            emitted += changes.Windows.Count;
            PartitionStateStore.Add(writes, partition, changes, state.NextOffset, log);
            committed.Add(partition);
        }

        if (committed.Count == 0)
        {
            return committed;
        }

        // Outputs are durable before the state (and input offsets) move on: a crash here replays the batch and
        // re-emits the same values.
        var unflushed = producer.Flush(FlushTimeout);
        if (unflushed > 0)
        {
            throw new KafkaException(new Error(ErrorCode.Local_TimedOut, $"{unflushed} outputs not acknowledged within 60 s; state not committed"));
        }

        stoppingToken.ThrowIfCancellationRequested();
        store.Commit(writes);
        metrics.Commit(Stopwatch.GetElapsedTime(started));
        metrics.WindowsEmitted(emitted);
        status.Report($"committed partitions {string.Join(",", committed)}");
        if (ownership.TakeAssignedSinceCommit())
        {
            logger.FirstCommit(string.Join(",", committed), emitted);
        }
        else
        {
            logger.Committed(string.Join(",", committed), emitted);
        }

        return committed;
    }

    /// <summary>Produces the changed footprint windows to <c>footprint.1m</c> and adds them to the partition's state write.</summary>
    private void EmitFootprint(RocksDbSharp.WriteBatch writes, int partition, FootprintChanges footprint)
    {
        foreach (var window in footprint.Windows)
        {
            producer.Produce(Topics.Footprint1m, new Message<string, byte[]> { Key = window.Key, Value = ContractSerializers.FootprintSerializer.Serialize(window, default) });
        }

        PartitionStateStore.AddFootprint(writes, partition, footprint);
    }

    private void DeadLetter(ConsumeResult<string, byte[]> record, string reason)
    {
        metrics.BadRecord();
        if (loggedProblems.Add("bad_trade_record"))
        {
            logger.UnreadableRecord(record.TopicPartitionOffset, reason);
        }

        var raw = record.Message.Value is null ? string.Empty : Encoding.UTF8.GetString(record.Message.Value);
        var letter = new DeadLetter("unreadable_trade_record", reason, record.TopicPartitionOffset.ToString(), raw, clock.GetUtcNow());
        producer.Produce(Topics.TradesDeadLetter, new Message<string, byte[]> { Key = letter.Reason, Value = ContractSerializers.DeadLetterSerializer.Serialize(letter, default) });
    }
}
