using BitcoinVolume.Aggregate.Windowing;

namespace BitcoinVolume.Aggregate;

/// <summary>Settings of section <c>Aggregate</c>.</summary>
public sealed class AggregateOptions
{
    public const string Section = "Aggregate";

    /// <summary>Consumer group of the aggregator instances (they share the partitions of <c>trades</c>).</summary>
    public string GroupId { get; set; } = "aggregate";

    /// <summary>At most this many records are processed per batch (one output flush per batch).</summary>
    public int BatchSize { get; set; } = 5000;

    /// <summary>A batch closes after this long even when smaller.</summary>
    public int BatchMaxWaitMs { get; set; } = 50;

    /// <summary>Folder of this instance's RocksDB state. Every running instance needs its own.</summary>
    public string StatePath { get; set; } = "data/aggregate-state";

    /// <summary>fsync every state commit (survives machine crashes, not only process crashes).</summary>
    public bool SyncStateWrites { get; set; } = true;

    /// <summary>
    /// A partition whose newest trade is at most this far behind the wall clock is "live": while it is idle its
    /// watermark follows the wall clock, so windows become final within grace + a second even when trading stops.
    /// Older data (a replay) is never judged by the wall clock.
    /// </summary>
    public TimeSpan LiveThreshold { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Extra librdkafka consumer settings, e.g. <c>group.protocol</c> = <c>consumer</c>.</summary>
    public Dictionary<string, string> Kafka { get; set; } = [];

    /// <summary>Event-time window rules.</summary>
    public WindowingOptions Windowing { get; set; } = new();
}
