namespace BitcoinVolume.Ingest.Sources;

/// <summary>Log messages of the replay of recordings in cryptofeed format 2 (event ids 91x, beside the sources' 9xx in IngestLog).</summary>
internal static partial class CryptofeedLog
{
    [LoggerMessage(910, LogLevel.Information, "Replay {File}: cryptofeed recording of {Exchange}, {Connections} connections, venues [{Venues}], {Frames} frames to replay")]
    public static partial void ReplayRecording(this ILogger logger, string file, string exchange, int connections, string venues, long frames);

    [LoggerMessage(911, LogLevel.Warning, "Replay {File}: connection {Conn} ({Addr}) is served by no registered venue; its {Frames} frames are skipped")]
    public static partial void ReplayConnectionUnserved(this ILogger logger, string file, string conn, string addr, long frames);

    [LoggerMessage(912, LogLevel.Warning, "Replay {File}: instrument list {Url} is not readable by venue {Venue}: {Error}")]
    public static partial void ReplayInstrumentsUnreadable(this ILogger logger, string file, string url, string venue, string error);

    [LoggerMessage(913, LogLevel.Warning, "Replay {File}:{Line}: not a readable record ({Error}); such lines are handed on as frames, which the parser dead-letters")]
    public static partial void ReplayRecordUnreadable(this ILogger logger, string file, long line, string error);
}
