using System.Diagnostics;
using BitcoinVolume.Sink.Infrastructure;
using BitcoinVolume.Sink.Live;
using Confluent.Kafka;
using Polly;

namespace BitcoinVolume.Sink.Consumer;

/// <summary>
/// The consume → write → commit loop, run on one dedicated thread. Records are gathered into a batch — adaptively: after
/// its first record it takes only what the consumer has at once, and closes as soon as there is nothing more, at
/// <see cref="SinkOptions.BatchSize"/> records, or at the latest <see cref="SinkOptions.BatchMaxWaitMs"/> after the first
/// one — written in ONE transaction, and only after that commit are the Kafka offsets (last + 1 per partition) committed. A crash at any
/// point replays records whose writes are idempotent and version-guarded: nothing is lost or applied twice.
/// <para>
/// Database outages: a write is retried by the resilience pipeline (bounded, exponential backoff). When that fails too,
/// the consumer PAUSES its partitions — it keeps calling <c>Consume</c>, so it stays in the consumer group, but nothing
/// more is fetched — holds the one batch it has, reports itself degraded (<see cref="SinkStatus"/>) and tries the same batch
/// again every <see cref="SinkOptions.DbRetryPauseMs"/>. The first success commits the offsets and resumes consumption,
/// which catches up from where it paused. Memory stays bounded by one batch.
/// </para>
/// <para>Parts: <see cref="BatchReader"/> (records into the batch), <see cref="PendingBatch"/> (what is held),
/// <see cref="ConsumptionPause"/> (paused or not), <see cref="BatchUpserter"/> (the database write); rebalances and
/// stopping are in VolumeBatchWriter.Rebalance.cs, log messages in <see cref="VolumeBatchWriterLog"/>.</para>
/// </summary>
internal sealed partial class VolumeBatchWriter
{
    /// <summary>Spans of the sink (one per database batch).</summary>
    public static readonly ActivitySource ActivitySource = new("BitcoinVolume.Sink");

    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(250);

    private readonly ResiliencePipeline pipeline;
    private readonly SinkOptions options;
    private readonly SinkMetrics metrics;
    private readonly ILogger logger;
    private readonly SinkStatus health;
    private readonly BatchUpserter upserter;
    private readonly PendingBatch batch = new();
    private readonly ConsumptionPause pause;
    private readonly BatchReader reader;

    public VolumeBatchWriter(
        IVolumeStore store,
        ResiliencePipeline pipeline,
        SinkOptions options,
        SinkMetrics metrics,
        ILogger logger,
        TimeProvider? timeProvider = null,
        SinkStatus? health = null,
        VolumeUpdateHub? updates = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.pipeline = pipeline;
        this.options = options;
        this.metrics = metrics;
        this.logger = logger;
        var clock = timeProvider ?? TimeProvider.System;
        this.health = health ?? new SinkStatus(clock);
        upserter = new BatchUpserter(store, options.Window, metrics, this.health, updates, clock, logger);
        pause = new ConsumptionPause(clock, TimeSpan.FromMilliseconds(options.DbRetryPauseMs));
        reader = new BatchReader(batch, options.Window, metrics, clock, logger);
    }

    /// <summary>Records in the current (unwritten) batch.</summary>
    public int PendingRecords => batch.Records;

    /// <summary>True while consumption is paused because the batch cannot be written.</summary>
    public bool IsPaused => pause.IsPaused;

    /// <summary>
    /// Consumes until <paramref name="stoppingToken"/> is cancelled, then writes what it holds (best effort; what cannot be
    /// written is simply not committed and will be consumed again). Blocking: run it on a dedicated thread.
    /// Fatal Kafka errors are thrown (the caller recreates the consumer).
    /// </summary>
    public void Run(IConsumer<Ignore, byte[]> consumer, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        batch.Clear(); // a previous consumer's unwritten batch is consumed again from the committed offsets
        SetRunning();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (pause.IsPaused)
                {
                    StepWhilePaused(consumer, stoppingToken);
                    continue;
                }

                if (batch.Records > 0 && reader.BatchAge >= TimeSpan.FromMilliseconds(options.BatchMaxWaitMs))
                {
                    TryFlush(consumer, stoppingToken);
                    continue;
                }

                // Adaptive batching: wait (idle poll) only for the FIRST record of a batch; after it, take what the
                // consumer has at once and write as soon as it has nothing more (or the batch is full).
                if (reader.Consume(consumer, batch.Records == 0 ? IdlePoll : TimeSpan.Zero, stoppingToken) is { } result)
                {
                    reader.Add(result);
                    if (batch.Records >= options.BatchSize)
                    {
                        TryFlush(consumer, stoppingToken);
                    }
                }
                else if (batch.Records > 0)
                {
                    TryFlush(consumer, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: fall through to the final flush.
        }

        FinalFlush(consumer, commit: true);
        SetRunning();
    }

    /// <summary>Writes the batch through the retry pipeline; on success commits and resumes, on failure pauses. Never throws but for cancellation.</summary>
    private void TryFlush(IConsumer<Ignore, byte[]> consumer, CancellationToken cancellationToken)
    {
        pause.AttemptStarted();
        var rows = batch.Rows();
        if (rows.Count > 0)
        {
            try
            {
                upserter.Write(batch, rows, pipeline, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                metrics.RecordUpsertError();
                health.ReportWriteFailed(e, batch.Records, paused: true);
                if (pause.Pause())
                {
                    logger.Pausing(e, rows.Count, options.DbRetryAttempts, options.DbRetryPauseMs);
                    metrics.RecordPaused(true);
                    PauseAssignment(consumer);
                }
                else
                {
                    logger.StillFailing(e.GetType().Name, e.Message, rows.Count, pause.PausedFor.TotalSeconds, options.DbRetryPauseMs);
                }

                return;
            }
        }

        Commit(consumer);
        batch.Clear();
        Resume(consumer);
    }

    private void Commit(IConsumer<Ignore, byte[]> consumer)
    {
        var offsets = batch.Offsets();
        if (offsets.Count == 0)
        {
            return;
        }

        try
        {
            consumer.Commit(offsets);
            metrics.RecordBatchCommitted();
        }
        catch (KafkaException e)
        {
            // The rows are durable; the records will be consumed again and their writes are no-ops.
            metrics.RecordCommitError();
            logger.CommitFailed(e.Error.Code, e.Error.Reason, string.Join(", ", offsets));
        }
    }
}
