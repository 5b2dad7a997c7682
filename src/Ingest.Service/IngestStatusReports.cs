using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Pipeline;
using BitcoinVolume.Ingest.Venues;
using BitcoinVolume.Kafka.Status;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Ingest;

/// <summary>
/// Ingest's reports on topic <c>status</c> (<see cref="StatusReport"/>, service <c>ingest</c>): one per venue read
/// (instance = venue id), from its <see cref="IngestStatus"/>. In the single-source mode (a named live source, replay,
/// synthetic) the one report is of the source's venue. The state:
/// <list type="bullet">
/// <item><c>stopped</c>: the service is stopping, the source finished or failed for good, or the venue has no adapter (reason says which);</item>
/// <item><c>rejected</c>: the venue refused a product's subscription (reason <c>subscription_rejected</c>, detail: per product the venue's words);</item>
/// <item><c>connected</c>: the feed is connected (a replay or synthetic source: being read);</item>
/// <item><c>reconnecting</c>: a session failed or ended: reason = its cause (<c>connect_failed</c>, <c>stalled</c>, …), <c>attempts</c> = failures in a row;</item>
/// <item><c>connecting</c>: nothing failed yet (starting, recovering high-water marks, first handshake).</item>
/// </list>
/// </summary>
public sealed class IngestStatusReports(IngestStatus service, IngestVenueStatuses venues, VenueRegistry registry, IOptions<IngestOptions> options) : IStatusReportSource
{
    /// <summary>The reason of every report at a clean stop.</summary>
    public const string ServiceStopped = "ingest_stopped";

    /// <summary>The reason of a venue whose subscription was refused.</summary>
    public const string SubscriptionRejected = "subscription_rejected";

    private readonly Lazy<string> singleVenue = new(() =>
    {
        try
        {
            return registry.Resolve(options.Value.Source).Source.Venue.Id;
        }
        catch (ArgumentException)
        {
            return VenueRegistry.RecordedFramesVenue;
        }
    });

    public IReadOnlyList<StatusReport> Current(DateTimeOffset now, bool stopping) =>
        venues.IsMultiVenue
            ? [.. venues.All.Select(v => Report(v.Venue!, v, stopping))]
            : [Report(singleVenue.Value, service, stopping)];

    /// <summary>The report of one venue's status.</summary>
    public static StatusReport Report(string venue, IngestStatus status, bool stopping)
    {
        ArgumentNullException.ThrowIfNull(status);
        var refusals = status.Refusals;
        var (state, reason, detail) =
            stopping ? (StatusStates.Stopped, ServiceStopped, "the ingest service stopped")
            : refusals.Count > 0 ? (StatusStates.Rejected, SubscriptionRejected, string.Join("; ", refusals.Select(r =>
                $"{r.Product}: {r.Reason} (refused {r.Refusals}×{(r.GivenUp ? ", no longer asked for" : ", retrying with backoff")})")))
            : status.Failure is { } failure ? (StatusStates.Stopped, "failed", failure)
            : status.Finished ? (StatusStates.Stopped, "finished", status.State)
            : status.IsUnavailable ? (StatusStates.Stopped, "unavailable", status.State)
            : !status.IsLive ? (StatusStates.Connecting, null, status.State)
            : status.Connected ? (StatusStates.Connected, null, null)
            : status.LastDisconnect is { } cause ? (StatusStates.Reconnecting, cause, status.LastDisconnectDetail)
            : (StatusStates.Connecting, null, status.State);

        // A replay or synthetic source is never "live": it is read from the start, so reading is as good as connected.
        if (state == StatusStates.Connecting && !status.IsLive && status.Frames > 0)
        {
            state = StatusStates.Connected;
        }

        // Reconnecting: since the outage began (not since this instance first looked: the first look may come attempts later).
        var since = state == StatusStates.Reconnecting && status.DisconnectedSince is { } down ? down : default;
        return new StatusReport(StatusServices.Ingest, venue, state, reason, since, default)
        {
            Detail = detail,
            Venue = venue,
            Products = status.Products,
            Attempts = status.Connected ? 0 : status.ConsecutiveFailures,
            Reconnects = status.Reconnects,
            Trades = status.Trades,
            LastTradeAt = status.LastTradeTime,
            OpenGaps = status.OpenGaps,
        };
    }
}
