using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using BitcoinVolume.Ingest.Recording;
using Microsoft.Extensions.Logging.Abstractions;

namespace BitcoinVolume.Ingest.Sources;

/// <summary>
/// Reads raw recordings: one raw websocket text frame per line, exactly as received (NDJSON; Coinbase frames, the
/// recorder's format before venue tags). <c>PATH</c> is a file, a folder (its <c>*.ndjson</c> and <c>*.jsonl</c> files in
/// name order — the recorder's names sort by time) or a glob in the file name (<c>/data/frames-2026*.ndjson</c>).
/// Recordings in cryptofeed format 2 (ours are too) are read by <see cref="CryptofeedRecordingSource"/>, which hands
/// the raw files among them back to this class; met here, without a venue list, a format-2 file yields the frames of
/// the connections whose <c>venue</c> field names a venue (our recordings), tagged with it. Blank lines carry no frame and are skipped. Lines are read as bytes (no
/// string per line); a line longer than <c>maxFrameBytes</c> is cut to <c>maxFrameBytes + 1</c> bytes, which the parser
/// dead-letters as oversized, and the rest of it is skipped, so memory stays bounded.
/// Frames carry their receive time when the recording has the recorder's sidecar. With
/// <see cref="ReplayPace.Recorded"/> frames are released at the recorded pace, read from the recorder's sidecar
/// <c>FILE.times</c> (one receive time per frame line, Unix microseconds); a file without one replays at full speed.
/// </summary>
public sealed class ReplayFileSource(string path, ReplayOptions? options = null, TimeProvider? timeProvider = null, ILogger? logger = null,
    int maxFrameBytes = Parsing.FrameParserOptions.DefaultMaxFrameBytes) : IFrameSource
{
    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];
    private readonly ReplayOptions options = options ?? new ReplayOptions();
    private readonly TimeProvider timeProvider = timeProvider ?? TimeProvider.System;
    private readonly ILogger logger = logger ?? NullLogger.Instance;

    public string Description => $"replay:{path}";

    /// <summary>The files <paramref name="path"/> names, in replay order; throws <see cref="FileNotFoundException"/> when none.</summary>
    public static IReadOnlyList<string> ResolveFiles(string path)
    {
        if (File.Exists(path))
        {
            return [path];
        }

        if (Directory.Exists(path))
        {
            var inFolder = Directory.EnumerateFiles(path, "*.ndjson").Concat(Directory.EnumerateFiles(path, "*.jsonl")).Order(StringComparer.Ordinal).ToList();
            return inFolder.Count > 0
                ? inFolder
                : throw new FileNotFoundException($"Replay folder '{path}' holds no *.ndjson or *.jsonl file.", path);
        }

        var folder = Path.GetDirectoryName(path);
        var pattern = Path.GetFileName(path);
        if (folder is not null && Directory.Exists(folder) && pattern.AsSpan().IndexOfAny('*', '?') >= 0)
        {
            var matched = Directory.EnumerateFiles(folder, pattern)
                .Where(f => !f.EndsWith(FrameRecorder.TimesExtension, StringComparison.Ordinal))
                .Order(StringComparer.Ordinal).ToList();
            return matched.Count > 0
                ? matched
                : throw new FileNotFoundException($"No replay file matches '{path}'.", path);
        }

        throw new FileNotFoundException($"Replay file '{path}' does not exist (Ingest:Source=replay:PATH wants a file, a folder or a glob).", path);
    }

    /// <summary>Counts the frames (non-blank lines) of the files, for progress and ETA.</summary>
    public static async Task<long> CountFramesAsync(IEnumerable<string> files, CancellationToken cancellationToken)
    {
        var count = 0L;
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            foreach (var file in files)
            {
                await using var stream = OpenRead(file);
                var lineHasContent = false;
                int read;
                while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    foreach (var b in buffer.AsSpan(0, read))
                    {
                        if (b == (byte)'\n')
                        {
                            count += lineHasContent ? 1 : 0;
                            lineHasContent = false;
                        }
                        else if (b is not ((byte)' ' or (byte)'\r' or (byte)'\t'))
                        {
                            lineHasContent = true;
                        }
                    }
                }

                count += lineHasContent ? 1 : 0;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return count;
    }

    public async IAsyncEnumerable<RawFrame> ReadFramesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var files = ResolveFiles(path);
        var pacer = options.Pace == ReplayPace.Recorded ? new ReplayPacer(timeProvider, options.Speed) : null;
        foreach (var file in files)
        {
            // A format-2 recording read without a venue list (no registry here): every frame of a connection its venue field names, tagged with it.
            var frames = CryptofeedRecordingSource.IsRecording(file)
                ? new CryptofeedRecordingSource(file, [], options, timeProvider, logger, maxFrameBytes) { VenueFieldOnly = true }.ReadFramesAsync(cancellationToken)
                : ReadRawFileAsync(file, pacer, cancellationToken);
            await foreach (var frame in frames.ConfigureAwait(false))
            {
                yield return frame;
            }
        }
    }

    /// <summary>The frames of one raw recording (one frame per line), with the sidecar's receive times when it has one.</summary>
    internal async IAsyncEnumerable<RawFrame> ReadRawFileAsync(string file, ReplayPacer? pacer, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var times = OpenTimes(file, warnWhenMissing: pacer is not null);
        await foreach (var (frame, line) in ReadLinesAsync(file, maxFrameBytes, cancellationToken).ConfigureAwait(false))
        {
            var receivedAt = times?.Next() ?? default;
            if (pacer is not null && receivedAt != default)
            {
                await pacer.WaitAsync(receivedAt, cancellationToken).ConfigureAwait(false);
            }

            yield return new RawFrame(frame, $"replay:{file}:{line}", receivedAt);
        }
    }

    /// <summary>
    /// The non-blank lines of a file as bytes with their 1-based line numbers (a BOM on the first line and a trailing CR
    /// stripped); a line longer than <paramref name="maxLineBytes"/> comes out cut to <c>maxLineBytes + 1</c> bytes and
    /// the rest of it is skipped unread, so memory stays bounded.
    /// </summary>
    internal static async IAsyncEnumerable<(byte[] Line, long Number)> ReadLinesAsync(string file, int maxLineBytes, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var stream = OpenRead(file);
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 1 << 16));
        var line = 0L;
        var skipping = false;
        var firstLine = true;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            while (true)
            {
                byte[]? frame;
                if (buffer.PositionOf((byte)'\n') is { } newline)
                {
                    var content = buffer.Slice(0, newline);
                    buffer = buffer.Slice(buffer.GetPosition(1, newline));
                    frame = skipping ? null
                        : content.Length > maxLineBytes + 1L ? content.Slice(0, maxLineBytes + 1L).ToArray()
                        : ToFrame(content, ref firstLine);
                    skipping = false;
                    line++;
                }
                else if (result.IsCompleted && !buffer.IsEmpty)
                {
                    frame = skipping ? null
                        : buffer.Length > maxLineBytes + 1L ? buffer.Slice(0, maxLineBytes + 1L).ToArray()
                        : ToFrame(buffer, ref firstLine);
                    buffer = buffer.Slice(buffer.End);
                    line++;
                }
                else if (!skipping && buffer.Length > maxLineBytes + 1L)
                {
                    // An oversized line: hand out its head (the parser dead-letters it) and drop the rest unread.
                    frame = buffer.Slice(0, maxLineBytes + 1L).ToArray();
                    buffer = buffer.Slice(buffer.End);
                    skipping = true;
                    line++;
                }
                else
                {
                    if (skipping)
                    {
                        buffer = buffer.Slice(buffer.End);
                    }

                    break;
                }

                if (frame is not null)
                {
                    yield return (frame, line);
                }
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        await reader.CompleteAsync().ConfigureAwait(false);
    }

    internal static FileStream OpenRead(string file) => new(file, new FileStreamOptions
    {
        Mode = FileMode.Open,
        Access = FileAccess.Read,
        Share = FileShare.ReadWrite | FileShare.Delete,
        Options = FileOptions.SequentialScan | FileOptions.Asynchronous,
        BufferSize = 0,
    });

    /// <summary>The frame of one line, or null when the line is blank. Strips a BOM on the first line and a trailing CR.</summary>
    private static byte[]? ToFrame(ReadOnlySequence<byte> line, ref bool firstLine)
    {
        var bytes = line.IsSingleSegment ? line.FirstSpan : line.ToArray();
        if (firstLine)
        {
            firstLine = false;
            if (bytes.StartsWith(Bom))
            {
                bytes = bytes[Bom.Length..];
            }
        }

        if (!bytes.IsEmpty && bytes[^1] == (byte)'\r')
        {
            bytes = bytes[..^1];
        }

        return bytes.Trim(" \t\r"u8).IsEmpty ? null : bytes.ToArray();
    }

    private TimesReader? OpenTimes(string file, bool warnWhenMissing)
    {
        var sidecar = file + FrameRecorder.TimesExtension;
        if (File.Exists(sidecar))
        {
            return new TimesReader(sidecar);
        }

        if (!warnWhenMissing)
        {
            return null;
        }

        logger.ReplayWithoutTimes(file, sidecar);
        return null;
    }

    /// <summary>Reads the sidecar in step with the frame lines.</summary>
    private sealed class TimesReader(string file) : IDisposable
    {
        private readonly StreamReader reader = new(file);

        public DateTimeOffset Next()
        {
            var text = reader.ReadLine();
            return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var micros)
                ? DateTimeOffset.UnixEpoch.AddTicks(micros * 10)
                : default;
        }

        public void Dispose() => reader.Dispose();
    }
}

/// <summary>Releases frames at their recorded offsets from the first one, divided by the speed.</summary>
internal sealed class ReplayPacer(TimeProvider timeProvider, double speed)
{
    private DateTimeOffset first;
    private long startedAt;

    public Task WaitAsync(DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        if (first == default)
        {
            first = receivedAt;
            startedAt = timeProvider.GetTimestamp();
            return Task.CompletedTask;
        }

        var due = (receivedAt - first) / (speed > 0 ? speed : 1);
        var wait = due - timeProvider.GetElapsedTime(startedAt);
        return wait >= TimeSpan.FromMilliseconds(1) ? Task.Delay(wait, timeProvider, cancellationToken) : Task.CompletedTask;
    }
}
