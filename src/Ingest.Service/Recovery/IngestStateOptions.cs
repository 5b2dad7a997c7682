using System.ComponentModel.DataAnnotations;

namespace BitcoinVolume.Ingest.Recovery;

/// <summary>
/// Section <c>Ingest:State</c>: ingest's own durable high-water marks per (venue, product) (<see cref="IngestStateStore"/>),
/// so a restart onto a new development broker — whose `trades` has no tail to recover from — still knows where each stream
/// stopped and backfills the downtime.
/// </summary>
public sealed class IngestStateOptions
{
    /// <summary>
    /// The folder of the marks (one file per venue, <c>&lt;venue&gt;.json</c>; a relative path is taken from the current
    /// folder). Empty (the service's default): no local marks, only the tail of `trades`. The AppHost passes
    /// <c>data/ingest-state</c> at the repository root.
    /// </summary>
    public string? Path { get; set; }

    /// <summary>
    /// How far behind its mark a stream resumes when `trades` holds no record of it (a new development broker): each file
    /// also keeps the mark as it was at least this long before it was written, and that one is used. The trades between the
    /// two were on the old broker's log, but whether the aggregator had read them before everything stopped is unknown, so
    /// they are fetched again from REST (the aggregator counts each trade id once). Zero: resume at the mark itself.
    /// </summary>
    [Range(typeof(TimeSpan), TimeSpanRange.Zero, TimeSpanRange.Max)]
    public TimeSpan Rewind { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the marks are written (and once more when a pipeline stops).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", TimeSpanRange.Max)]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);
}
