using System.Diagnostics;
using System.Text;
using System.Text.Json;
using BitcoinVolume.Ingest.Recording;
using BitcoinVolume.Ingest.Sources;
using BitcoinVolume.Ingest.Tests.Fakes;
using BitcoinVolume.Ingest.Venues;
using BitcoinVolume.Ingest.Venues.Coinbase;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BitcoinVolume.Ingest.Tests;

/// <summary>Recorder → replay: rotating venue-tagged recordings (cryptofeed format 2) read back byte for byte, as a folder, a glob or a file, at either pace; old raw recordings still read.</summary>
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
    public async Task Recorded_frames_replay_identically_from_rotated_venue_tagged_files_as_folder_glob_or_file()
    {
        var frames = File.ReadLines(TestData.RecordedExchangeFile).Take(300).Select(Encoding.UTF8.GetBytes).ToList();
        frames.Insert(7, Encoding.UTF8.GetBytes("{\"type\":\"heartbeat\",\n\"last_trade_id\":5,\r\n\"product_id\":\"BTC-USD\"}"));
        using (var recorder = new FrameRecorder(new RecordOptions { Path = folder, MaxFileBytes = 16 * 1024 }, time, NullLogger.Instance, Registry()))
        {
            foreach (var (frame, i) in frames.Select((f, i) => (f, i)))
            {
                // Two live connections (a reconnect halfway), and a few frames another venue tagged.
                var origin = i < 150 ? "coinbase-exchange#1" : "coinbase-exchange#2";
                recorder.Write(new RawFrame(frame, origin, time.GetUtcNow(), i % 50 == 49 ? "binance" : null));
                time.Advance(TimeSpan.FromMilliseconds(3));
            }

            Assert.Equal(frames.Count, recorder.Frames);
        }

        var files = Directory.GetFiles(folder, "*.ndjson").Order(StringComparer.Ordinal).ToList();
        Assert.True(files.Count >= 3, $"rotated by size into {files.Count} files");
        Assert.All(files, f => Assert.True(new FileInfo(f).Length <= 16 * 1024 || File.ReadLines(f).Count(l => l.Contains("\"t\":\"recv\"", StringComparison.Ordinal)) == 1, $"{f} is over the size limit"));
        Assert.Empty(Directory.GetFiles(folder, "*.times"));

        // Format 2: every file starts with our header, names its connections (venue, live URL) before their frames.
        Assert.All(files, f => Assert.True(CryptofeedRecordingSource.IsRecording(f)));
        var first = File.ReadLines(files[0]).Take(3).ToList();
        Assert.StartsWith("{\"t\":\"header\",\"format\":2,\"exchange\":\"BITCOINVOLUME\"", first[0], StringComparison.Ordinal);
        Assert.Equal("{\"t\":\"connect\",\"conn\":\"coinbase-exchange#1\",\"ts\":1772359200,\"addr\":\"wss://ws-feed.exchange.coinbase.com/\",\"venue\":\"coinbase\"}", first[1]);
        Assert.StartsWith("{\"t\":\"recv\",\"conn\":\"coinbase-exchange#1\",\"ts\":1772359200,\"data\":\"{", first[2], StringComparison.Ordinal);

        // Frames come back exactly as received (CR/LF inside a frame too), each with its venue.
        var expected = frames.Select(f => Encoding.UTF8.GetString(f)).ToList();
        var venues = Venues();
        Assert.Equal(expected, await ReadAllAsync(new CryptofeedRecordingSource(folder, venues)));
        Assert.Equal(expected, await ReadAllAsync(new CryptofeedRecordingSource(Path.Combine(folder, "frames-*.ndjson"), venues)));
        var replayed = await new CryptofeedRecordingSource(folder, venues).ReadFramesAsync(CancellationToken.None).ToListAsync();
        Assert.Equal(frames.Select((_, i) => i % 50 == 49 ? "binance" : "coinbase"), replayed.Select(f => f.Venue));

        // Receive times come back with the frames; the origin names file, line and connection.
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero), replayed[0].ReceivedAt);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero).AddMilliseconds(3 * (frames.Count - 1)), replayed[^1].ReceivedAt);
        Assert.Equal($"replay:{files[0]}:3#coinbase-exchange#1", replayed[0].Origin);

        // Re-recording a replay keeps the connections (the origin's CONN), and the copy replays the same.
        var copy = Path.Combine(folder, "copy");
        using (var recorder = new FrameRecorder(new RecordOptions { Path = copy }, time, NullLogger.Instance))
        {
            foreach (var frame in replayed)
            {
                recorder.Write(frame);
            }
        }

        var copied = await new CryptofeedRecordingSource(copy, venues).ReadFramesAsync(CancellationToken.None).ToListAsync();
        Assert.Equal(replayed.Select(f => (Encoding.UTF8.GetString(f.Data.Span), f.Venue, f.ReceivedAt, FrameRecorder.ConnectionOf(f.Origin))),
            copied.Select(f => (Encoding.UTF8.GetString(f.Data.Span), f.Venue, f.ReceivedAt, FrameRecorder.ConnectionOf(f.Origin))));
        Assert.Equal(2, File.ReadLines(Directory.GetFiles(copy).Single()).Count(l => l.StartsWith("{\"t\":\"connect\"", StringComparison.Ordinal) && l.Contains("\"coinbase\"", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("coinbase-exchange#3", "coinbase-exchange#3")]
    [InlineData("replay:/data/frames-1.ndjson:12#coinbase-exchange#3", "coinbase-exchange#3")]
    [InlineData("replay:/data/BINANCE.jsonl:8#BINANCE.ws.1", "BINANCE.ws.1")]
    [InlineData("replay:/data/old.ndjson:12", "replay:/data/old.ndjson")]
    [InlineData("synthetic:17", "synthetic")]
    [InlineData("x", "x")]
    public void A_frames_connection_is_its_live_origin_or_the_recorded_connection(string origin, string connection) =>
        Assert.Equal(connection, FrameRecorder.ConnectionOf(origin));

    [Fact]
    public async Task Old_raw_recordings_with_their_sidecar_still_replay_with_receive_times_also_beside_new_ones()
    {
        Directory.CreateDirectory(folder);
        var raw = Path.Combine(folder, "frames-20260101T000000Z-0000.ndjson");
        await File.WriteAllLinesAsync(raw, ["{\"a\":1}", "{\"a\":2}"]);
        await File.WriteAllLinesAsync(raw + FrameRecorder.TimesExtension, ["1767225600000000", "1767225600500000"]);
        using (var recorder = new FrameRecorder(new RecordOptions { Path = folder }, time, NullLogger.Instance))
        {
            recorder.Write(new RawFrame(Encoding.UTF8.GetBytes("{\"a\":3}"), "coinbase-exchange#1", time.GetUtcNow()));
        }

        var old = await new ReplayFileSource(raw).ReadFramesAsync(CancellationToken.None).ToListAsync();
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(1767225600.5), old[1].ReceivedAt);

        var both = await new CryptofeedRecordingSource(folder, Venues()).ReadFramesAsync(CancellationToken.None).ToListAsync();
        Assert.Equal(["{\"a\":1}", "{\"a\":2}", "{\"a\":3}"], both.Select(f => Encoding.UTF8.GetString(f.Data.Span)));
        Assert.All(both, f => Assert.Equal("coinbase", f.Venue));
        Assert.Equal([DateTimeOffset.UnixEpoch.AddSeconds(1767225600), DateTimeOffset.UnixEpoch.AddSeconds(1767225600.5), time.GetUtcNow()], both.Select(f => f.ReceivedAt));
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
        Assert.Equal(["{\"n\":3}", "{\"n\":4}"], files.SelectMany(f => File.ReadLines(f).Where(l => l.Contains("\"recv\"", StringComparison.Ordinal))).Select(RecvData));
        Assert.All(files, f => Assert.Equal(3, File.ReadLines(f).Count())); // header, connect, recv: each file stands alone
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

        var recorded = await Timed(new CryptofeedRecordingSource(folder, Venues(), new ReplayOptions { Pace = ReplayPace.Recorded }));
        var faster = await Timed(new CryptofeedRecordingSource(folder, Venues(), new ReplayOptions { Pace = ReplayPace.Recorded, Speed = 4 }));
        var full = await Timed(new CryptofeedRecordingSource(folder, Venues(), new ReplayOptions { Pace = ReplayPace.Full }));

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

    private static VenueRegistry Registry() => new([new CoinbaseVenue(Options.Create(new CoinbaseOptions()), null!)]);

    private static IReadOnlyList<IVenue> Venues() => [new FakeVenue("coinbase"), new FakeVenue("binance")];

    private static string RecvData(string line) => JsonDocument.Parse(line).RootElement.GetProperty("data").GetString()!;

    private static async Task<List<string>> ReadAllAsync(IFrameSource source)
    {
        var frames = new List<string>();
        await foreach (var frame in source.ReadFramesAsync(CancellationToken.None))
        {
            frames.Add(Encoding.UTF8.GetString(frame.Data.Span));
        }

        return frames;
    }

    private static async Task<TimeSpan> Timed(IFrameSource source)
    {
        var watch = Stopwatch.StartNew();
        Assert.Equal(5, (await ReadAllAsync(source)).Count);
        return watch.Elapsed;
    }
}
