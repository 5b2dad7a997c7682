using System.Diagnostics;
using System.Text;
using BitcoinVolume.Ingest.Recording;
using BitcoinVolume.Ingest.Sources;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BitcoinVolume.Ingest.Tests;

/// <summary>Recorder → replay: rotating plain NDJSON files read back byte for byte, as a folder, a glob or a file, at either pace.</summary>
public sealed class RecordReplayTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"bv-record-{Guid.NewGuid():N}");
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero));

    public void Dispose()
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Recorded_frames_replay_identically_from_rotated_files_as_folder_glob_or_file()
    {
        var frames = File.ReadLines(TestData.RecordedExchangeFile).Take(300).Select(Encoding.UTF8.GetBytes).ToList();
        frames.Insert(7, Encoding.UTF8.GetBytes("{\"type\":\"heartbeat\",\n\"last_trade_id\":5,\r\n\"product_id\":\"BTC-USD\"}"));
        using (var recorder = new FrameRecorder(new RecordOptions { Path = folder, MaxFileBytes = 16 * 1024 }, time, NullLogger.Instance))
        {
            foreach (var (frame, i) in frames.Select((f, i) => (f, i)))
            {
                recorder.Write(new RawFrame(frame, "live#1", time.GetUtcNow()));
                time.Advance(TimeSpan.FromMilliseconds(3));
            }

            Assert.Equal(frames.Count, recorder.Frames);
        }

        var files = Directory.GetFiles(folder, "*.ndjson").Order(StringComparer.Ordinal).ToList();
        Assert.True(files.Count >= 3, $"rotated by size into {files.Count} files");
        Assert.All(files, f => Assert.True(new FileInfo(f).Length <= 16 * 1024 || File.ReadAllLines(f).Length == 1, $"{f} is over the size limit"));
        Assert.All(files, f => Assert.Equal(File.ReadAllLines(f).Length, File.ReadAllLines(f + FrameRecorder.TimesExtension).Length));

        // Raw CR/LF inside a frame becomes a space (JSON whitespace): one frame stays one line and means the same.
        var expected = frames.Select(f => Encoding.UTF8.GetString(f).Replace('\n', ' ').Replace('\r', ' ')).ToList();
        Assert.Equal(expected, await ReadAllAsync(new ReplayFileSource(folder)));
        Assert.Equal(expected, await ReadAllAsync(new ReplayFileSource(Path.Combine(folder, "frames-*.ndjson"))));
        Assert.Equal(expected.Take(File.ReadAllLines(files[0]).Length), await ReadAllAsync(new ReplayFileSource(files[0])));

        // The files are plain NDJSON: any line reader sees the frames.
        Assert.Equal(expected, files.SelectMany(File.ReadLines));

        // Receive times come back with the frames.
        var first = await new ReplayFileSource(folder).ReadFramesAsync(CancellationToken.None).FirstAsync();
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero), first.ReceivedAt);
        Assert.StartsWith($"replay:{files[0]}:1", first.Origin, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_rotate_by_age_and_the_oldest_beyond_the_limit_are_deleted()
    {
        using (var recorder = new FrameRecorder(new RecordOptions { Path = folder, MaxFileAge = TimeSpan.FromMinutes(1), MaxFiles = 2 }, time, NullLogger.Instance))
        {
            for (var i = 0; i < 5; i++)
            {
                recorder.Write(new RawFrame(Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"), "x"));
                time.Advance(TimeSpan.FromSeconds(61));
            }
        }

        var files = Directory.GetFiles(folder, "*.ndjson").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, files.Count);
        Assert.Equal(["{\"n\":3}", "{\"n\":4}"], files.SelectMany(File.ReadLines));
        Assert.Equal(2, Directory.GetFiles(folder, "*.times").Length);
    }

    [Fact]
    public async Task Replay_at_the_recorded_pace_follows_the_receive_times_divided_by_the_speed()
    {
        using (var recorder = new FrameRecorder(new RecordOptions { Path = folder }, time, NullLogger.Instance))
        {
            for (var i = 0; i < 5; i++)
            {
                recorder.Write(new RawFrame(Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"), "x", time.GetUtcNow()));
                time.Advance(TimeSpan.FromMilliseconds(150));
            }
        }

        var recorded = await Timed(new ReplayFileSource(folder, new ReplayOptions { Pace = ReplayPace.Recorded }));
        var faster = await Timed(new ReplayFileSource(folder, new ReplayOptions { Pace = ReplayPace.Recorded, Speed = 4 }));
        var full = await Timed(new ReplayFileSource(folder, new ReplayOptions { Pace = ReplayPace.Full }));

        Assert.InRange(recorded, TimeSpan.FromMilliseconds(570), TimeSpan.FromSeconds(3));
        Assert.InRange(faster, TimeSpan.FromMilliseconds(140), TimeSpan.FromMilliseconds(550));
        Assert.True(full < TimeSpan.FromMilliseconds(140), $"full speed took {full}");

        // A plain file without receive times replays at full speed even when the recorded pace is asked for.
        var plain = Path.Combine(folder, "plain.json");
        await File.WriteAllLinesAsync(plain, ["{\"a\":1}", "{\"a\":2}"]);
        Assert.Equal(["{\"a\":1}", "{\"a\":2}"], await ReadAllAsync(new ReplayFileSource(plain, new ReplayOptions { Pace = ReplayPace.Recorded })));
    }

    [Fact]
    public async Task Blank_lines_a_bom_crlf_and_an_oversized_line_are_handled_with_bounded_memory()
    {
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, "odd.ndjson");
        var huge = "{\"type\":\"match\",\"x\":\"" + new string('a', 5000) + "\"}";
        await File.WriteAllTextAsync(file, "\uFEFF{\"a\":1}\r\n\r\n   \n" + huge + "\n{\"a\":2}", new UTF8Encoding(false));

        var frames = await ReadAllAsync(new ReplayFileSource(file, maxFrameBytes: 1000));

        Assert.Equal(3, frames.Count);
        Assert.Equal("{\"a\":1}", frames[0]);
        Assert.Equal(1001, frames[1].Length); // cut: the parser dead-letters it as oversized
        Assert.Equal("{\"a\":2}", frames[2]);
        Assert.Throws<FileNotFoundException>(() => ReplayFileSource.ResolveFiles(Path.Combine(folder, "nothing-*.ndjson")));
        Assert.Equal(3, await ReplayFileSource.CountFramesAsync([file], CancellationToken.None));
    }

    private static async Task<List<string>> ReadAllAsync(ReplayFileSource source)
    {
        var frames = new List<string>();
        await foreach (var frame in source.ReadFramesAsync(CancellationToken.None))
        {
            frames.Add(Encoding.UTF8.GetString(frame.Data.Span));
        }

        return frames;
    }

    private static async Task<TimeSpan> Timed(ReplayFileSource source)
    {
        var watch = Stopwatch.StartNew();
        Assert.Equal(5, (await ReadAllAsync(source)).Count);
        return watch.Elapsed;
    }
}
