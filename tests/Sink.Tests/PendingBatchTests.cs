using System.Diagnostics;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Consumer;
using Confluent.Kafka;
using static BitcoinVolume.Sink.Tests.TestData;

namespace BitcoinVolume.Sink.Tests;

/// <summary>What the sink holds between writes: the newest version of each window and the offsets to commit after it.</summary>
public sealed class PendingBatchTests
{
    private static readonly TopicPartition P0 = new(Topics.Volumes1m, 0);
    private static readonly TopicPartition P1 = new(Topics.Volumes1m, 1);

    private static void Read(PendingBatch batch, TopicPartition partition, long offset, WindowVolume? window, Message<Ignore, byte[]>? message = null, bool traced = false)
    {
        batch.Count(new TopicPartitionOffset(partition, offset));
        if (window is not null)
        {
            batch.Hold(window, partition, message, traced);
        }
    }

    private static string[] Offsets(PendingBatch batch) =>
        batch.Offsets().Select(o => $"{o.Partition.Value}:{o.Offset.Value}").Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void Holds_the_newest_version_of_each_window_in_a_stable_order()
    {
        var batch = new PendingBatch();
        Read(batch, P0, 10, Window(side: TakerSide.Sell, version: 2));
        Read(batch, P0, 11, Window(version: 3, trades: 3));
        Read(batch, P0, 12, Window(version: 1, trades: 1));          // older version after a newer one: ignored
        Read(batch, P0, 13, Window(version: 3, trades: 99));         // same version again: the first one stays
        Read(batch, P1, 4, Window(product: "ETH-USD", start: T0.AddMinutes(1)));
        Read(batch, P1, 5, Window(product: "ETH-USD", start: T0));
        Read(batch, P0, 14, Window(product: "AAVE-USD", start: T0.AddMinutes(5), version: 7));

        Assert.Equal(7, batch.Records);
        Assert.Equal(
            [("AAVE-USD", TakerSide.Buy, T0.AddMinutes(5), 7L), ("BTC-USD", TakerSide.Buy, T0, 3L), ("BTC-USD", TakerSide.Sell, T0, 2L), ("ETH-USD", TakerSide.Buy, T0, 1L), ("ETH-USD", TakerSide.Buy, T0.AddMinutes(1), 1L)],
            batch.Rows().Select(w => (w.Product, w.Side, w.WindowStart, w.Version)));
        Assert.Equal(3, batch.Rows().Single(w => w is { Product: "BTC-USD", Side: TakerSide.Buy }).Trades);
        Assert.Equal(5, batch.Held.Count);
    }

    [Fact]
    public void Every_record_moves_its_partitions_next_offset_bad_ones_included_and_never_backwards()
    {
        var batch = new PendingBatch();
        Read(batch, P0, 10, Window());
        Read(batch, P0, 11, null); // undecodable: counted, its offset committed with the batch
        Read(batch, P1, 40, null);
        Read(batch, P0, 5, Window(start: T0.AddMinutes(1))); // an older offset (e.g. re-read after a seek)

        Assert.Equal(4, batch.Records);
        Assert.Equal(["0:12", "1:41"], Offsets(batch));
        Assert.Single(batch.Held, h => h.Partition == P0 && h.Window.WindowStart == T0);
    }

    [Fact]
    public void Dropping_partitions_forgets_their_records_offsets_and_windows_and_keeps_the_rest()
    {
        var batch = new PendingBatch();
        Read(batch, P0, 1, Window(start: T0));
        Read(batch, P0, 2, null);
        Read(batch, P1, 7, Window(start: T0.AddMinutes(1)));

        Assert.Equal(2, batch.Drop([P0]));

        Assert.Equal(1, batch.Records);
        Assert.Equal(["1:8"], Offsets(batch));
        Assert.Equal([T0.AddMinutes(1)], batch.Rows().Select(w => w.WindowStart));

        Assert.Equal(0, batch.Drop([new TopicPartition(Topics.Volumes1m, 5)]));
        Assert.Equal(1, batch.Drop([P1, P0]));
        Assert.Equal(0, batch.Records);
        Assert.Empty(batch.Offsets());
        Assert.Empty(batch.Rows());
    }

    [Fact]
    public void A_window_newer_in_another_partition_moves_with_it()
    {
        var batch = new PendingBatch();
        Read(batch, P0, 1, Window(version: 1));
        Read(batch, P1, 1, Window(version: 2)); // the same window re-keyed onto another partition

        batch.Drop([P1]);

        Assert.Empty(batch.Rows()); // the version of P0 was superseded: only P0's record stays counted
        Assert.Equal(1, batch.Records);
        Assert.Equal(["0:2"], Offsets(batch));
    }

    [Fact]
    public void Keeps_the_records_timestamp_and_only_when_traced_its_trace_context()
    {
        var parent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        var headers = new Headers { { "traceparent", System.Text.Encoding.ASCII.GetBytes($"00-{parent.TraceId}-{parent.SpanId}-01") } };
        var produced = new DateTime(2026, 8, 9, 21, 5, 1, DateTimeKind.Utc);
        var message = new Message<Ignore, byte[]> { Value = [], Headers = headers, Timestamp = new Timestamp(produced, TimestampType.CreateTime) };

        var batch = new PendingBatch();
        Read(batch, P0, 1, Window(start: T0), message, traced: true);
        Read(batch, P0, 2, Window(start: T0.AddMinutes(1)), message, traced: false);
        Read(batch, P0, 3, Window(start: T0.AddMinutes(2)), new Message<Ignore, byte[]> { Value = [], Timestamp = Timestamp.Default }, traced: true);

        var held = batch.Held.OrderBy(h => h.Window.WindowStart).ToArray();
        Assert.Equal((produced, parent.TraceId, parent.SpanId), (held[0].Timestamp, held[0].Trace?.TraceId, held[0].Trace?.SpanId));
        Assert.Equal((produced, (ActivityContext?)null), (held[1].Timestamp, held[1].Trace));
        Assert.Equal(((DateTime?)null, (ActivityContext?)null), (held[2].Timestamp, held[2].Trace));
    }

    [Fact]
    public void Clearing_empties_everything()
    {
        var batch = new PendingBatch();
        Read(batch, P0, 1, Window());

        batch.Clear();

        Assert.Equal(0, batch.Records);
        Assert.Empty(batch.Held);
        Assert.Empty(batch.Offsets());
    }
}
