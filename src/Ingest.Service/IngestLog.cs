using BitcoinVolume.Ingest.Gaps;
using Confluent.Kafka;

namespace BitcoinVolume.Ingest;

/// <summary>
/// Ingest's log messages (source-generated), one block of event ids per folder: 1xx the worker, 2xx the live websocket
/// source, 3xx the frame pipeline, 4xx gaps, 5xx backfill, 6xx the Kafka producer, 7xx recording, 8xx restart recovery,
/// 9xx the other sources. Event ids are stable: add new ones, never renumber. Tests and tools wait for some of these
/// texts (e.g. the chaos run for "Recovered high-water marks"): keep them.
/// </summary>
internal static partial class IngestLog
{
    // 1xx: IngestWorker.
    [LoggerMessage(101, LogLevel.Critical, "Ingest:Record:Path {Path} is not usable")]
    public static partial void RecordPathNotUsable(this ILogger logger, Exception exception, string? path);

    [LoggerMessage(102, LogLevel.Information, "Ingest reading {Source}; products: {Products}; gaps: {Mode}; recording: {Record}")]
    public static partial void Reading(this ILogger logger, string source, string products, GapMode mode, string record);

    [LoggerMessage(103, LogLevel.Critical, "Ingest source {Source} failed: {Error}")]
    public static partial void SourceFailed(this ILogger logger, Exception exception, string source, string error);

    [LoggerMessage(104, LogLevel.Information,
        "{Source} finished in {Elapsed:F1} s: {Frames} frames, {Trades} trades produced, {Duplicates} duplicates dropped, {Ignored} non-trade frames skipped, " +
        "{Invalid} invalid frames dead-lettered, {Filtered} trades of other products left out; Kafka acknowledged {Delivered}, failed {Failed}")]
    public static partial void SourceFinished(this ILogger logger, string source, double elapsed, long frames, long trades, long duplicates, long ignored,
        long invalid, long filtered, long delivered, long failed);

    [LoggerMessage(105, LogLevel.Information,
        "Recovered high-water marks for {Products} products from trades ({Records} records of {Partitions} partitions in {Elapsed:F0} ms{Incomplete}); {Holes} gaps reopened; {Marks}")]
    public static partial void Recovered(this ILogger logger, int products, long records, int partitions, double elapsed, string incomplete, int holes, string marks);

    [LoggerMessage(106, LogLevel.Warning, "Recovery of high-water marks from trades failed ({Error}); trades missed while ingest was down will not be backfilled")]
    public static partial void RecoveryFailed(this ILogger logger, Exception exception, string error);

    [LoggerMessage(107, LogLevel.Information, "Ingest reading {Count} venues live: {Venues}")]
    public static partial void ReadingVenues(this ILogger logger, int count, string venues);

    [LoggerMessage(108, LogLevel.Warning, "Venue {Venue} is enabled but has no adapter registered (no IVenue with that id); it is not read")]
    public static partial void VenueWithoutAdapter(this ILogger logger, string venue);

    [LoggerMessage(109, LogLevel.Warning, "Frames of venue {Venue} in {Source} are skipped: no adapter registered for it")]
    public static partial void FramesOfUnknownVenue(this ILogger logger, string venue, string source);

    // 2xx: Live/WebSocketFrameSource.
    [LoggerMessage(201, LogLevel.Warning, "{Feed}: connection ended ({Cause}: {Detail}) after {Frames} frames; reconnecting now")]
    public static partial void ConnectionEnded(this ILogger logger, string feed, string cause, string detail, long frames);

    [LoggerMessage(202, LogLevel.Warning, "{Feed}: connection failed ({Cause}: {Detail}); reconnect attempt {Attempt} in {Delay:F2} s")]
    public static partial void ConnectionFailed(this ILogger logger, string feed, string cause, string detail, int attempt, double delay);

    [LoggerMessage(203, LogLevel.Information, "{Origin}: connected to {Url}, subscribed to {Products}")]
    public static partial void Connected(this ILogger logger, string origin, Uri url, string products);

    [LoggerMessage(204, LogLevel.Error, "{Origin}: unexpected error")]
    public static partial void SessionError(this ILogger logger, Exception exception, string origin);

    [LoggerMessage(205, LogLevel.Warning, "{Origin}: a frame exceeded {Max} bytes; its first {Max} bytes are dead-lettered")]
    public static partial void FrameCut(this ILogger logger, string origin, int max);

