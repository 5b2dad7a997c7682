using System.Diagnostics;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Infrastructure;
using BitcoinVolume.Sink.Live;
using Polly;

namespace BitcoinVolume.Sink.Consumer;

/// <summary>
/// Writes a batch's rows to the <see cref="IVolumeStore"/> in ONE upsert through a resilience pipeline, in a span linked
/// to the aggregator spans that emitted the windows; on success records the metrics (rows, lag), reports the database
/// healthy and publishes the rows to live clients. Failures are thrown to the caller.
/// </summary>
internal sealed class BatchUpserter(
    IVolumeStore store,
    WindowSpec window,
    SinkMetrics metrics,
    SinkStatus health,
    VolumeUpdateHub? updates,
    TimeProvider timeProvider,
    ILogger logger)
{
    public void Write(PendingBatch batch, List<WindowVolume> rows, ResiliencePipeline pipeline, CancellationToken cancellationToken)
    {
        // One span per database batch, linked to the aggregator span that emitted each window value (same trace as the trade).
        using var activity = VolumeBatchWriter.ActivitySource.HasListeners()
            ? VolumeBatchWriter.ActivitySource.StartActivity(
                ActivityKind.Consumer,
                default(ActivityContext),
                [new("messaging.system", "kafka"), new("messaging.destination.name", Topics.Volumes1m), new("bitcoinvolume.rows", rows.Count)],
                batch.Held.Where(h => h.Trace.HasValue).Select(h => new ActivityLink(h.Trace!.Value)).ToList(),
                name: $"{Topics.Volumes1m} upsert")
            : null;
        var started = timeProvider.GetTimestamp();
        var changed = pipeline.Execute(
            static (state, token) => state.Store.UpsertAsync(state.Rows, token).GetAwaiter().GetResult(),
            (Store: store, Rows: rows),
            cancellationToken);
        var elapsed = timeProvider.GetElapsedTime(started);
        var committedAt = timeProvider.GetUtcNow().UtcDateTime;

        metrics.RecordBatchWritten(rows.Count, changed, elapsed);
        foreach (var held in batch.Held)
        {
            var reference = window.EndOf(held.Window.WindowStart).UtcDateTime;
            if (held.Timestamp is { } produced && produced < reference)
            {
                reference = produced;
            }

            metrics.RecordLag(committedAt - reference);
        }

        health.ReportWriteSucceeded();
        updates?.PublishCommitted(rows);
        logger.BatchWritten(rows.Count, changed, batch.Records, elapsed.TotalMilliseconds);
    }
}
