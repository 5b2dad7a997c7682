using System.Globalization;
using BitcoinVolume.Ingest.Sources;

namespace BitcoinVolume.Ingest.Recording;

/// <summary>
/// Writes every raw frame to rotating NDJSON files in <see cref="RecordOptions.Path"/>: one frame per line, exactly as
/// received — readable by <c>replay:</c> and by any NDJSON tool. Files are named
/// <c>frames-yyyyMMddTHHmmssZ-NNNN.ndjson</c> (UTC start time, so name order is time order) and rotated by size
/// and age; the oldest beyond <see cref="RecordOptions.MaxFiles"/> are deleted. With
/// <see cref="RecordOptions.ReceiveTimes"/> a sidecar <c>FILE.ndjson.times</c> holds, line for line, each frame's
/// receive time as Unix microseconds (for replay at the recorded pace); the frame files stay plain.
/// A frame with a raw CR or LF (never valid inside a JSON string) has it written as a space, so one frame stays one line.
/// Thread-safe; writes go to a buffer flushed every <see cref="RecordOptions.FlushInterval"/>.
/// </summary>
public sealed class FrameRecorder : IDisposable
{
    public const string Extension = ".ndjson";
    public const string TimesExtension = ".times";

    private readonly RecordOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private readonly ITimer flushTimer;
    private readonly byte[] timeBuffer = new byte[24];
    private FileStream? frames;
    private FileStream? times;
    private DateTimeOffset openedAt;
    private long fileBytes;
    private int sequence;
    private bool disposed;
    private bool failed;

    public FrameRecorder(RecordOptions options, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Path);
        this.options = options;
        this.timeProvider = timeProvider;
        this.logger = logger;
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

    /// <summary>Appends one frame (its receive time is <see cref="RawFrame.ReceivedAt"/>, or now when unset).</summary>
    public void Write(in RawFrame frame)
    {
        var data = frame.Data.Span;
        if (data.Trim(" \t\r\n"u8).IsEmpty)
        {
            return;
        }

        var receivedAt = frame.ReceivedAt == default ? timeProvider.GetUtcNow() : frame.ReceivedAt;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (failed)
            {
                return;
            }

            try
            {
                WriteLocked(data, receivedAt);
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
                    times = null;
                }
            }
        }
    }

    private void WriteLocked(ReadOnlySpan<byte> data, DateTimeOffset receivedAt)
    {
        if (frames is null || (fileBytes > 0 && fileBytes + data.Length + 1 > options.MaxFileBytes) || timeProvider.GetUtcNow() - openedAt >= options.MaxFileAge)
        {
            Rotate();
        }

        if (data.IndexOfAny((byte)'\n', (byte)'\r') < 0)
        {
            frames!.Write(data);
        }
        else
        {
            var copy = data.ToArray();
            copy.AsSpan().Replace((byte)'\n', (byte)' ');
            copy.AsSpan().Replace((byte)'\r', (byte)' ');
            frames!.Write(copy);
        }

        frames.WriteByte((byte)'\n');
        fileBytes += data.Length + 1;
        if (times is not null)
        {
            var micros = (receivedAt - DateTimeOffset.UnixEpoch).Ticks / 10;
            micros.TryFormat(timeBuffer, out var written, provider: CultureInfo.InvariantCulture);
            timeBuffer[written] = (byte)'\n';
            times.Write(timeBuffer, 0, written + 1);
        }

        Frames++;
    }

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
                times?.Flush();
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
        times = options.ReceiveTimes ? new FileStream(name + TimesExtension, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 14) : null;
        logger.RecordingTo(name);
        DeleteOldFiles();
    }

    private void CloseFiles()
    {
        frames?.Dispose();
        times?.Dispose();
        frames = null;
        times = null;
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
