using BitcoinVolume.Ingest;
using BitcoinVolume.Ingest.Pipeline;
using BitcoinVolume.Ingest.Producing;

namespace Microsoft.AspNetCore.Builder;

public static class IngestApi
{
    /// <summary><c>GET /api/ingest/status</c>: what the worker is doing, its counters, and whether a finite source has finished.</summary>
    public static IEndpointRouteBuilder MapIngestApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/ingest/status", (IngestStatus status, IngestVenueStatuses venues, TradePublisher publisher) => TypedResults.Ok(new IngestStatusResponse(
            status.State, status.Finished, status.Failure, status.Connected, status.Reconnects, status.LastDisconnect, status.Frames, status.Trades,
            status.Duplicates, status.DeadLettered, status.GapsDetected, status.OpenGaps, status.Backfilled, status.UnfilledGaps,
            publisher.QueueDepth, publisher.Delivered, publisher.DeliveryErrors)
        {
            Refusals = status.Refusals,
            UnknownFrames = status.UnknownFrames,
            SequenceGaps = status.SequenceGaps,
            Resumed = status.Resumes,
            Venues = [.. venues.All.Select(v => new IngestVenueStatusResponse(
                v.Venue!, v.State, v.Products, v.Connected, v.Trades, v.Reconnects, v.OpenGaps, v.LastTradeTime, v.Failure, v.LastDisconnect)
            {
                Refusals = v.Refusals,
            })],
        }));
        return app;
    }
}

/// <summary>The ingest status: state, source connection, cumulative counters and the producer's queue.</summary>
public sealed record IngestStatusResponse(
    string State,
    bool Finished,
    string? Failure,
    bool Connected,
    long Reconnects,
    string? LastDisconnect,
    long Frames,
    long Trades,
    long Duplicates,
    long DeadLettered,
    long GapsDetected,
    int OpenGaps,
    long Backfilled,
    long UnfilledGaps,
    long ProducerQueueDepth,
    long Delivered,
    long DeliveryErrors)
{
    /// <summary>Frames of a named type the adapters do not know: ignored and counted, never dead-lettered.</summary>
    public long UnknownFrames { get; init; }

    /// <summary>Per-connection sequence numbers the feed skipped (Advanced Trade <c>sequence_num</c>); each ended its connection.</summary>
    public long SequenceGaps { get; init; }

    /// <summary>How each stream resumed at start (restart recovery): its high-water mark, from the local marks or the tail of trades, and whether the downtime is backfilled.</summary>
    public IReadOnlyList<StreamResume> Resumed { get; init; } = [];

    /// <summary>Per venue, in the multi-venue mode (<c>Ingest:Source</c> unset or <c>live</c>); empty otherwise.</summary>
    public IReadOnlyList<IngestVenueStatusResponse> Venues { get; init; } = [];

    /// <summary>Products whose subscription the venue of a single live source refused (per venue in <see cref="Venues"/>).</summary>
    public IReadOnlyList<SubscriptionRefusal> Refusals { get; init; } = [];
}

/// <summary>One venue's pipeline: state (<c>reading …</c>, <c>unavailable: no adapter</c>, <c>failed: …</c>), products and counters.</summary>
public sealed record IngestVenueStatusResponse(
    string Venue,
    string State,
    IReadOnlyList<string> Products,
    bool Connected,
    long Trades,
    long Reconnects,
    int OpenGaps,
    DateTimeOffset? LastTradeTime,
    string? Failure,
    string? LastDisconnect)
{
    /// <summary>Products whose subscription the venue refused and that have not traded since (given up: no longer asked for).</summary>
    public IReadOnlyList<SubscriptionRefusal> Refusals { get; init; } = [];
}

[System.Text.Json.Serialization.JsonSerializable(typeof(IngestStatusResponse))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
public sealed partial class IngestApiJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
