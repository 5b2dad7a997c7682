using System.Diagnostics;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Infrastructure;
using BitcoinVolume.Sink.Live;
using Confluent.Kafka;
using Polly;

namespace BitcoinVolume.Sink.Consumer;

/// <summary>
/// The consume → write → commit loop, run on one dedicated thread. Records are gathered into a batch (up to
/// <see cref="SinkOptions.BatchSize"/> records or <see cref="SinkOptions.BatchMaxWaitMs"/> after the first one), written in
/// ONE transaction, and only after that commit are the Kafka offsets (last + 1 per partition) committed. A crash at any
/// point replays records whose writes are idempotent and version-guarded: nothing is lost or applied twice.
/// <para>
/// Database outages: a write is retried by the resilience pipeline (bounded, exponential backoff). When that fails too,
/// the consumer PAUSES its partitions — it keeps calling <c>Consume</c>, so it stays in the consumer group, but nothing
/// more is fetched — holds the one batch it has, reports itself degraded (<see cref="SinkHealth"/>) and tries the same batch
/// again every <see cref="SinkOptions.DbRetryPauseMs"/>. The first success commits the offsets and resumes consumption,
/// which catches up from where it paused. Memory stays bounded by one batch.
/// </para>
/// </summary>
internal sealed partial class VolumeBatchWriter
{
    /// <summary>Spans of the sink (one per database batch).</summary>
    public static readonly ActivitySource ActivitySource = new("BitcoinVolume.Sink");

    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan FinalFlushBudget = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PausedAttemptBudget = TimeSpan.FromSeconds(5);

    private readonly IVolumeStore _store;
    private readonly ResiliencePipeline _pipeline;
    private readonly SinkOptions _options;
    private readonly SinkMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly SinkHealth _health;
    private readonly VolumeUpdateHub? _updates;

    // The batch: the newest version of each window, and the next offset to commit per partition (bad records included).
    private readonly Dictionary<WindowKey, Held> _windows = [];
    private readonly Dictionary<TopicPartition, Offset> _nextOffsets = [];
    private readonly Dictionary<TopicPartition, int> _recordsPerPartition = [];
    private readonly HashSet<string> _loggedReasons = new(StringComparer.Ordinal);
    private readonly HashSet<TopicPartition> _pausedPartitions = [];
    private readonly LogThrottle<ErrorCode> _consumeErrors;
    private int _records;
    private long _batchStarted;
    private long _lastAttempt;
    private long _pausedAt;
    private bool _paused;
    private CancellationToken _stopping;

    public VolumeBatchWriter(
        IVolumeStore store,
        ResiliencePipeline pipeline,
        SinkOptions options,
        SinkMetrics metrics,
        ILogger logger,
        TimeProvider? timeProvider = null,
        SinkHealth? health = null,
        VolumeUpdateHub? updates = null)
    {
        _store = store;
        _pipeline = pipeline;
        _options = options;
        _metrics = metrics;
        _logger = logger;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _health = health ?? new SinkHealth(_timeProvider);
        _updates = updates;
        _consumeErrors = new LogThrottle<ErrorCode>(TimeSpan.FromSeconds(30), _timeProvider);
    }

    /// <summary>Records in the current (unwritten) batch.</summary>
    public int PendingRecords => _records;

    /// <summary>True while consumption is paused because the batch cannot be written.</summary>
    public bool IsPaused => _paused;

