using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Consumer;

namespace BitcoinVolume.Sink.Status;

/// <summary>
/// <c>GET /api/status</c>: what the pipeline knows about itself — each venue ingest reads, the aggregator, the sink's
/// database — when it was generated, and whether the sink reads topic <c>status</c> at all.
/// </summary>
/// <param name="GeneratedAt">The sink's clock when the answer was made.</param>
/// <param name="Venues">Each venue ingest reports on, in the contract's venue order; empty before ingest's first report.</param>
/// <param name="Aggregator">The aggregator instances and their watermark lag.</param>
/// <param name="Database">The sink's database as its consumer last saw it.</param>
/// <param name="Consuming">False when the sink does not read topic <c>status</c> (<c>Sink:ConsumerEnabled=false</c>): nothing is known.</param>
public sealed record PipelineStatus(
    DateTimeOffset GeneratedAt,
    IReadOnlyList<VenuePipelineStatus> Venues,
    AggregatorPipelineStatus Aggregator,
    DatabasePipelineStatus Database,
    bool Consuming);

/// <summary>
/// One venue as ingest last reported it (<see cref="StatusReport"/>). <see cref="State"/> is <c>connected</c>,
/// <c>connecting</c>, <c>reconnecting</c>, <c>rejected</c> or <c>stopped</c> — or <c>stale</c> when the report is older than
/// <c>Sink:StatusStaleAfterSeconds</c> (then <see cref="ReportedState"/> is what it last said, and reason is <c>no_report</c>).
/// </summary>
/// <param name="Venue">Venue id.</param>
/// <param name="State">connected | connecting | reconnecting | rejected | stopped | stale.</param>
/// <param name="Reason">Machine-readable cause, e.g. <c>connect_failed</c>, <c>subscription_rejected</c>; null when connected.</param>
/// <param name="Since">Since when the reported state holds.</param>
/// <param name="LastTradeAt">Event time of the newest trade ingest produced for the venue since it started, or null.</param>
/// <param name="OpenGaps">Trade-id gaps detected and not yet filled.</param>
public sealed record VenuePipelineStatus(string Venue, string State, string? Reason, DateTimeOffset Since, DateTimeOffset? LastTradeAt, int OpenGaps)
{
    /// <summary>Display name (e.g. Coinbase).</summary>
    public required string Name { get; init; }

    /// <summary>Human-readable detail of the reason (the socket error, the venue's refusal, …).</summary>
    public string? Detail { get; init; }

    /// <summary>Failed connection attempts in a row ("retrying (attempt N)").</summary>
    public int Attempts { get; init; }

    /// <summary>The products asked for.</summary>
    public IReadOnlyList<string> Products { get; init; } = [];

    /// <summary>True when the report is older than <c>Sink:StatusStaleAfterSeconds</c>.</summary>
    public bool Stale { get; init; }

    /// <summary>The state the report says (equal to <see cref="State"/> unless stale).</summary>
    public required string ReportedState { get; init; }

    /// <summary>When ingest published the report.</summary>
    public DateTimeOffset PublishedAt { get; init; }
}

/// <summary>
/// The aggregator: <see cref="State"/> is <c>running</c>, <c>blocked</c> (a partition cannot be processed exactly),
/// <c>stopped</c>, <c>stale</c> (no current report) or <c>unknown</c> (never reported); <see cref="WatermarkLagSeconds"/> is
/// the largest lag of the current instances (wall clock minus their oldest partition watermark), null when none has one.
/// </summary>
public sealed record AggregatorPipelineStatus(string State, string? Reason, decimal? WatermarkLagSeconds, IReadOnlyList<AggregatorInstanceStatus> Instances);

/// <summary>One aggregator instance's last report.</summary>
public sealed record AggregatorInstanceStatus(
    string Instance,
    string State,
    string? Reason,
    string? Detail,
    DateTimeOffset Since,
    DateTimeOffset PublishedAt,
    bool Stale,
    DateTimeOffset? Watermark,
    decimal? WatermarkLagSeconds,
    IReadOnlyList<PartitionWatermark> Partitions);

