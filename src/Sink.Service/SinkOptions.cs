using System.ComponentModel.DataAnnotations;
using BitcoinVolume.Contracts;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Sink;

/// <summary>Settings of the sink, bound from the <c>Sink</c> configuration section (see README.md).</summary>
public sealed class SinkOptions
{
    public const string Section = "Sink";

    /// <summary>Connection string name of the SQLite or PostgreSQL database (<c>ConnectionStrings:volumes</c>).</summary>
    public const string VolumesConnectionStringName = "volumes";

    /// <summary>Used when <c>ConnectionStrings:volumes</c> is not set.</summary>
    public const string DefaultVolumesConnectionString = "Data Source=data/volumes.db";

    /// <summary>Where the volumes are written: <c>sqlite</c> (default, embedded file), <c>postgres</c> or <c>bigquery</c>.</summary>
    public VolumeStoreKind Store { get; set; } = VolumeStoreKind.Sqlite;

    /// <summary>
    /// The base window (<c>Sink:Window</c>, default <c>1m</c>): the length of the windows on <c>volumes.1m</c> and in the
    /// store, which must equal <c>Aggregate:Window</c> — a whole number of seconds that divides a minute (<c>1s</c> …
    /// <c>30s</c>) or a whole number of minutes that divides a day (<c>1m</c>, <c>5m</c>, … <c>1d</c>), see
    /// <see cref="WindowSpec"/>. Another value stops the service at start with a message naming the setting, the value and
    /// the rule. API intervals are whole multiples of it.
    /// </summary>
    public WindowSpec Window { get; set; } = WindowSpec.Default;

    /// <summary>Runs the Kafka consumer. <c>false</c> serves the API over the existing database only (tests, read replicas).</summary>
    public bool ConsumerEnabled { get; set; } = true;

    /// <summary>Kafka consumer group id.</summary>
    [Required]
    public string GroupId { get; set; } = "sink";

    /// <summary>Most records written in one database transaction.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 5000;

    /// <summary>
    /// Longest time a batch stays open after its first record, in milliseconds. A batch is written earlier as soon as the
    /// consumer has nothing more at once (adaptive batching: no fixed wait at low load) or it is full (<see cref="BatchSize"/>).
    /// </summary>
    [Range(1, 60_000)]
    public int BatchMaxWaitMs { get; set; } = 50;

    /// <summary>Most rows one API query may cover: a query is rejected when (to - from) / interval × 2 sides exceeds it.</summary>
    [Range(2, 10_000_000)]
    public int MaxRows { get; set; } = 50_000;

    /// <summary>
    /// Most stored (base window) rows a rollup may read: a query is rejected when (to - from) / <see cref="Window"/> × 2
    /// sides exceeds it (1,000,000 ≈ 347 days of 1-minute windows). The setting keeps its historical name.
    /// </summary>
    [Range(2, 100_000_000)]
    public int MaxMinuteRows { get; set; } = 1_000_000;

    /// <summary>Seconds between keep-alive comments on an idle <c>/api/volumes/stream</c>.</summary>
    [Range(1, 3600)]
    public int StreamHeartbeatSeconds { get; set; } = 15;

    /// <summary>Updates buffered per stream client; a client that falls further behind gets a <c>resync</c> event instead.</summary>
    [Range(1, 1_000_000)]
    public int StreamClientBuffer { get; set; } = 1000;

    /// <summary>
    /// <c>GET /api/status</c>: a report on topic <c>status</c> published longer ago than this many seconds is stale (its
    /// publisher is gone or cannot reach Kafka) and is shown as <c>stale</c>, never as its last state. The publishers'
    /// heartbeat is 5 s by default (<c>Ingest:Status:Heartbeat</c>, <c>Aggregate:Status:Heartbeat</c>).
    /// </summary>
    [Range(1, 86_400)]
    public int StatusStaleAfterSeconds { get; set; } = 30;

    /// <summary>Retries of a failed batch write, with exponential backoff, before the failure is logged as an error.</summary>
    [Range(0, 100)]
    public int DbRetryAttempts { get; set; } = 5;

    /// <summary>First backoff delay of <see cref="DbRetryAttempts"/>, in milliseconds (doubles each retry, with jitter).</summary>
    [Range(0, 60_000)]
    public int DbRetryDelayMs { get; set; } = 200;

    /// <summary>
    /// After the retries are exhausted the consumer pauses its partitions (it keeps polling Kafka, so it stays in the group)
    /// and tries the same batch again every this many milliseconds until the database is back.
    /// </summary>
    [Range(0, 600_000)]
    public int DbRetryPauseMs { get; set; } = 5000;

    /// <summary>
    /// Extra librdkafka consumer properties (<c>Sink:Kafka:group.protocol = consumer</c>, security settings, ...).
    /// Bootstrap servers, group id, auto commit and offset reset are always set by the sink.
    /// </summary>
    public Dictionary<string, string> Kafka { get; } = new(StringComparer.Ordinal);
}

/// <summary>The database the sink writes to (<c>Sink:Store</c>).</summary>
public enum VolumeStoreKind
{
    /// <summary>Embedded SQLite file (WAL), <c>ConnectionStrings:volumes</c> = <c>Data Source=path</c>.</summary>
    Sqlite,

    /// <summary>PostgreSQL, <c>ConnectionStrings:volumes</c> = an Npgsql connection string.</summary>
    Postgres,

    /// <summary>BigQuery over REST (write-only here), <c>Sink:BigQuery:*</c>.</summary>
    BigQuery,
}

[OptionsValidator]
internal sealed partial class SinkOptionsValidator : IValidateOptions<SinkOptions>;
