using System.Diagnostics;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Infrastructure;
using Confluent.Kafka;
using Polly;

namespace BitcoinVolume.Sink.Consumer;

/// <summary>
/// The consume → write → commit loop, run on one dedicated thread. Records are gathered into a batch (up to
/// <see cref="SinkOptions.BatchSize"/> records or <see cref="SinkOptions.BatchMaxWaitMs"/> after the first one), written in
/// ONE transaction, and only after that commit are the Kafka offsets (last + 1 per partition) committed. A crash at any
/// point replays records whose writes are idempotent and version-guarded: nothing is lost or applied twice.
/// </summary>
internal sealed partial class VolumeBatchWriter
{
    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan FinalFlushBudget = TimeSpan.FromSeconds(10);

    private readonly IVolumeStore _store;
    private readonly ResiliencePipeline _pipeline;
    private readonly SinkOptions _options;
    private readonly SinkMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;

    // The batch: the newest version of each window, and the next offset to commit per partition (bad records included).
    private readonly Dictionary<WindowKey, WindowVolume> _windows = [];
    private readonly Dictionary<TopicPartition, Offset> _nextOffsets = [];
    private readonly HashSet<string> _loggedReasons = new(StringComparer.Ordinal);
    private readonly LogThrottle<ErrorCode> _consumeErrors;
    private int _records;
    private long _batchStarted;
    private CancellationToken _stopping;

    public VolumeBatchWriter(
        IVolumeStore store, ResiliencePipeline pipeline, SinkOptions options, SinkMetrics metrics, ILogger logger, TimeProvider? timeProvider = null)
    {
        _store = store;
        _pipeline = pipeline;
        _options = options;
        _metrics = metrics;
        _logger = logger;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _consumeErrors = new LogThrottle<ErrorCode>(TimeSpan.FromSeconds(30), _timeProvider);
    }

    /// <summary>Records in the current (unwritten) batch.</summary>
    public int PendingRecords => _records;

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
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var wait = _records == 0 ? IdlePoll : TimeSpan.FromMilliseconds(_options.BatchMaxWaitMs) - _timeProvider.GetElapsedTime(_batchStarted);
                if (wait <= TimeSpan.Zero)
                {
                    Flush(consumer, commit: true, retryUntilWritten: true, stoppingToken);
                    continue;
                }