    /// <summary>
    /// Consumes until <paramref name="stoppingToken"/> is cancelled, then writes what it holds (best effort; what cannot be
    /// written is simply not committed and will be consumed again). Blocking: run it on a dedicated thread.
    /// Fatal Kafka errors are thrown (the caller recreates the consumer).
    /// </summary>
    public void Run(IConsumer<Ignore, byte[]> consumer, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        _stopping = stoppingToken;
        Reset(); // a previous consumer's unwritten batch is consumed again from the committed offsets
        SetPaused(false);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (_paused)
                {
                    StepWhilePaused(consumer, stoppingToken);
                    continue;
                }

                var wait = _records == 0 ? IdlePoll : TimeSpan.FromMilliseconds(_options.BatchMaxWaitMs) - _timeProvider.GetElapsedTime(_batchStarted);
                if (wait <= TimeSpan.Zero)
                {
                    TryFlush(consumer, stoppingToken);
                    continue;
                }

                if (Consume(consumer, wait, stoppingToken) is { } result)
                {
                    Add(result);
                    if (_records >= _options.BatchSize)
                    {
                        TryFlush(consumer, stoppingToken);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: fall through to the final flush.
        }

        FinalFlush(consumer, commit: true);
        SetPaused(false);
    }

    /// <summary>
    /// Partitions are being revoked (rebalance or close): write and commit what was read, bounded in time. When the
    /// database cannot be written, the records of the revoked partitions are dropped uncommitted (their next owner reads
    /// them again) and those of the partitions kept stay in the batch.
    /// </summary>
    public void OnPartitionsRevoked(IConsumer<Ignore, byte[]> consumer, IReadOnlyCollection<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        _pausedPartitions.ExceptWith(partitions);
        if (_records == 0 || TryWriteBounded(consumer, commit: true))
        {
            return;
        }

        Drop(partitions);
    }

    /// <summary>Partitions were lost (another member may own them already): write what was read, commit nothing.</summary>
    public void OnPartitionsLost(IConsumer<Ignore, byte[]> consumer, IReadOnlyCollection<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        _pausedPartitions.ExceptWith(partitions);
        if (_records == 0 || TryWriteBounded(consumer, commit: false))
        {
            return;
        }

        Drop(partitions);
    }

    private ConsumeResult<Ignore, byte[]>? Consume(IConsumer<Ignore, byte[]> consumer, TimeSpan wait, CancellationToken stoppingToken)
    {
        try
        {
            var result = consumer.Consume(wait);
            return result is null || result.IsPartitionEOF ? null : result;
        }
        catch (ConsumeException e) when (!e.Error.IsFatal)
        {
            if (_consumeErrors.ShouldLog(e.Error.Code, out var repeats))
            {
                LogConsumeError(e.Error.Code, e.Error.Reason, repeats);
            }

            stoppingToken.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(100));
            return null;
        }
    }

    /// <summary>One turn of the paused loop: keep polling (group membership), pause new partitions, retry the batch when due.</summary>
    private void StepWhilePaused(IConsumer<Ignore, byte[]> consumer, CancellationToken stoppingToken)
    {
        if (_records == 0)
        {
            // Everything held was dropped with revoked partitions: the next batch probes the database again.
            Resume(consumer);
            return;
        }

        PauseAssignment(consumer);
        var untilAttempt = TimeSpan.FromMilliseconds(_options.DbRetryPauseMs) - _timeProvider.GetElapsedTime(_lastAttempt);
        if (untilAttempt <= TimeSpan.Zero)
        {
            TryFlush(consumer, stoppingToken);
            return;
        }

        // Paused partitions return nothing; a record fetched before the pause took effect joins the held batch.
        if (Consume(consumer, untilAttempt < IdlePoll ? untilAttempt : IdlePoll, stoppingToken) is { } result)
        {
            Add(result);
        }
    }

    private void Add(ConsumeResult<Ignore, byte[]> result)
    {
        if (_records == 0)
        {
            _batchStarted = _timeProvider.GetTimestamp();
        }

        _records++;
        _recordsPerPartition[result.TopicPartition] = _recordsPerPartition.GetValueOrDefault(result.TopicPartition) + 1;
        _metrics.RecordConsumed();
        var next = result.Offset.Value + 1;
        if (!_nextOffsets.TryGetValue(result.TopicPartition, out var current) || current.Value < next)
        {
            _nextOffsets[result.TopicPartition] = new Offset(next);
        }

        if (!WindowRecordDecoder.TryDecode(result.Message?.Value, result.Topic, out var window, out var reason, out var detail))
        {
            _metrics.RecordInvalid(reason);
            if (_loggedReasons.Add(reason))
            {
                LogInvalidRecord(result.Topic, result.Partition.Value, result.Offset.Value, reason, detail);
            }

            return;
        }

        var key = new WindowKey(window!.Product, window.Side, window.WindowStart);
        if (!_windows.TryGetValue(key, out var held) || held.Window.Version < window.Version)
        {
            var timestamp = result.Message?.Timestamp is { Type: not TimestampType.NotAvailable } t ? t.UtcDateTime : (DateTime?)null;
            var trace = ActivitySource.HasListeners() ? KafkaTracing.Extract(result.Message?.Headers) : null;
            _windows[key] = new Held(window, result.TopicPartition, timestamp, trace);
        }
    }

