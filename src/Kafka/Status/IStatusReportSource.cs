using BitcoinVolume.Contracts;

namespace BitcoinVolume.Kafka.Status;

/// <summary>What a service reports about itself; <see cref="StatusPublisher"/> publishes it.</summary>
public interface IStatusReportSource
{
    /// <summary>
    /// The reports of now, one per instance (<see cref="StatusReport.Key"/>). <see cref="StatusReport.Since"/>,
    /// <see cref="StatusReport.PublishedAt"/> and <see cref="StatusReport.HeartbeatSeconds"/> are set by the publisher.
    /// With <paramref name="stopping"/> the service is stopping: the last reports it will publish.
    /// </summary>
    IReadOnlyList<StatusReport> Current(DateTimeOffset now, bool stopping);
}