                ConsumeResult<Ignore, byte[]>? result;
                try
                {
                    result = consumer.Consume(wait);
                }
                catch (ConsumeException e) when (!e.Error.IsFatal)
                {
                    if (_consumeErrors.ShouldLog(e.Error.Code, out var repeats))
                    {
                        LogConsumeError(e.Error.Code, e.Error.Reason, repeats);
                    }

                    stoppingToken.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(100));
                    continue;
                }

                if (result is null || result.IsPartitionEOF)
                {
                    continue;
                }

                Add(result);
                if (_records >= _options.BatchSize)
                {
                    Flush(consumer, commit: true, retryUntilWritten: true, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: fall through to the final flush.
        }

        FinalFlush(consumer, commit: true);
    }

    /// <summary>Partitions are being revoked (rebalance or close): write and commit what was read from them first.</summary>
    public void OnPartitionsRevoked(IConsumer<Ignore, byte[]> consumer)
    {
        if (_stopping.IsCancellationRequested)
        {
            FinalFlush(consumer, commit: true);
            return;
        }

        try
        {
            Flush(consumer, commit: true, retryUntilWritten: true, _stopping);
        }
        catch (OperationCanceledException)
        {
            FinalFlush(consumer, commit: true);
        }
    }

    /// <summary>Partitions were lost (another member may own them already): write what was read, commit nothing.</summary>
    public void OnPartitionsLost(IConsumer<Ignore, byte[]> consumer) => FinalFlush(consumer, commit: false);

    private void Add(ConsumeResult<Ignore, byte[]> result)
    {
        if (_records == 0)
        {
            _batchStarted = _timeProvider.GetTimestamp();
        }

        _records++;
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
        if (!_windows.TryGetValue(key, out var held) || held.Version < window.Version)
        {
            _windows[key] = window;
        }
    }

    /// <summary>Best effort, bounded in time: used when stopping or when partitions are lost. Never throws.</summary>
    private void FinalFlush(IConsumer<Ignore, byte[]> consumer, bool commit)
    {
        if (_records == 0)
        {
            return;
        }

        using var budget = new CancellationTokenSource(FinalFlushBudget);
        try
        {
            Flush(consumer, commit, retryUntilWritten: false, budget.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or SinkWriteException)
        {
            LogRecordsNotWritten(e, _records);
            Reset();
        }
    }

    private void Flush(IConsumer<Ignore, byte[]> consumer, bool commit, bool retryUntilWritten, CancellationToken cancellationToken)
    {
        if (_records == 0)
        {
            return;
        }

        // Sorted by primary key: the inserts walk the B-tree in order.
        var rows = _windows.Values
            .OrderBy(w => w.Product, StringComparer.Ordinal)
            .ThenBy(w => w.Side)
            .ThenBy(w => w.WindowStart)
            .ToList();
        if (rows.Count > 0)
        {
            Write(rows, retryUntilWritten, cancellationToken);
        }

        if (commit)
        {
            Commit(consumer);
        }

        Reset();
    }

    private void Write(List<WindowVolume> rows, bool retryUntilWritten, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var started = _timeProvider.GetTimestamp();
            try
            {
                var changed = _pipeline.Execute(
                    static (state, token) => state.Store.UpsertAsync(state.Rows, token).GetAwaiter().GetResult(),
                    (Store: _store, Rows: rows),
                    cancellationToken);
                var elapsed = _timeProvider.GetElapsedTime(started);
                _metrics.RecordBatchWritten(rows.Count, changed, elapsed);
                LogBatchWritten(rows.Count, changed, _records, elapsed.TotalMilliseconds);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _metrics.RecordUpsertError();
                if (!retryUntilWritten)
                {
                    throw new SinkWriteException(e);
                }

                var pause = TimeSpan.FromMilliseconds(_options.DbRetryPauseMs);
                LogWriteFailed(e, rows.Count, _options.DbRetryAttempts, pause.TotalMilliseconds);
                if (pause > TimeSpan.Zero)
                {
                    cancellationToken.WaitHandle.WaitOne(pause);
                }
            }
        }
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

    private void Reset()
    {
        _windows.Clear();
        _nextOffsets.Clear();
        _records = 0;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipping undecodable record {Topic} [{Partition}] @{Offset}: {Reason} ({Detail}). Further records with this reason are counted in sink.records.invalid, not logged.")]
    private partial void LogInvalidRecord(string topic, int partition, long offset, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Wrote {Rows} rows ({Changed} changed) from {Records} records in {ElapsedMs:F1} ms.")]
    private partial void LogBatchWritten(int rows, int changed, int records, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing a batch of {Rows} rows failed after {Retries} retries; retrying the same batch in {PauseMs} ms (nothing more is consumed meanwhile).")]
    private partial void LogWriteFailed(Exception exception, int rows, int retries, double pauseMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Committing offsets failed ({Code}: {Reason}) for {Offsets}; the records will be consumed again (their writes are idempotent).")]
    private partial void LogCommitFailed(ErrorCode code, string reason, string offsets);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka consume error {Code}: {Reason} ({Repeats} repeats not logged since the last report).")]
    private partial void LogConsumeError(ErrorCode code, string reason, int repeats);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Records} consumed records were not written before stopping; their offsets are not committed, so they will be consumed again.")]
    private partial void LogRecordsNotWritten(Exception exception, int records);

    private readonly record struct WindowKey(string Product, TakerSide Side, DateTimeOffset WindowStart);

    private sealed class SinkWriteException(Exception inner) : Exception("Writing the batch failed.", inner);
}
