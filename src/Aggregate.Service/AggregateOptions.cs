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
    public int BatchMaxWaitMs { get; set; } = 100;

    /// <summary>Event-time window rules.</summary>
    public WindowingOptions Windowing { get; set; } = new();
}
