using System.Runtime.CompilerServices;
using System.Text.Json;
using BitcoinVolume.Ingest.Venues;
using Microsoft.Extensions.Logging.Abstractions;

namespace BitcoinVolume.Ingest.Sources;

/// <summary>A connection of a recording that no registered venue serves: its frames are skipped, counted here.</summary>
/// <param name="File">The recording.</param>
/// <param name="Conn">The connection id (<c>conn</c>).</param>
/// <param name="Addr">Its endpoint (<c>addr</c>), or <c>(no connect record)</c>.</param>
/// <param name="Frames">Its <c>recv</c> frames.</param>
public sealed record UnservedConnection(string File, string Conn, string Addr, long Frames);

/// <summary>
/// Replays recordings in cryptofeed format 2 (tests/data/cryptofeed/README.md; our recorder writes it too, see
/// <see cref="Recording.FrameRecorder"/>), recognized by their header line, every venue and market in them at once.
/// Opening pre-scans each file once, streaming (no file is held in memory): the header, the <c>http</c> records (each
/// body offered to every registered venue's <see cref="IVenue.ParseInstruments"/>: <see cref="Instruments"/>), the
/// <c>connect</c> records (a connection's venue is its <c>venue</c> field when that venue is registered — our
/// recordings — else the first venue whose <see cref="IVenue.ServesEndpoint"/> takes its <c>addr</c>) and the number
/// of frames per connection. A connection no venue serves is logged once with its frame count and listed in
/// <see cref="Unserved"/>; its frames are skipped, not dead-lettered one by one. Reading then yields each <c>recv</c>
/// frame of a served connection exactly as received, with <see cref="RawFrame.Venue"/>, origin
/// <c>replay:FILE:LINE#CONN</c> and <see cref="RawFrame.ReceivedAt"/> = its <c>ts</c>; <c>send</c>, <c>http</c>,
/// <c>connect</c> and unknown record types carry no frame. A line that is not a readable record is handed on as it is
/// (cut to <c>maxFrameBytes + 1</c>), as the raw replay does with a bad line, so the venue's parser dead-letters it.
/// Files of the PATH without a header are raw recordings (<see cref="ReplayFileSource"/>, Coinbase frames): a folder
/// or glob may mix both.
/// </summary>
public sealed class CryptofeedRecordingSource(
    string path, IReadOnlyList<IVenue> venues, ReplayOptions? options = null, TimeProvider? timeProvider = null, ILogger? logger = null,
    int maxFrameBytes = Parsing.FrameParserOptions.DefaultMaxFrameBytes) : IMultiVenueSource
{
    /// <summary>What an unserved connection without a <c>connect</c> record shows as its address.</summary>
    public const string NoConnectRecord = "(no connect record)";

    private const int MaxHeaderBytes = 1 << 20;
    private readonly ReplayOptions options = options ?? new ReplayOptions();
    private readonly TimeProvider timeProvider = timeProvider ?? TimeProvider.System;
    private readonly ILogger logger = logger ?? NullLogger.Instance;
    private List<FilePlan>? plans;
    private List<string> venueIds = [];
    private Dictionary<string, IReadOnlyList<Instrument>> instruments = new(StringComparer.Ordinal);
    private List<UnservedConnection> unserved = [];

    public string Description => $"replay:{path}";

    public IReadOnlyList<string> Venues => Opened().venueIds;

    public IReadOnlyDictionary<string, IReadOnlyList<Instrument>> Instruments => Opened().instruments;

    /// <summary>The connections whose frames are skipped because no registered venue serves them.</summary>
    public IReadOnlyList<UnservedConnection> Unserved => Opened().unserved;

    /// <summary>
    /// Route by the <c>connect</c> records' <c>venue</c> field alone, registered or not (our recordings read by
    /// <see cref="ReplayFileSource"/>, which has no venue list); connections without one are unserved.
    /// </summary>
    internal bool VenueFieldOnly { get; init; }

    /// <summary>The frames reading will yield (served <c>recv</c> frames, unreadable lines, raw files' lines).</summary>
    public long FrameCount { get; private set; }

    /// <summary>A line longer than this is cut (and then unreadable): room for a frame of <c>maxFrameBytes</c> escaped, or an instrument list.</summary>
    private int MaxLineBytes => (int)Math.Min(int.MaxValue - 1024L, Math.Max(maxFrameBytes, 16L << 20) * 2);

    /// <summary>True when the file starts with a cryptofeed header line (<c>{"t":"header",…}</c>, any field order).</summary>
    public static bool IsRecording(string file)
    {
        using var stream = ReplayFileSource.OpenRead(file);
        var buffer = new byte[Math.Min(MaxHeaderBytes, Math.Max(1, stream.Length))];
        var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        var head = buffer.AsSpan(0, read);
        head = head.StartsWith("\uFEFF"u8) ? head[3..] : head;
        var newline = head.IndexOf((byte)'\n');
        var line = (newline >= 0 ? head[..newline] : head).TrimEnd("\r"u8);
        return CryptofeedRecord.TryRead(line, out var record, out _) && record.Type == CryptofeedRecord.Header;
    }

    /// <summary>True when any of the files is a cryptofeed recording; false (not a throw) when they cannot be read.</summary>
    public static bool AnyRecording(IEnumerable<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        try
        {
            return files.Any(IsRecording);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Pre-scans the files (once): venues, instruments, frame counts, unserved connections. Reading opens the source when not yet open.</summary>
    public async Task OpenAsync(CancellationToken cancellationToken)
    {
        if (plans is not null)
        {
            return;
        }

        var found = new List<FilePlan>();
        var ids = new List<string>();
        var byVenue = new Dictionary<string, Dictionary<string, Instrument>>(StringComparer.Ordinal);
        var skipped = new List<UnservedConnection>();
        var frames = 0L;
        foreach (var file in ReplayFileSource.ResolveFiles(path))
        {
            if (!IsRecording(file))
            {
                found.Add(new FilePlan(file, Raw: true, new Dictionary<string, string?>(StringComparer.Ordinal), VenueRegistry.RecordedFramesVenue));
                AddVenue(VenueRegistry.RecordedFramesVenue);
                frames += await ReplayFileSource.CountFramesAsync([file], cancellationToken).ConfigureAwait(false);
                continue;
            }

            var plan = await ScanAsync(file, byVenue, cancellationToken).ConfigureAwait(false);
            found.Add(plan.Plan);
            frames += plan.Frames;
            skipped.AddRange(plan.Unserved);
            foreach (var venue in plan.Plan.Connections.Values)
            {
                if (venue is not null)
                {
                    AddVenue(venue);
                }
            }
        }

        foreach (var connection in skipped)
        {
            logger.ReplayConnectionUnserved(connection.File, connection.Conn, connection.Addr, connection.Frames);
        }

        instruments = ids.ToDictionary(
            v => v, v => byVenue.TryGetValue(v, out var list) ? (IReadOnlyList<Instrument>)[.. list.Values] : [], StringComparer.Ordinal);
        venueIds = ids;
        unserved = skipped;
        FrameCount = frames;
        plans = found;

        void AddVenue(string id)
        {
            if (!ids.Contains(id))
            {
                ids.Add(id);
            }
        }
    }

    public async IAsyncEnumerable<RawFrame> ReadFramesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await OpenAsync(cancellationToken).ConfigureAwait(false);
        var pacer = options.Pace == ReplayPace.Recorded ? new ReplayPacer(timeProvider, options.Speed) : null;
        var raw = new ReplayFileSource(path, options, timeProvider, logger, maxFrameBytes);
        foreach (var plan in plans!)
        {
            if (plan.Raw)
            {
                await foreach (var frame in raw.ReadRawFileAsync(plan.File, pacer, cancellationToken).ConfigureAwait(false))
                {
                    yield return frame with { Venue = plan.DefaultVenue };
                }

                continue;
            }

            await foreach (var (line, number) in ReplayFileSource.ReadLinesAsync(plan.File, MaxLineBytes, cancellationToken).ConfigureAwait(false))
            {
                if (!CryptofeedRecord.TryRead(line, out var record, out _) || (record.Type == CryptofeedRecord.Recv && !record.HasData))
                {
                    yield return new RawFrame(Cut(line), $"replay:{plan.File}:{number}", default, plan.DefaultVenue);
                    continue;
                }

                if (record.Type != CryptofeedRecord.Recv || record.Conn is null || plan.Connections.GetValueOrDefault(record.Conn) is not { } venue)
                {
                    continue;
                }

                if (pacer is not null && record.Ts != default)
                {
                    await pacer.WaitAsync(record.Ts, cancellationToken).ConfigureAwait(false);
                }

                yield return new RawFrame(Cut(record.DataBytes(line)), $"replay:{plan.File}:{number}#{record.Conn}", record.Ts, venue);
            }
        }
    }

    private byte[] Cut(byte[] bytes) => bytes.Length > maxFrameBytes + 1 ? bytes[..(maxFrameBytes + 1)] : bytes;

    private CryptofeedRecordingSource Opened() => plans is not null
        ? this
        : throw new InvalidOperationException($"{Description} is not open yet: its venues and instruments are known once OpenAsync (or the first read) has run.");

    private async Task<(FilePlan Plan, long Frames, List<UnservedConnection> Unserved)> ScanAsync(
        string file, Dictionary<string, Dictionary<string, Instrument>> byVenue, CancellationToken cancellationToken)
    {
        var connections = new Dictionary<string, string?>(StringComparer.Ordinal);
        var addresses = new Dictionary<string, string>(StringComparer.Ordinal);
        var skippedFrames = new Dictionary<string, long>(StringComparer.Ordinal);
        var frames = 0L;
        var malformedLogged = false;
        string? exchange = null;
        await foreach (var (line, number) in ReplayFileSource.ReadLinesAsync(file, MaxLineBytes, cancellationToken).ConfigureAwait(false))
        {
            if (!CryptofeedRecord.TryRead(line, out var record, out var error) || (record.Type == CryptofeedRecord.Recv && !record.HasData))
            {
                frames++;
                if (!malformedLogged)
                {
                    malformedLogged = true;
                    logger.ReplayRecordUnreadable(file, number, error.Length > 0 ? error : "a recv record without data");
                }

                continue;
            }

            switch (record.Type)
            {
                case CryptofeedRecord.Header:
                    exchange = record.Exchange;
                    if (record.Format != CryptofeedRecord.SupportedFormat)
                    {
                        throw new InvalidDataException($"{file} is a cryptofeed recording of format {record.Format?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"}; replay reads format {CryptofeedRecord.SupportedFormat}.");
                    }

                    break;
                case CryptofeedRecord.Http when record.Url is not null && record.HasData && Uri.TryCreate(record.Url, UriKind.Absolute, out var url):
                    ReadInstruments(file, url, record.DataString(line), byVenue);
                    break;
                case CryptofeedRecord.Connect when record.Conn is not null:
                    connections[record.Conn] = VenueOf(record);
                    addresses[record.Conn] = record.Addr ?? "(no addr)";
                    break;
                case CryptofeedRecord.Recv when record.Conn is not null && connections.GetValueOrDefault(record.Conn) is not null:
                    frames++;
                    break;
                case CryptofeedRecord.Recv:
                    var conn = record.Conn ?? "(no conn)";
                    skippedFrames[conn] = skippedFrames.GetValueOrDefault(conn) + 1;
                    break;
            }
        }

        var defaultVenue = connections.Values.FirstOrDefault(v => v is not null) ?? VenueRegistry.RecordedFramesVenue;
        logger.ReplayRecording(file, exchange ?? "?", connections.Count, string.Join(",", connections.Values.Where(v => v is not null).Distinct()), frames);
        var unservedHere = skippedFrames.Select(s => new UnservedConnection(file, s.Key, addresses.GetValueOrDefault(s.Key, NoConnectRecord), s.Value)).ToList();
        return (new FilePlan(file, Raw: false, connections, defaultVenue), frames, unservedHere);
    }

    /// <summary>The venue of a connection: its <c>venue</c> field when registered (our recordings), else the first venue serving its <c>addr</c>; null = none.</summary>
    private string? VenueOf(CryptofeedRecord connect)
    {
        if (VenueFieldOnly)
        {
            return connect.Venue;
        }

        if (connect.Venue is { } id && venues.Any(v => v.Id == id))
        {
            return id;
        }

        return connect.Addr is not null && Uri.TryCreate(connect.Addr, UriKind.Absolute, out var address)
            ? venues.FirstOrDefault(v => v.ServesEndpoint(address))?.Id
            : null;
    }

    private void ReadInstruments(string file, Uri url, string body, Dictionary<string, Dictionary<string, Instrument>> byVenue)
    {
        foreach (var venue in venues)
        {
            IReadOnlyList<Instrument> list;
            try
            {
                list = venue.ParseInstruments(url, body);
            }
            catch (Exception e) when (e is FormatException or JsonException)
            {
                logger.ReplayInstrumentsUnreadable(file, url.ToString(), venue.Id, e.Message);
                continue;
            }

            if (list.Count == 0)
            {
                continue;
            }

            if (!byVenue.TryGetValue(venue.Id, out var known))
            {
                byVenue[venue.Id] = known = new Dictionary<string, Instrument>(StringComparer.Ordinal);
            }

            foreach (var instrument in list)
            {
                known[instrument.Symbol] = instrument;
            }
        }
    }

    /// <summary>One file of the PATH: raw (Coinbase lines) or a recording with its connections' venues (null = served by none).</summary>
    private sealed record FilePlan(string File, bool Raw, Dictionary<string, string?> Connections, string DefaultVenue);
}
