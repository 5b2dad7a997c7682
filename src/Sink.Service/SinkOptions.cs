using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Sink;

/// <summary>Settings of the sink, bound from the <c>Sink</c> configuration section (see README.md).</summary>
public sealed class SinkOptions
{
    public const string Section = "Sink";

    /// <summary>Connection string name of the SQLite database (<c>ConnectionStrings:volumes</c>).</summary>
    public const string VolumesConnectionStringName = "volumes";

    /// <summary>Used when <c>ConnectionStrings:volumes</c> is not set.</summary>
    public const string DefaultVolumesConnectionString = "Data Source=data/volumes.db";

    /// <summary>Runs the Kafka consumer. <c>false</c> serves the API over the existing database only (tests, read replicas).</summary>
    public bool ConsumerEnabled { get; set; } = true;

    /// <summary>Kafka consumer group id.</summary>
    [Required]
    public string GroupId { get; set; } = "sink";

    /// <summary>Most records written in one database transaction.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 1000;

    /// <summary>Longest time a batch waits for more records after its first one, in milliseconds.</summary>
    [Range(1, 60_000)]
    public int BatchMaxWaitMs { get; set; } = 200;

    /// <summary>Most rows one API query may cover: a query is rejected when (to - from) / interval × 2 sides exceeds it.</summary>
    [Range(2, 10_000_000)]
    public int MaxRows { get; set; } = 50_000;

    /// <summary>Retries of a failed batch write, with exponential backoff, before the failure is logged as an error.</summary>
    [Range(0, 100)]
    public int DbRetryAttempts { get; set; } = 5;

    /// <summary>First backoff delay of <see cref="DbRetryAttempts"/>, in milliseconds (doubles each retry, with jitter).</summary>
    [Range(0, 60_000)]
    public int DbRetryDelayMs { get; set; } = 200;

    /// <summary>Pause after the retries are exhausted before the same batch is tried again, in milliseconds.</summary>
    [Range(0, 600_000)]
    public int DbRetryPauseMs { get; set; } = 5000;

    /// <summary>
    /// Extra librdkafka consumer properties (<c>Sink:Kafka:group.protocol = consumer</c>, security settings, ...).
    /// Bootstrap servers, group id, auto commit and offset reset are always set by the sink.
    /// </summary>
    public Dictionary<string, string> Kafka { get; } = new(StringComparer.Ordinal);
}

[OptionsValidator]
internal sealed partial class SinkOptionsValidator : IValidateOptions<SinkOptions>;
