using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Unicode;
using BitcoinVolume.Ingest.Sources;
using BitcoinVolume.Ingest.Venues;

namespace BitcoinVolume.Ingest.Recording;

/// <summary>
/// Writes every raw frame to rotating venue-tagged recordings in <see cref="RecordOptions.Path"/>, in cryptofeed's
/// format 2 (tests/data/cryptofeed/README.md), so that <c>replay:</c> reads them as it reads cryptofeed's files:
/// a header line <c>{"t":"header","format":2,"exchange":"BITCOINVOLUME",…}</c>; a <c>connect</c> record per connection
/// (<c>conn</c>, <c>ts</c>, <c>addr</c> = the websocket URL when known, and <c>venue</c> = our venue id, an extra field
/// cryptofeed does not have) before its first frame; a <c>recv</c> record per frame with its receive time <c>ts</c>
/// (epoch seconds, microseconds) and the frame exactly as received as the JSON string <c>data</c> (CR/LF and all).
/// Every file is complete on its own: a new file starts with the header and the <c>connect</c> records of every
/// connection seen so far. Files are named <c>frames-yyyyMMddTHHmmssZ-NNNN.ndjson</c> (UTC start time, so name order is
/// time order) and rotated by size and age; the oldest beyond <see cref="RecordOptions.MaxFiles"/> are deleted. The
/// receive time is in each record, so no <c>.times</c> sidecar is written any more (<see cref="RecordOptions.ReceiveTimes"/>
/// is not used); older raw recordings with sidecars still replay.
/// A frame's connection is its live origin (<c>coinbase-exchange#3</c>); its venue is <see cref="RawFrame.Venue"/>, else
/// the venue of the live source the origin names (through the <see cref="VenueRegistry"/>, which also gives the
/// address), else <see cref="VenueRegistry.RecordedFramesVenue"/>; a frame tagged with another venue than its
/// connection's gets the connection id <c>VENUE/CONN</c>, so ids stay unique. <see cref="Connected"/> declares one explicitly.
/// Thread-safe; writes go to a buffer flushed every <see cref="RecordOptions.FlushInterval"/>.
/// </summary>
public sealed partial class FrameRecorder : IDisposable
{
    public const string Extension = ".ndjson";

    /// <summary>The sidecar of receive times that raw recordings (before format 2) had.</summary>
    public const string TimesExtension = ".times";

