using Confluent.Kafka;
using Streamiz.Kafka.Net.SerDes;

namespace BitcoinVolume.Benchmarks.Peer;

/// <summary>The peer's totals of one product-window, in the shape a benchmark compares with our aggregator's rows.</summary>
/// <param name="Product">Product id (the record key).</param>
/// <param name="Start">Window start (UTC); the window is [Start, Start + 1 min).</param>
public sealed record PeerWindow(
    string Product, DateTime Start, long BuyTrades, decimal BuyBase, decimal BuyQuote, long SellTrades, decimal SellBase, decimal SellQuote);

/// <summary>
/// Reads what <see cref="StreamizAggregation"/> wrote. Streamiz emits every update of a window (no suppression), so the
/// last record of each product-window is its final value.
/// </summary>
public static class StreamizOutput
{
    /// <summary>
    /// Reads the output topic from the beginning to its end (as of the call) and returns the LAST value of every
    /// (product, window start). Throws <see cref="InvalidOperationException"/> when a partition no longer starts at
    /// offset 0 (the development broker dropped its oldest records, so some windows would be stale or missing), and
    /// <see cref="TimeoutException"/> when the end is not reached within <paramref name="timeout"/>.
    /// </summary>
    public static IReadOnlyDictionary<(string Product, DateTime Start), PeerWindow> ReadLatest(string bootstrapServers, string outputTopic, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        int partitionCount;
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build())
        {
            var topic = admin.GetMetadata(outputTopic, timeout).Topics.Single();
            if (topic.Error.IsError)
            {
                throw new InvalidOperationException($"Topic {outputTopic}: {topic.Error.Reason}");
            }

            partitionCount = topic.Partitions.Count;
        }

        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"streamiz-output-reader-{Guid.NewGuid():N}", // assign only: never joins or commits
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        }).Build();

        var ends = new Dictionary<int, long>();
        for (var partition = 0; partition < partitionCount; partition++)
        {
            var offsets = consumer.QueryWatermarkOffsets(new TopicPartition(outputTopic, partition), timeout);
            if (offsets.Low > 0)
            {
                throw new InvalidOperationException(
                    $"{outputTopic}[{partition}] starts at offset {offsets.Low.Value}, not 0: the broker dropped its oldest records (the mock keeps ~5 MiB per partition).");
            }

            if (offsets.High > 0)
            {
                ends[partition] = offsets.High.Value;
            }
        }

        var keys = new TimeWindowedSerDes<string>(new StringSerDes(), (long)StreamizAggregation.WindowSize.TotalMilliseconds);
        var values = new PeerVolumeSerDes();
        var latest = new Dictionary<(string, DateTime), PeerWindow>();
        consumer.Assign(ends.Keys.Select(p => new TopicPartitionOffset(outputTopic, p, Offset.Beginning)));
        while (ends.Count > 0)
        {
            var left = deadline - DateTime.UtcNow;
            var result = left > TimeSpan.Zero ? consumer.Consume(left) : null;
            if (result is null)
            {
                throw new TimeoutException($"Reading {outputTopic} did not reach its end within {timeout}; partitions left: {string.Join(',', ends.Keys)}.");
            }

            var partition = result.Partition.Value;
            if (!result.IsPartitionEOF)
            {
                var context = new SerializationContext(MessageComponentType.Key, outputTopic, result.Message.Headers);
                var window = keys.Deserialize(result.Message.Key, context);
                var volume = values.Deserialize(result.Message.Value, context);
                var start = DateTime.UnixEpoch.AddMilliseconds(window.Window.StartMs);
                latest[(window.Key, start)] = new PeerWindow(window.Key, start,
                    volume.Buy.Trades, volume.Buy.Base, volume.Buy.Quote, volume.Sell.Trades, volume.Sell.Base, volume.Sell.Quote);
            }

            if (ends.TryGetValue(partition, out var end) && result.Offset.Value + (result.IsPartitionEOF ? 0 : 1) >= end)
            {
                ends.Remove(partition);
            }
        }

        return latest;
    }
}
