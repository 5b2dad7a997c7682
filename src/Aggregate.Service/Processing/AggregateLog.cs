using BitcoinVolume.Aggregate.State;
using Confluent.Kafka;

namespace BitcoinVolume.Aggregate.Processing;

/// <summary>The aggregator's log messages (source-generated). Tests and tools wait for some of these texts: keep them.</summary>
internal static partial class AggregateLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Aggregator state in {Path} (sync writes: {Sync})")]
    public static partial void StateOpened(this ILogger logger, string path, bool sync);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka producer error: {Reason} (fatal: {Fatal})")]
    public static partial void ProducerError(this ILogger logger, string reason, bool fatal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka consumer error: {Reason} (fatal: {Fatal})")]
    public static partial void ConsumerError(this ILogger logger, string reason, bool fatal);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Kafka consumer settings: {Settings}")]
    public static partial void ConsumerSettings(this ILogger logger, string settings);

    [LoggerMessage(Level = LogLevel.Information, Message = "Assigned partition {Partition}: {How}, resuming at offset {Offset} (log {Low}..{High})")]
    public static partial void Assigned(this ILogger logger, int partition, string how, long offset, long low, long high);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {Partition} continues on a new development broker log: {How}")]
    public static partial void ContinuedOnNewLog(this ILogger logger, int partition, string how);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {Partition} emits its newest {Windows} windows again (at most {PerStream} per stream, Aggregate:ReemitWindowsOnNewLog): what the old broker's volumes.1m held and the sink had not read died with it")]
    public static partial void ReemittingOnNewLog(this ILogger logger, int partition, int windows, int perStream);

    [LoggerMessage(Level = LogLevel.Information, Message = "Input log: {Log}; state built against another log is {Policy}")]
    public static partial void InputLog(this ILogger logger, LogIdentity log, string policy);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Kafka cluster id could not be read ({Reason}): state is checked against the development broker incarnation and the offsets only")]
    public static partial void ClusterIdUnknown(this ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {Partition} {How}; its committed state stays on disk")]
    public static partial void Released(this ILogger logger, int partition, string how);

    [LoggerMessage(Level = LogLevel.Error, Message = "Partition {Partition} of {Topic} is NOT being aggregated: {Reason}. Its volumes would be wrong, so it is paused; /health is unhealthy.")]
    public static partial void Blocked(this ILogger logger, int partition, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Committed state of partitions {Partitions} ({Windows} windows emitted); further commits are logged at Debug")]
    public static partial void FirstCommit(this ILogger logger, string partitions, int windows);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Committed state of partitions {Partitions} ({Windows} windows emitted)")]
    public static partial void Committed(this ILogger logger, string partitions, int windows);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Group offset commit failed: {Reason}")]
    public static partial void GroupCommitFailed(this ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unreadable record on {TopicPartitionOffset}: {Reason} It is dead-lettered; further ones are counted in aggregate.records.bad.")]
    public static partial void UnreadableRecord(this ILogger logger, TopicPartitionOffset topicPartitionOffset, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Checkpoints in {Location} (every {Interval}, newest {Retain} kept per partition): a partition assigned without newer local state is restored from its newest one")]
    public static partial void CheckpointsEnabled(this ILogger logger, string location, TimeSpan interval, int retain);

    [LoggerMessage(Level = LogLevel.Information, Message = "Checkpoints are off (Aggregate:Checkpoints:Path is empty): a partition assigned without local state is rebuilt from the start of the log")]
    public static partial void CheckpointsDisabled(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Checkpoint of partition {Partition} written ({Why}): {Name} in {Location}, next offset {NextOffset}, {Records} records, {Bytes} bytes in {Milliseconds:0} ms; further ones are logged at Debug")]
    public static partial void CheckpointWritten(this ILogger logger, int partition, string why, string name, string location, long nextOffset, int records, long bytes, double milliseconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Checkpoint of partition {Partition} written ({Why}): {Name}, next offset {NextOffset}, {Records} records, {Bytes} bytes in {Milliseconds:0} ms")]
    public static partial void CheckpointWrittenAgain(this ILogger logger, int partition, string why, string name, long nextOffset, int records, long bytes, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {Partition} restored from checkpoint {Name} in {Location}: next offset {NextOffset}, written {AgeSeconds:0.0} s ago")]
    public static partial void CheckpointRestored(this ILogger logger, int partition, string name, string location, long nextOffset, double ageSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkpoint {Name} of partition {Partition} in {Location} is not used: {Reason}. The next older one is tried.")]
    public static partial void CheckpointUnreadable(this ILogger logger, int partition, string name, string location, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkpoint problem: {Reason}. Aggregation goes on; further ones are counted in aggregate.checkpoints.failed.")]
    public static partial void CheckpointProblem(this ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {Partition} caught up with the log at offset {Offset}, {Seconds:0.000} s after it was assigned ({How})")]
    public static partial void CaughtUp(this ILogger logger, int partition, long offset, double seconds, string how);
    [LoggerMessage(Level = LogLevel.Information, Message = "Gap marker {Stream} {Id} ({State}): {Windows} windows re-evaluated; {Reason}")]
    public static partial void GapMarkerApplied(this ILogger logger, string stream, string id, string state, int windows, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Starting {Loops} partition-parallel loops (Aggregate:Loops; {Cores} cores), each with its own consumer in the group and its own producer")]
    public static partial void LoopsStarting(this ILogger logger, int loops, int cores);

    [LoggerMessage(Level = LogLevel.Critical, Message = "An aggregation loop failed; all {Loops} loops stop (their committed state and offsets stay on disk)")]
    public static partial void LoopFailed(this ILogger logger, Exception exception, int loops);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loop {Loop} owns partitions {Partitions}")]
    public static partial void LoopOwns(this ILogger logger, int loop, string partitions);
}