    /// <summary>The header's <c>exchange</c> of our recordings.</summary>
    public const string Exchange = "BITCOINVOLUME";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };
    private readonly RecordOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly VenueRegistry? venues;
    private readonly Lock gate = new();
    private readonly ITimer flushTimer;
    private readonly ArrayBufferWriter<byte> record = new(1 << 12);
    private readonly Utf8JsonWriter json;
    private readonly Dictionary<(string Venue, string Conn), Connection> connections = [];
    private FileStream? frames;
    private DateTimeOffset openedAt;
    private long fileBytes;
    private int sequence;
    private bool disposed;
    private bool failed;

    public FrameRecorder(RecordOptions options, TimeProvider timeProvider, ILogger logger, VenueRegistry? venues = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Path);
        this.options = options;
        this.timeProvider = timeProvider;
        this.logger = logger;
        this.venues = venues;
        json = new Utf8JsonWriter(record, WriterOptions);
        Directory.CreateDirectory(options.Path);
        flushTimer = timeProvider.CreateTimer(_ => Flush(), null, options.FlushInterval, options.FlushInterval);
    }

    /// <summary>The file being written, if any.</summary>
    public string? CurrentFile
    {
        get
        {
            lock (gate)
            {
                return frames?.Name;
            }
        }
    }

    /// <summary>Frames written.</summary>
    public long Frames { get; private set; }

    /// <summary>
    /// The connection a frame belongs to, from its origin: a live origin (<c>NAME#N</c>) as it is; a replayed recording's
    /// <c>replay:FILE:LINE#CONN</c> → <c>CONN</c>; otherwise the origin without a trailing <c>:NUMBER</c> (a raw replay's
    /// line, a synthetic frame's index).
    /// </summary>
    public static string ConnectionOf(string origin)
    {
        ArgumentNullException.ThrowIfNull(origin);
        if (ReplayOrigin().Match(origin) is { Success: true } replayed)
        {
            return replayed.Groups["conn"].Value;
        }

        var colon = origin.LastIndexOf(':');
        return colon > 0 && colon < origin.Length - 1 && !origin.AsSpan(colon + 1).ContainsAnyExceptInRange('0', '9') ? origin[..colon] : origin;
    }

    /// <summary>Declares a connection (its venue and websocket address) before its frames; a frame's own venue tag still decides which it belongs to.</summary>
    public void Connected(string conn, string venue, Uri? address)
    {
        ArgumentNullException.ThrowIfNull(conn);
        ArgumentNullException.ThrowIfNull(venue);
        lock (gate)
        {
            connections.TryAdd((venue, conn), new Connection(conn, venue, address?.ToString(), timeProvider.GetUtcNow(), Written: false, Used: false));
        }
    }

    /// <summary>Appends one frame (its receive time is <see cref="RawFrame.ReceivedAt"/>, or now when unset).</summary>
    public void Write(in RawFrame frame)
    {
        var data = frame.Data.Span;
        if (data.Trim(" \t\r\n"u8).IsEmpty)
        {
            return;
        }

        var receivedAt = frame.ReceivedAt == default ? timeProvider.GetUtcNow() : frame.ReceivedAt;
        var conn = ConnectionOf(frame.Origin);
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (failed)
            {
                return;
            }

            try
            {
                WriteLocked(data, conn, frame.Venue, receivedAt);
            }
            catch (IOException e)
            {
                // A full disk must not stop ingest: recording stops, loudly, and ingest goes on.
                failed = true;
                logger.RecordingStopped(e, frames?.Name);
                try
                {
                    CloseFiles();
                }
                catch (IOException)
                {
                    frames = null;
                }
            }
        }
    }

    private void WriteLocked(ReadOnlySpan<byte> data, string conn, string? venue, DateTimeOffset receivedAt)
    {
        var connection = ConnectionFor(conn, venue, receivedAt);
        Record(CryptofeedRecord.Recv, connection.Conn, receivedAt);
        if (Utf8.IsValid(data))
        {
            json.WriteString("data"u8, data);
        }
        else
        {
            // Not UTF-8 (a websocket text frame always is): written with replacement characters rather than lost.
            json.WriteString("data"u8, Encoding.UTF8.GetString(data));
        }

        json.WriteEndObject();
        json.Flush();
        var recv = record.WrittenSpan.ToArray();
        if (frames is null || (fileBytes > 0 && fileBytes + recv.Length + 1 > options.MaxFileBytes) || timeProvider.GetUtcNow() - openedAt >= options.MaxFileAge)
        {
            Rotate();
        }
        else if (!connection.Written)
        {
            WriteConnect(connection);
        }

        WriteLine(recv);
        Frames++;
    }

    /// <summary>The connection of a frame, made (and to be written) on its first frame.</summary>
    private Connection ConnectionFor(string conn, string? venue, DateTimeOffset receivedAt)
    {
        var live = LiveSourceOf(conn);
        var natural = live?.Venue ?? VenueRegistry.RecordedFramesVenue;
        venue ??= natural;
        if (venue != natural && !conn.StartsWith(venue + "/", StringComparison.Ordinal))
        {
            // The file's connection ids are unique: another venue's frames on a connection named like this one get their own id.
            conn = $"{venue}/{conn}";
        }

        if (!connections.TryGetValue((venue, conn), out var connection))
        {
            connection = new Connection(conn, venue, live?.Venue == venue ? live?.Address : null, receivedAt, Written: false, Used: true);
        }

        connections[(venue, conn)] = connection = connection with { Used = true };
        return connection;
    }

    /// <summary>The venue and URL of the live source a connection (<c>NAME#N</c>) names, when the registry knows it.</summary>
    private (string Venue, string? Address)? LiveSourceOf(string conn)
    {
        var hash = conn.LastIndexOf('#');
        if (venues is null || hash <= 0)
        {
            return null;
        }

        try
        {
            var source = venues.Resolve(new SourceSpec(SourceKind.Live, conn[..hash], null));
            return (source.Venue.Id, source.Venue.CreateLiveFeed(source.LiveSource!).Url.ToString());
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException)
        {
            return null;
        }
    }

    private void WriteConnect(Connection connection)
    {
        Record(CryptofeedRecord.Connect, connection.Conn, connection.Since);
        if (connection.Address is not null)
        {
            json.WriteString("addr"u8, connection.Address);
        }

        json.WriteString("venue"u8, connection.Venue);
        json.WriteEndObject();
        json.Flush();
        WriteLine(record.WrittenSpan);
        connections[(connection.Venue, connection.Conn)] = connection with { Written = true };
    }

    private void WriteHeader()
    {
        Reset();
        json.WriteStartObject();
        json.WriteString("t"u8, CryptofeedRecord.Header);
        json.WriteNumber("format"u8, CryptofeedRecord.SupportedFormat);
        json.WriteString("exchange"u8, Exchange);
        json.WriteNumber("recorded"u8, Seconds(openedAt));
        json.WriteString("writer"u8, "BitcoinVolume.Ingest");
        json.WriteEndObject();
        json.Flush();
        WriteLine(record.WrittenSpan);
    }

    /// <summary>Starts a record: <c>{"t":…,"conn":…,"ts":…</c>.</summary>
    private void Record(string type, string conn, DateTimeOffset ts)
    {
        Reset();
        json.WriteStartObject();
        json.WriteString("t"u8, type);
        json.WriteString("conn"u8, conn);
        json.WriteNumber("ts"u8, Seconds(ts));
    }

    private void Reset()
    {
        record.Clear();
        json.Reset(record);
    }

    private void WriteLine(ReadOnlySpan<byte> line)
    {
        frames!.Write(line);
        frames.WriteByte((byte)'\n');
        fileBytes += line.Length + 1;
    }

    /// <summary>Epoch seconds with microseconds, exact.</summary>
    private static decimal Seconds(DateTimeOffset time) => (time - DateTimeOffset.UnixEpoch).Ticks / 10 / 1_000_000m;

    [GeneratedRegex(@"^replay:.*?:[0-9]+#(?<conn>.+)$", RegexOptions.Singleline)]
    private static partial Regex ReplayOrigin();

    /// <summary>A connection of the recording: written into each file before its first frame there.</summary>
    private sealed record Connection(string Conn, string Venue, string? Address, DateTimeOffset Since, bool Written, bool Used);

    /// <summary>Writes buffered frames to disk.</summary>
    public void Flush()
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            try
            {
                frames?.Flush();
            }
            catch (IOException e)
            {
                logger.RecordingFlushFailed(e, frames?.Name);
            }
        }
    }

    public void Dispose()
    {
        flushTimer.Dispose();
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            CloseFiles();
            json.Dispose();
        }
    }

    private void Rotate()
    {
        CloseFiles();
        openedAt = timeProvider.GetUtcNow();
        fileBytes = 0;
        string name;
        do
        {
            name = Path.Combine(options.Path!, $"frames-{openedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}-{sequence++:D4}{Extension}");
        }
        while (File.Exists(name));

        frames = new FileStream(name, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 16);
        logger.RecordingTo(name);
        WriteHeader();
        // Each file names the connections whose frames it may hold: the ones used since the last rotation (and declared ones).
        foreach (var connection in connections.Values.ToList())
        {
            if (connection.Used || !connection.Written)
            {
                WriteConnect(connection with { Used = false });
            }
            else
            {
                connections.Remove((connection.Venue, connection.Conn));
            }
        }

        DeleteOldFiles();
    }

    private void CloseFiles()
    {
        frames?.Dispose();
        frames = null;
    }

    private void DeleteOldFiles()
    {
        if (options.MaxFiles <= 0)
        {
            return;
        }

        var files = Directory.EnumerateFiles(options.Path!, "frames-*" + Extension).Order(StringComparer.Ordinal).ToList();
        foreach (var old in files.Take(Math.Max(0, files.Count - options.MaxFiles)))
        {
            try
            {
                File.Delete(old);
                File.Delete(old + TimesExtension);
                logger.RecordingDeleted(old, options.MaxFiles);
            }
            catch (IOException e)
            {
                logger.RecordingDeleteFailed(e, old);
            }
        }
    }
}
