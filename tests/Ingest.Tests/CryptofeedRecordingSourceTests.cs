using System.Text;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Sources;
using BitcoinVolume.Ingest.Tests.Fakes;
using BitcoinVolume.Ingest.Venues;
using BitcoinVolume.TestSupport;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace BitcoinVolume.Ingest.Tests;

/// <summary>
/// Replay of cryptofeed format-2 recordings (tests/data/cryptofeed): venue per connection, instruments from the http
/// records, unserved connections reported once, frames exactly as received. Frame counts were counted by hand with
/// <c>grep -c '"t":"recv","conn":"NAME"' FILE</c>.
/// </summary>
public sealed class CryptofeedRecordingSourceTests(ITestOutputHelper output) : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"bv-cryptofeed-{Guid.NewGuid():N}");

    private static string Recording(string name) => Path.Combine(AppContext.BaseDirectory, "data", "cryptofeed", name);

    public void Dispose()
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Binance_recording_replays_every_frame_of_its_connection_as_binance_with_its_instruments()
    {
        var file = Recording("BINANCE.jsonl");
        var binance = new CryptofeedTestVenue("binance", "stream.binance.com");
        var other = new CryptofeedTestVenue("other", "stream.example.com");
        var source = new CryptofeedRecordingSource(file, [other, binance]);

        var frames = await source.ReadFramesAsync(CancellationToken.None).ToListAsync();

        Assert.Equal(["binance"], source.Venues);
        Assert.Empty(source.Unserved);
        Assert.Equal(265, frames.Count); // grep -c '"t":"recv","conn":"BINANCE.ws.1"'
        Assert.Equal(265, source.FrameCount);
        Assert.All(frames, f => Assert.Equal("binance", f.Venue));

        // Instruments: exchangeInfo's 1,695 symbols, handed to the venue that reads them; every venue was offered every http record.
        var instruments = source.Instruments["binance"];
        Assert.Equal(1695, instruments.Count);
        Assert.Contains(new Instrument("NKNUSDT", "NKN-USDT"), instruments);
        Assert.Contains(new Instrument("LRCBTC", "LRC-BTC"), instruments);
        Assert.Equal(5, other.OfferedUrls.Count);
        Assert.Equal(5, binance.OfferedUrls.Count);

        // Frames exactly as received, origin file:line#conn, receive time = ts (exact decimal seconds).
        var lines = File.ReadAllLines(file);
        using (var first = JsonDocument.Parse(lines[7]))
        {
            Assert.Equal(first.RootElement.GetProperty("data").GetString(), Encoding.UTF8.GetString(frames[0].Data.Span));
        }

        Assert.Equal($"replay:{file}:8#BINANCE.ws.1", frames[0].Origin);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddTicks(16339985120633569), frames[0].ReceivedAt);
        var expected = lines.Select(l => JsonDocument.Parse(l).RootElement).Where(r => r.GetProperty("t").GetString() == "recv")
            .Select(r => r.GetProperty("data").GetString()).ToList();
        Assert.Equal(expected, frames.Select(f => Encoding.UTF8.GetString(f.Data.Span)));

        // Through the venue's parser with the instruments: the two aggTrades, both taker buys (m = false).
        var symbols = new SymbolMap(binance);
        symbols.AddRange(instruments);
        var parser = binance.CreateParser(new(), TimeProvider.System, symbols);
        var trades = new List<Trade>();
        foreach (var frame in frames)
        {
            parser.Parse(frame.Data.Span, trades);
        }

        Assert.Equal([("NKN-USDT", 15683430L, 0.3528m, 58m, TakerSide.Buy), ("LRC-BTC", 9213679L, 0.00000638m, 177m, TakerSide.Buy)],
            trades.Select(t => (t.Product, t.TradeId, t.Price, t.Size, t.Side)));
    }

    [Fact]
    public async Task Connections_no_venue_serves_are_skipped_counted_and_logged_once_each()
    {
        var logger = new TestOutputLogger(output, LogLevel.Warning);
        var file = Recording("KRAKEN.jsonl");
        var source = new CryptofeedRecordingSource(file, [new CryptofeedTestVenue("binance", "stream.binance.com")], logger: logger);

        var frames = await source.ReadFramesAsync(CancellationToken.None).ToListAsync();

        Assert.Empty(frames);
        Assert.Empty(source.Venues);
        Assert.Equal(
            [new UnservedConnection(file, "KRAKEN.ws.48", "wss://ws.kraken.com", 49), new UnservedConnection(file, "KRAKEN.ws.49", "wss://ws.kraken.com", 60),
                new UnservedConnection(file, "KRAKEN.ws.50", "wss://ws.kraken.com", 4321)],
            source.Unserved);
        var warnings = logger.Lines.Where(l => l.Message.Contains("served by no registered venue", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, warnings.Count);
        Assert.Contains(warnings, w => w.Message.Contains("KRAKEN.ws.50 (wss://ws.kraken.com)", StringComparison.Ordinal) && w.Message.Contains("4321 frames", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("BINANCE_US.jsonl", "stream.binance.us", 480)]
    [InlineData("BITSTAMP.jsonl", "ws.bitstamp.net", 747)]
    [InlineData("GEMINI.jsonl", "api.gemini.com", 563)] // its records put "conn" before "t"
    [InlineData("OKX.jsonl", "ws.okx.com", 410)]
    public async Task Every_recording_replays_all_recv_frames_of_its_served_connection(string name, string host, int recv)
    {
        var source = new CryptofeedRecordingSource(Recording(name), [new CryptofeedTestVenue("v", host)]);

        var frames = await source.ReadFramesAsync(CancellationToken.None).ToListAsync();

        Assert.Equal(recv, frames.Count);
        Assert.All(frames, f => Assert.Equal("v", f.Venue));
        Assert.All(frames, f => Assert.NotEqual(default, f.ReceivedAt));
        Assert.True(CryptofeedRecordingSource.IsRecording(Recording(name)));
    }

    [Fact]
    public async Task A_folder_mixes_raw_and_cryptofeed_recordings_and_a_bad_line_is_handed_on_for_the_dead_letters()
    {
        Directory.CreateDirectory(folder);
        File.Copy(TestData.RecordedExchangeFile, Path.Combine(folder, "a-coinbase.ndjson"));
        var lines = File.ReadAllLines(Recording("BINANCE.jsonl")).ToList();
        lines.Insert(9, "{oops");
        lines.Insert(10, "{\"t\":\"recv\",\"conn\":\"BINANCE.ws.1\",\"ts\":1633998512.5}");
        await File.WriteAllLinesAsync(Path.Combine(folder, "b-binance.jsonl"), lines);
        Assert.False(CryptofeedRecordingSource.IsRecording(Path.Combine(folder, "a-coinbase.ndjson")));

        var source = new CryptofeedRecordingSource(folder, [new CryptofeedTestVenue("binance", "stream.binance.com")]);
        var frames = await source.ReadFramesAsync(CancellationToken.None).ToListAsync();

        Assert.Equal([VenueRegistry.RecordedFramesVenue, "binance"], source.Venues);
        Assert.Equal(9946 + 265 + 2, frames.Count);
        Assert.Equal(frames.Count, source.FrameCount);
        Assert.Equal(9946, frames.Count(f => f.Venue == VenueRegistry.RecordedFramesVenue));
        var bad = frames.Where(f => f.Venue == "binance" && !f.Origin.Contains('#', StringComparison.Ordinal)).ToList();
        Assert.Equal(["{oops", lines[10]], bad.Select(f => Encoding.UTF8.GetString(f.Data.Span)));
        Assert.Empty(source.Instruments[VenueRegistry.RecordedFramesVenue]);
    }

    [Fact]
    public async Task Another_format_fails_with_a_clear_error_and_venues_are_unknown_before_opening()
    {
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, "old.jsonl");
        await File.WriteAllLinesAsync(file, ["{\"t\":\"header\",\"format\":1,\"exchange\":\"X\"}"]);
        var source = new CryptofeedRecordingSource(file, [new FakeVenue("x")]);

        Assert.Throws<InvalidOperationException>(() => source.Venues);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => source.OpenAsync(CancellationToken.None));
        Assert.Contains("format 1", error.Message, StringComparison.Ordinal);
    }
}