/// <summary>The sink's database: <c>ok</c>, or <c>failing</c> since when, with the last error, records held and whether consumption is paused.</summary>
public sealed record DatabasePipelineStatus(string Store, string State, string? Reason, DateTimeOffset? Since, int HeldRecords, bool Paused);

/// <summary>Makes a <see cref="PipelineStatus"/> from the board and the sink's own status. Pure: the clock is given.</summary>
public static class PipelineStatusView
{
    public const string Stale = "stale";
    public const string Unknown = "unknown";
    public const string NoReport = "no_report";

    public static PipelineStatus Build(IReadOnlyList<StatusReport> reports, SinkStatus sink, string store, TimeSpan staleAfter, bool consuming, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(reports);
        ArgumentNullException.ThrowIfNull(sink);
        bool IsStale(StatusReport r) => r.State != StatusStates.Stopped && now - r.PublishedAt > staleAfter;

        var order = Contracts.Venues.All.Select((v, i) => (v.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
        var venues = reports
            .Where(r => r.Service == StatusServices.Ingest)
            .OrderBy(r => order.GetValueOrDefault(r.Instance, int.MaxValue)).ThenBy(r => r.Instance, StringComparer.Ordinal)
            .Select(r =>
            {
                var stale = IsStale(r);
                return new VenuePipelineStatus(
                    r.Instance, stale ? Stale : r.State, stale ? NoReport : r.Reason, r.Since, r.LastTradeAt, r.OpenGaps)
                {
                    Name = Contracts.Venues.Find(r.Instance)?.Name ?? r.Instance,
                    Detail = stale
                        ? $"no status report from ingest for {(long)(now - r.PublishedAt).TotalSeconds} s (Sink:StatusStaleAfterSeconds = {(long)staleAfter.TotalSeconds}); it last said {r.State}{(r.Reason is null ? "" : ": " + r.Reason)}"
                        : r.Detail,
                    Attempts = r.Attempts,
                    Products = r.Products,
                    Stale = stale,
                    ReportedState = r.State,
                    PublishedAt = r.PublishedAt,
                };
            })
            .ToList();

        var instances = reports
            .Where(r => r.Service == StatusServices.Aggregate)
            .Select(r => new AggregatorInstanceStatus(
                r.Instance, IsStale(r) ? Stale : r.State, IsStale(r) ? NoReport : r.Reason, r.Detail, r.Since, r.PublishedAt, IsStale(r),
                r.Watermark, r.WatermarkLagSeconds, r.Partitions))
            .ToList();
        var current = instances.Where(i => i.State is StatusStates.Running or StatusStates.Blocked).ToList();
        var aggregator = instances.Count == 0
            ? new AggregatorPipelineStatus(Unknown, NoReport, null, instances)
            : new AggregatorPipelineStatus(
                current.Any(i => i.State == StatusStates.Blocked) ? StatusStates.Blocked
                    : current.Count > 0 ? StatusStates.Running
                    : instances.All(i => i.State == StatusStates.Stopped) ? StatusStates.Stopped
                    : Stale,
                current.FirstOrDefault(i => i.Reason is not null)?.Reason ?? (current.Count == 0 ? instances[0].Reason : null),
                current.Select(i => i.WatermarkLagSeconds).OfType<decimal>().DefaultIfEmpty().Max() is var lag && current.Any(i => i.WatermarkLagSeconds is not null) ? lag : null,
                instances);

        var (failingSince, lastError, held, paused) = sink.Snapshot();
        var database = new DatabasePipelineStatus(store, failingSince is null ? "ok" : "failing", lastError, failingSince, held, paused);
        return new PipelineStatus(now, venues, aggregator, database, consuming);
    }
}
