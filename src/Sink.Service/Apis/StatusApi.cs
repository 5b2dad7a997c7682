using BitcoinVolume.Sink.Consumer;
using BitcoinVolume.Sink.Infrastructure;
using BitcoinVolume.Sink.Status;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Sink.Apis;

/// <summary><c>GET /api/status</c>: the pipeline's state as the services report it on topic <c>status</c>, and the sink's database.</summary>
public static class StatusApi
{
    public static IEndpointRouteBuilder MapStatusApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api").WithTags("Status").MapGet("/status", GetStatus)
            .WithName("GetStatus")
            .WithSummary("What the pipeline knows about itself: each venue's feed, the aggregator's watermark lag, the sink's database")
            .WithDescription(
                "`venues`: one entry per venue ingest reads, from ingest's last report on topic `status` — `state` is connected, " +
                "connecting, reconnecting, rejected or stopped, with `reason` (machine-readable, e.g. connect_failed, " +
                "subscription_rejected), `detail`, `attempts` (failed connection attempts in a row), `since`, `lastTradeAt`, `openGaps`; " +
                "a report older than Sink:StatusStaleAfterSeconds is `stale` (reason no_report, `reportedState` what it last said). " +
                "`aggregator`: running | blocked | stopped | stale | unknown, `watermarkLagSeconds` (largest over current instances) and " +
                "each instance with its partitions' watermarks. `database`: ok or failing (since, last error, records held, paused). " +
                "`consuming` is false when the sink does not read the topic (Sink:ConsumerEnabled=false).")
            .Produces<PipelineStatus>(StatusCodes.Status200OK, "application/json");
        return app;
    }

    public static Ok<PipelineStatus> GetStatus(StatusBoard board, SinkStatus sink, IVolumeStore store, IOptions<SinkOptions> options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clock);
        return TypedResults.Ok(PipelineStatusView.Build(
            board.Reports, sink, store.Name, TimeSpan.FromSeconds(options.Value.StatusStaleAfterSeconds), board.Consuming, clock.GetUtcNow()));
    }
}
