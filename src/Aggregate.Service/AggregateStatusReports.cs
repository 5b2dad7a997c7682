using BitcoinVolume.Contracts;
using BitcoinVolume.Kafka.Status;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Aggregate;

/// <summary>
/// The aggregator's report on topic <c>status</c> (<see cref="StatusReport"/>, service <c>aggregate</c>, instance =
/// host and state folder, stable across restarts): <c>running</c>, <c>blocked</c> (a partition cannot be processed
/// exactly: reason <c>partition_blocked</c>, detail per partition) or <c>stopped</c>; the owned partitions with their
/// event-time watermarks, the oldest watermark and its lag behind the wall clock (the metric <c>aggregate.watermark.lag</c>).
/// </summary>
public sealed class AggregateStatusReports(AggregateStatus status, IOptions<AggregateOptions> options) : IStatusReportSource
{
    private readonly Lazy<string> instance = new(() =>
        $"{Environment.MachineName}:{Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.Value.StatePath)))}");

    /// <summary>This instance's name in its reports.</summary>
    public string Instance => instance.Value;

    public IReadOnlyList<StatusReport> Current(DateTimeOffset now, bool stopping)
    {
        var blocked = status.BlockedPartitions;
        var partitions = status.Watermarks.Select(p => new PartitionWatermark(p.Partition, p.Watermark, p.Watermark is { } w ? LagSeconds(now, w) : null)).ToList();
        var oldest = partitions.Select(p => p.Watermark).OfType<DateTimeOffset>().DefaultIfEmpty().Min();
        var (state, reason, detail) =
            stopping ? (StatusStates.Stopped, "aggregate_stopped", "the aggregate service stopped")
            : blocked.Count > 0 ? (StatusStates.Blocked, "partition_blocked", string.Join("; ", blocked.Select(b => $"partition {b.Key}: {b.Value}")))
            : (StatusStates.Running, (string?)null, status.State);
        return
        [
            new StatusReport(StatusServices.Aggregate, Instance, state, reason, default, default)
            {
                Detail = detail,
                Partitions = partitions,
                Watermark = oldest == default ? null : oldest,
                WatermarkLagSeconds = oldest == default ? null : LagSeconds(now, oldest),
            },
        ];
    }

    /// <summary>Wall clock minus a watermark, in seconds with millisecond precision (never negative).</summary>
    private static decimal LagSeconds(DateTimeOffset now, DateTimeOffset watermark) =>
        Math.Max(0, (now - watermark).Ticks / TimeSpan.TicksPerMillisecond) / 1000m;
}