    /// <summary>Writes the batch through the retry pipeline; on success commits and resumes, on failure pauses. Never throws but for cancellation.</summary>
    private void TryFlush(IConsumer<Ignore, byte[]> consumer, CancellationToken cancellationToken)
    {
        _lastAttempt = _timeProvider.GetTimestamp();
        var rows = Rows();
        if (rows.Count > 0)
        {
            try
            {
                Write(rows, _pipeline, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _metrics.RecordUpsertError();
                _health.ReportWriteFailed(e, _records, paused: true);
                if (!_paused)
                {
                    LogPausing(e, rows.Count, _options.DbRetryAttempts, _options.DbRetryPauseMs);
                    _pausedAt = _timeProvider.GetTimestamp();
                    SetPaused(true);
                    PauseAssignment(consumer);
                }
                else
                {
                    LogStillFailing(e.GetType().Name, e.Message, rows.Count, _timeProvider.GetElapsedTime(_pausedAt).TotalSeconds, _options.DbRetryPauseMs);
                }

                return;
            }
        }

        Commit(consumer);
        Reset();
        Resume(consumer);
    }

    /// <summary>Best effort, bounded in time (rebalance callbacks, stopping). Never throws. False when the batch was not written.</summary>
    private bool TryWriteBounded(IConsumer<Ignore, byte[]> consumer, bool commit)
    {
        // While paused the database is known to be failing: one quick attempt instead of a round of retries.
        using var budget = new CancellationTokenSource(_paused ? PausedAttemptBudget : FinalFlushBudget);
        try
        {
            var rows = Rows();
            if (rows.Count > 0)
            {
                Write(rows, _paused ? ResiliencePipeline.Empty : _pipeline, budget.Token);
            }

            if (commit)
            {
                Commit(consumer);
            }

            Reset();
            return true;
        }
        catch (Exception e)
        {
            _metrics.RecordUpsertError();
            _health.ReportWriteFailed(e, _records, _paused);
            LogBoundedWriteFailed(e, _records);
            return false;
        }
    }

    private void FinalFlush(IConsumer<Ignore, byte[]> consumer, bool commit)
    {
        if (_records > 0 && !TryWriteBounded(consumer, commit))
        {
            LogRecordsNotWritten(_records);
            Reset();
        }
    }

    private List<WindowVolume> Rows() =>
        _windows.Values.Select(h => h.Window)
            .OrderBy(w => w.Product, StringComparer.Ordinal)
            .ThenBy(w => w.Side)
            .ThenBy(w => w.WindowStart)
            .ToList();

    private void Write(List<WindowVolume> rows, ResiliencePipeline pipeline, CancellationToken cancellationToken)
    {
        // One span per database batch, linked to the aggregator span that emitted each window value (same trace as the trade).
        using var activity = ActivitySource.HasListeners()
            ? ActivitySource.StartActivity(
                ActivityKind.Consumer,
                default(ActivityContext),
                [new("messaging.system", "kafka"), new("messaging.destination.name", Topics.Volumes1m), new("bitcoinvolume.rows", rows.Count)],
                _windows.Values.Where(h => h.Trace.HasValue).Select(h => new ActivityLink(h.Trace!.Value)).ToList(),
                name: $"{Topics.Volumes1m} upsert")
            : null;
        var started = _timeProvider.GetTimestamp();
        var changed = pipeline.Execute(
            static (state, token) => state.Store.UpsertAsync(state.Rows, token).GetAwaiter().GetResult(),
            (Store: _store, Rows: rows),
            cancellationToken);
        var elapsed = _timeProvider.GetElapsedTime(started);
        var committedAt = _timeProvider.GetUtcNow().UtcDateTime;

        _metrics.RecordBatchWritten(rows.Count, changed, elapsed);
        foreach (var held in _windows.Values)
        {
            var reference = held.Window.WindowEnd.UtcDateTime;
            if (held.Timestamp is { } produced && produced < reference)
            {
                reference = produced;
            }

            _metrics.RecordLag(committedAt - reference);
        }

        _health.ReportWriteSucceeded();
        _updates?.Publish(rows);
        LogBatchWritten(rows.Count, changed, _records, elapsed.TotalMilliseconds);
    }

    private void Commit(IConsumer<Ignore, byte[]> consumer)
    {
        if (_nextOffsets.Count == 0)
        {
            return;
        }

        var offsets = _nextOffsets.Select(kv => new TopicPartitionOffset(kv.Key, kv.Value)).ToList();
        try
        {
            consumer.Commit(offsets);
            _metrics.RecordBatchCommitted();
        }
        catch (KafkaException e)
        {
            // The rows are durable; the records will be consumed again and their writes are no-ops.
            _metrics.RecordCommitError();
            LogCommitFailed(e.Error.Code, e.Error.Reason, string.Join(", ", offsets));
        }
    }

    private void PauseAssignment(IConsumer<Ignore, byte[]> consumer)
    {
        var fresh = consumer.Assignment.Where(p => !_pausedPartitions.Contains(p)).ToList();
        if (fresh.Count == 0)
        {
            return;
        }

        consumer.Pause(fresh);
        _pausedPartitions.UnionWith(fresh);
        LogPaused(string.Join(", ", fresh));
    }

    private void Resume(IConsumer<Ignore, byte[]> consumer)
    {
        if (!_paused)
        {
            return;
        }

        var assigned = consumer.Assignment;
        if (assigned.Count > 0)
        {
            consumer.Resume(assigned);
        }

        _pausedPartitions.Clear();
        SetPaused(false);
        LogResumed(_timeProvider.GetElapsedTime(_pausedAt).TotalSeconds, string.Join(", ", assigned));
    }

    private void SetPaused(bool paused)
    {
        if (_paused != paused)
        {
            _paused = paused;
            _metrics.RecordPaused(paused);
        }

        if (!paused)
        {
            _pausedPartitions.Clear();
        }
    }

    /// <summary>Forgets what was read from <paramref name="partitions"/> (uncommitted: whoever owns them next reads them again).</summary>
    private void Drop(IReadOnlyCollection<TopicPartition> partitions)
    {
        var dropped = 0;
        foreach (var partition in partitions)
        {
            dropped += _recordsPerPartition.GetValueOrDefault(partition);
            _recordsPerPartition.Remove(partition);
            _nextOffsets.Remove(partition);
        }

        foreach (var key in _windows.Where(kv => partitions.Contains(kv.Value.Partition)).Select(kv => kv.Key).ToList())
        {
            _windows.Remove(key);
        }

        _records -= dropped;
        LogDropped(dropped, string.Join(", ", partitions), _records);
        if (_records <= 0)
        {
            Reset();
        }
    }

    private void Reset()
    {
        _windows.Clear();
        _nextOffsets.Clear();
        _recordsPerPartition.Clear();
        _records = 0;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipping undecodable record {Topic} [{Partition}] @{Offset}: {Reason} ({Detail}). Further records with this reason are counted in sink.records.invalid, not logged.")]
    private partial void LogInvalidRecord(string topic, int partition, long offset, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Wrote {Rows} rows ({Changed} changed) from {Records} records in {ElapsedMs:F1} ms.")]
    private partial void LogBatchWritten(int rows, int changed, int records, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing a batch of {Rows} rows failed after {Retries} retries: pausing consumption (the consumer stays in its group) and retrying the same batch every {PauseMs} ms; /health reports Degraded meanwhile.")]
    private partial void LogPausing(Exception exception, int rows, int retries, int pauseMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database is still failing ({Error}: {Message}); {Rows} rows held, paused for {PausedSeconds:F0} s, next attempt in {PauseMs} ms.")]
    private partial void LogStillFailing(string error, string message, int rows, double pausedSeconds, int pauseMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Paused partitions {Partitions}.")]
    private partial void LogPaused(string partitions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database is writable again after {PausedSeconds:F1} s: batch committed, consumption resumed ({Partitions}).")]
    private partial void LogResumed(double pausedSeconds, string partitions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Records} held records within the rebalance/stop budget failed.")]
    private partial void LogBoundedWriteFailed(Exception exception, int records);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped {Records} uncommitted records of partitions {Partitions} (they are read again by their next owner); {Held} records still held.")]
    private partial void LogDropped(int records, string partitions, int held);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Committing offsets failed ({Code}: {Reason}) for {Offsets}; the records will be consumed again (their writes are idempotent).")]
    private partial void LogCommitFailed(ErrorCode code, string reason, string offsets);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka consume error {Code}: {Reason} ({Repeats} repeats not logged since the last report).")]
    private partial void LogConsumeError(ErrorCode code, string reason, int repeats);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Records} consumed records were not written before stopping; their offsets are not committed, so they will be consumed again.")]
    private partial void LogRecordsNotWritten(int records);

    private readonly record struct WindowKey(string Product, TakerSide Side, DateTimeOffset WindowStart);

    private readonly record struct Held(WindowVolume Window, TopicPartition Partition, DateTime? Timestamp, ActivityContext? Trace);
}