    [LoggerMessage(207, LogLevel.Warning,
        "{Origin}: sequence number {Seen} after {Last}: {Missing} frame(s) lost on this connection (they may have held trades); reconnecting, so the new connection's snapshot and the trade-id check recover or report them")]
    public static partial void SequenceGap(this ILogger logger, string origin, long last, long seen, long missing);

    [LoggerMessage(206, LogLevel.Debug, "{Origin}: ping not sent ({Error})")]
    public static partial void PingNotSent(this ILogger logger, string origin, string error);

    [LoggerMessage(208, LogLevel.Error,
        "{Feed}: {Product} is no longer subscribed: the venue refused it {Count} times (Ingest:Live:MaxSubscriptionRefusals); it is reported in health and status until the service restarts")]
    public static partial void SubscriptionGivenUp(this ILogger logger, string feed, string product, int count);

    // 3xx: Pipeline/FrameProcessor.
    [LoggerMessage(301, LogLevel.Warning, "More products than Ingest:Gaps:MaxProducts: trades of further products are produced without dedup or gap detection")]
    public static partial void ProductCapReached(this ILogger logger);

    [LoggerMessage(302, LogLevel.Warning,
        "Dead-lettering frame at {Origin}: {Reason} ({Detail}). Further frames with this reason are counted in ingest.frames.dead_lettered, not logged.")]
    public static partial void DeadLettering(this ILogger logger, string origin, string reason, string? detail);

    [LoggerMessage(306, LogLevel.Error, "{Origin}: the venue refused the subscription of {Product} ({Detail}); refusal {Count} of this product")]
    public static partial void SubscriptionRefused(this ILogger logger, string origin, string product, string detail, int count);
    [LoggerMessage(303, LogLevel.Warning,
        "{Origin}: a frame of {Type}, unknown to the {Venue} adapter, is ignored (not dead-lettered: venues add message types). Further frames of it are counted in ingest.frames (kind ignored, label unknown), not logged.")]
    public static partial void UnknownFrameType(this ILogger logger, string origin, string venue, string type);

    [LoggerMessage(305, LogLevel.Warning, "Venue {Venue}: {Warning}")]
    public static partial void ProductsWarning(this ILogger logger, string venue, string warning);

    [LoggerMessage(304, LogLevel.Warning, "More than {Max} distinct unknown frame types seen; further new ones are counted, not logged")]
    public static partial void UnknownFrameTypesCapReached(this ILogger logger, int max);

    // 4xx: Gaps/GapReporter.
    [LoggerMessage(401, LogLevel.Information, "Gap: {Product} trade ids {Range} ({Count} trades) missed, seen by {Cause}")]
    public static partial void GapDetected(this ILogger logger, string product, TradeIdRange range, long count, string cause);

    [LoggerMessage(402, LogLevel.Error, "Unfilled gap: {Product} trade ids {Range} ({Count} trades) will not be produced after {Attempts} fetch attempts: {Reason}")]
    public static partial void GapUnfilled(this ILogger logger, string product, TradeIdRange range, long count, int attempts, string reason);

    [LoggerMessage(403, LogLevel.Critical, "More than {Max} unfilled-gap records wait to be produced; this one is only in the log: {Detail}")]
    public static partial void UnfilledGapQueueFull(this ILogger logger, int max, string detail);

    [LoggerMessage(410, LogLevel.Information, "Gap marker on trades: {Stream} {Id} {State}: {Reason}")]
    public static partial void GapMarker(this ILogger logger, string stream, string id, string state, string reason);

    [LoggerMessage(411, LogLevel.Critical, "More than {Max} gap markers wait to be produced; this one is only in the log: {Stream} {Id} {State}")]
    public static partial void GapMarkerQueueFull(this ILogger logger, int max, string stream, string id, string state);

    // 5xx: Backfill/Backfiller.
    [LoggerMessage(501, LogLevel.Warning, "Backfill {Product} {Range}: {Failure}")]
    public static partial void BackfillPageInvalid(this ILogger logger, string product, TradeIdRange range, string failure);

    [LoggerMessage(502, LogLevel.Warning, "Backfill {Product} {Range} attempt {Attempt} failed: {Error}")]
    public static partial void BackfillAttemptFailed(this ILogger logger, string product, TradeIdRange range, int attempt, string error);

    [LoggerMessage(503, LogLevel.Information, "Backfill {Product} {Range}: produced {Produced} of {Count} missed trades")]
    public static partial void Backfilled(this ILogger logger, string product, TradeIdRange range, int produced, long count);

    [LoggerMessage(504, LogLevel.Information, "Backfill {Product} {Range}: {Paged} of {Count} ids paged, {Produced} produced so far")]
    public static partial void BackfillProgress(this ILogger logger, string product, TradeIdRange range, long paged, long count, int produced);

