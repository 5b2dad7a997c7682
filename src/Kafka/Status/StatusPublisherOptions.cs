using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Kafka.Status;

/// <summary>
/// How a service publishes its <see cref="Contracts.StatusReport"/>s on topic <c>status</c>: section
/// <c>&lt;Service&gt;:Status</c> (<c>Ingest:Status</c>, <c>Aggregate:Status</c>).
/// </summary>
public sealed class StatusPublisherOptions
{
    /// <summary>The subsection of the service's section these options are bound from.</summary>
    public const string Section = "Status";

    /// <summary>Publish at all (default true). Off: the sink shows no status of this service.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Every report is published again this often when nothing changes, so a silent publisher is seen as stale.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the service's state is looked at; a change is published at the next look.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>Source-generated validation of <see cref="StatusPublisherOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class StatusPublisherOptionsValidator : IValidateOptions<StatusPublisherOptions>;
