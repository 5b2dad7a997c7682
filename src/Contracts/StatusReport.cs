using System.Text.Json.Serialization;

namespace BitcoinVolume.Contracts;

/// <summary>
/// What one part of the pipeline reports about itself on <see cref="Topics.Status"/> (compacted; key =
/// <see cref="Key"/>: <c>service|instance</c>), so that the sink can serve the state of the whole pipeline
/// (<c>GET /api/status</c>) without calling into another service. Published when it changes and every heartbeat
/// (<see cref="HeartbeatSeconds"/>): a report whose <see cref="PublishedAt"/> is old is <em>stale</em> (its publisher is
/// gone or cannot reach Kafka), never taken as current. A clean stop publishes <see cref="StatusStates.Stopped"/>.
/// Every field after the constructor's is optional: a record without it reads as its default.
/// </summary>
/// <param name="Service"><see cref="StatusServices.Ingest"/> or <see cref="StatusServices.Aggregate"/>.</param>
/// <param name="Instance">Ingest: the venue id (one report per venue read); aggregate: the instance (host and state folder).</param>
/// <param name="State">
/// Ingest: <see cref="StatusStates.Connected"/>, <see cref="StatusStates.Connecting"/>, <see cref="StatusStates.Reconnecting"/>,
/// <see cref="StatusStates.Rejected"/> or <see cref="StatusStates.Stopped"/>; aggregate: <see cref="StatusStates.Running"/>,
/// <see cref="StatusStates.Blocked"/> or <see cref="StatusStates.Stopped"/>.
/// </param>
/// <param name="Reason">Why, in the publisher's words: a machine-readable cause such as <c>connect_failed</c> or <c>subscription_rejected</c> where there is one; null when all is well.</param>
/// <param name="Since">Since when <paramref name="State"/> holds (the publisher's clock, UTC).</param>
/// <param name="PublishedAt">When this report was published (the publisher's clock, UTC).</param>
public sealed record StatusReport(
    string Service,
    string Instance,
    string State,
    string? Reason,
    DateTimeOffset Since,
    DateTimeOffset PublishedAt)
{
    /// <summary>The separator of <see cref="Key"/>.</summary>
    public const char KeySeparator = '|';

    /// <summary>Human-readable detail of <see cref="Reason"/> (e.g. the socket error), or null.</summary>
    public string? Detail { get; init; }

    /// <summary>Seconds between two reports of this publisher when nothing changes.</summary>
    public int HeartbeatSeconds { get; init; }

    /// <summary>Ingest: the venue id (<see cref="Venues"/>) the report is of.</summary>
    public string? Venue { get; init; }

    /// <summary>Ingest: the products the venue is asked for (canonical ids).</summary>
    public IReadOnlyList<string> Products { get; init; } = [];

    /// <summary>Ingest: failed connection attempts in a row (0 once connected); the page says "retrying (attempt N)".</summary>
    public int Attempts { get; init; }

    /// <summary>Ingest: sessions ended since the service started.</summary>
    public long Reconnects { get; init; }

    /// <summary>Ingest: trades produced since the service started.</summary>
    public long Trades { get; init; }

    /// <summary>Ingest: the event time of the newest trade produced since the service started, or null.</summary>
    public DateTimeOffset? LastTradeAt { get; init; }

    /// <summary>Ingest: trade-id gaps detected and not yet filled.</summary>
    public int OpenGaps { get; init; }

    /// <summary>Aggregate: the oldest event-time watermark of the partitions it owns, or null before the first trade.</summary>
    public DateTimeOffset? Watermark { get; init; }

    /// <summary>Aggregate: wall clock minus <see cref="Watermark"/>, in seconds (milliseconds precision), or null.</summary>
    public decimal? WatermarkLagSeconds { get; init; }

    /// <summary>Aggregate: the partitions of <see cref="Topics.Trades"/> it owns, each with its watermark.</summary>
    public IReadOnlyList<PartitionWatermark> Partitions { get; init; } = [];

    /// <summary>The Kafka key: <c>service|instance</c>.</summary>
    [JsonIgnore]
    public string Key => KeyOf(Service, Instance);

    /// <summary>The Kafka key of (service, instance).</summary>
    public static string KeyOf(string service, string instance) => string.Concat(service, "|", instance);
}

/// <summary>One partition of <see cref="Topics.Trades"/> an aggregator owns, with its watermark (null before its first trade) and lag.</summary>
public sealed record PartitionWatermark(int Partition, DateTimeOffset? Watermark, decimal? LagSeconds);

/// <summary>The <see cref="StatusReport.Service"/> names.</summary>
public static class StatusServices
{
    public const string Ingest = "ingest";
    public const string Aggregate = "aggregate";
}

/// <summary>The <see cref="StatusReport.State"/> values.</summary>
public static class StatusStates
{
    /// <summary>Ingest: the venue's feed is connected (or, for a replay or synthetic source, being read).</summary>
    public const string Connected = "connected";

    /// <summary>Ingest: not connected yet, no attempt has failed (starting, recovering high-water marks, first handshake).</summary>
    public const string Connecting = "connecting";

    /// <summary>Ingest: the connection failed or ended and is retried with backoff (<see cref="StatusReport.Attempts"/>).</summary>
    public const string Reconnecting = "reconnecting";

    /// <summary>Ingest: the venue refused the subscription of a product (reason: the venue's words).</summary>
    public const string Rejected = "rejected";

    /// <summary>Ingest or aggregate: not reading (finished, gave up, no adapter, or the service stopped).</summary>
    public const string Stopped = "stopped";

    /// <summary>Aggregate: consuming and aggregating.</summary>
    public const string Running = "running";

    /// <summary>Aggregate: a partition cannot be processed exactly (see its <c>/health</c>).</summary>
    public const string Blocked = "blocked";
}