    // 6xx: Producing/TradePublisher.
    [LoggerMessage(601, LogLevel.Error, "Kafka did not acknowledge {Count} messages within {Timeout} (Ingest:Kafka:FlushTimeout) at shutdown; they are lost with this process")]
    public static partial void FlushIncomplete(this ILogger logger, long count, TimeSpan timeout);

    [LoggerMessage(602, LogLevel.Error, "Kafka did not accept a message for {Topic} (key {Key}): {Reason}")]
    public static partial void DeliveryFailed(this ILogger logger, string topic, string? key, string reason);

    [LoggerMessage(603, LogLevel.Critical, "Kafka producer fatal error: {Reason}")]
    public static partial void ProducerFatal(this ILogger logger, string reason);

    /// <summary>The caller picks the level: the first error of each kind is a warning, its repeats debug.</summary>
    [LoggerMessage(EventId = 604, Message = "Kafka producer error: {Reason} ({Code}); messages stay buffered and are retried")]
    public static partial void ProducerError(this ILogger logger, LogLevel level, string reason, ErrorCode code);

    // 7xx: Recording/FrameRecorder.
    [LoggerMessage(701, LogLevel.Error, "Recording stopped: writing to {File} failed; ingest continues without recording")]
    public static partial void RecordingStopped(this ILogger logger, Exception exception, string? file);

    [LoggerMessage(702, LogLevel.Error, "Recording: flushing {File} failed")]
    public static partial void RecordingFlushFailed(this ILogger logger, Exception exception, string? file);

    [LoggerMessage(703, LogLevel.Information, "Recording raw frames to {File}")]
    public static partial void RecordingTo(this ILogger logger, string file);

    [LoggerMessage(704, LogLevel.Information, "Recording: deleted {File} (more than Ingest:Record:MaxFiles = {Max} files)")]
    public static partial void RecordingDeleted(this ILogger logger, string file, int max);

    [LoggerMessage(705, LogLevel.Warning, "Recording: could not delete {File}")]
    public static partial void RecordingDeleteFailed(this ILogger logger, Exception exception, string file);

    // 8xx: Recovery/TradeTailReader.
    [LoggerMessage(801, LogLevel.Debug, "Recovery consumer: {Error}")]
    public static partial void RecoveryConsumerError(this ILogger logger, string error);

    [LoggerMessage(802, LogLevel.Debug, "Recovery skipped a record of {Partition}@{Offset} that is not a trade")]
    public static partial void RecoverySkippedRecord(this ILogger logger, int partition, long offset);

    [LoggerMessage(803, LogLevel.Information, "Restart: {Stream} resumes after trade id {Mark} ({Time:O}) from {Source}: {Why}")]
    public static partial void Resumed(this ILogger logger, string stream, long mark, DateTimeOffset time, string source, string why);

    [LoggerMessage(804, LogLevel.Warning,
        "Restart: {Stream} stopped at trade id {Mark} ({Time:O}, {Ago:F0} s ago) and {Venue} cannot backfill the downtime ({Why}): the trades of {Stream} since then are lost")]
    public static partial void DowntimeLost(this ILogger logger, string stream, long mark, DateTimeOffset time, double ago, string venue, string why);

    [LoggerMessage(805, LogLevel.Warning, "Ingest state file {File} cannot be read ({Error}); it is ignored (the tail of trades still applies)")]
    public static partial void StateUnreadable(this ILogger logger, Exception exception, string file, string error);

    [LoggerMessage(806, LogLevel.Error, "Ingest state file {File} cannot be written ({Error}); retried every Ingest:State:Interval, the stored marks grow stale meanwhile")]
    public static partial void StateWriteFailed(this ILogger logger, Exception exception, string file, string error);

    [LoggerMessage(807, LogLevel.Information, "Ingest state file {File} is written again")]
    public static partial void StateWritableAgain(this ILogger logger, string file);

    [LoggerMessage(808, LogLevel.Information, "Restart: {Venue} keeps its high-water marks in {Folder} (Ingest:State:Path); {Stored} stored: {Marks}")]
    public static partial void StateLoaded(this ILogger logger, string venue, string folder, int stored, string marks);

    // 9xx: Sources.
    [LoggerMessage(901, LogLevel.Warning, "Replay of {File} at the recorded pace: it has no receive times ({Sidecar} is missing), so it replays at full speed")]
    public static partial void ReplayWithoutTimes(this ILogger logger, string file, string sidecar);
}
