using Confluent.Kafka;

namespace BitcoinVolume.Sink.Consumer;

/// <summary>The log messages of <see cref="VolumeBatchWriter"/> (source-generated).</summary>
internal static partial class VolumeBatchWriterLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipping undecodable record {Topic} [{Partition}] @{Offset}: {Reason} ({Detail}). Further records with this reason are counted in sink.records.invalid, not logged.")]
    public static partial void InvalidRecord(this ILogger logger, string topic, int partition, long offset, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Wrote {Rows} rows ({Changed} changed) from {Records} records in {ElapsedMs:F1} ms.")]
    public static partial void BatchWritten(this ILogger logger, int rows, int changed, int records, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing a batch of {Rows} rows failed after {Retries} retries: pausing consumption (the consumer stays in its group) and retrying the same batch every {PauseMs} ms; /health reports Degraded meanwhile.")]
    public static partial void Pausing(this ILogger logger, Exception exception, int rows, int retries, int pauseMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database is still failing ({Error}: {Message}); {Rows} rows held, paused for {PausedSeconds:F0} s, next attempt in {PauseMs} ms.")]
    public static partial void StillFailing(this ILogger logger, string error, string message, int rows, double pausedSeconds, int pauseMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Paused partitions {Partitions}.")]
    public static partial void Paused(this ILogger logger, string partitions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database is writable again after {PausedSeconds:F1} s: batch committed, consumption resumed ({Partitions}).")]
    public static partial void Resumed(this ILogger logger, double pausedSeconds, string partitions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Records} held records within the rebalance/stop budget failed.")]
    public static partial void BoundedWriteFailed(this ILogger logger, Exception exception, int records);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped {Records} uncommitted records of partitions {Partitions} (they are read again by their next owner); {Held} records still held.")]
    public static partial void Dropped(this ILogger logger, int records, string partitions, int held);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Committing offsets failed ({Code}: {Reason}) for {Offsets}; the records will be consumed again (their writes are idempotent).")]
    public static partial void CommitFailed(this ILogger logger, ErrorCode code, string reason, string offsets);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka consume error {Code}: {Reason} ({Repeats} repeats not logged since the last report).")]
    public static partial void ConsumeError(this ILogger logger, ErrorCode code, string reason, int repeats);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Records} consumed records were not written before stopping; their offsets are not committed, so they will be consumed again.")]
    public static partial void RecordsNotWritten(this ILogger logger, int records);
}
