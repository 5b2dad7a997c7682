using System.Diagnostics;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Cli;
using BitcoinVolume.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace BitcoinVolume.Ingest.Tests;

/// <summary>The command-line replay into Kafka: same processing as the service, progress bar, summary, exit codes.</summary>
public sealed class ReplayCommandTests : IAsyncLifetime
{
    private readonly string file = Path.Combine(Path.GetTempPath(), $"bv-cli-{Guid.NewGuid():N}.ndjson");
    private KafkaTestCluster kafka = null!;

    public Task InitializeAsync()
    {
        kafka = KafkaTestCluster.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await kafka.DisposeAsync();
        File.Delete(file);
    }

    [Fact]
    public async Task Replays_a_recording_into_kafka_once_per_trade_with_progress_and_a_summary()
    {
        // The recording twice over (as two overlapping recordings would be), plus a bad line.
        var lines = File.ReadAllLines(TestData.RecordedExchangeFile);
        await File.WriteAllLinesAsync(file, [.. lines, "{oops", .. lines]);
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });

        var exit = await ReplayCommand.RunAsync(["replay", file, "--kafka", kafka.BootstrapServers], console, CancellationToken.None);

        var text = output.ToString();
        Assert.Equal(0, exit);
        Assert.Contains($"Replaying {2 * lines.Length + 1:N0} frames", text, StringComparison.Ordinal);
        Assert.Contains("frames/s", text, StringComparison.Ordinal);
        Assert.Matches(@"trades produced\s*│\s*107\b", text);
        Assert.Matches(@"duplicates dropped\s*│\s*107\b", text);
        Assert.Matches(@"Kafka acknowledged\s*│\s*108\b", text);

        var trades = kafka.ReadAll(Topics.Trades, 107, ContractSerializers.TradeDeserializer);
        Assert.Equal(107, trades.Count);
        Assert.Equal(107, trades.Select(t => (t.Value.Product, t.Value.TradeId)).Distinct().Count());
        var letter = Assert.Single(kafka.ReadAll(Topics.TradesDeadLetter, 1, ContractSerializers.DeadLetterDeserializer));
        Assert.Equal(("malformed_json", "{oops"), (letter.Value.Reason, letter.Value.Raw));
    }

    [Fact]
    public async Task Replays_cryptofeed_and_raw_recordings_together_per_venue_with_unserved_connections_in_the_summary()
    {
        // A folder as the brief's end-to-end check has it: the raw Coinbase recording, Binance's and Gemini's cryptofeed
        // files, our own recording of Coinbase frames, and a cryptofeed file of a venue no adapter serves (Gemini's
        // recording renamed to an exchange and host that do not exist).
        var folder = Path.Combine(Path.GetTempPath(), $"bv-cli-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            File.Copy(TestData.RecordedExchangeFile, Path.Combine(folder, "a-coinbase.ndjson"));
            File.Copy(Path.Combine(AppContext.BaseDirectory, "data", "cryptofeed", "BINANCE.jsonl"), Path.Combine(folder, "b-binance.jsonl"));
            File.Copy(Path.Combine(AppContext.BaseDirectory, "data", "cryptofeed", "GEMINI.jsonl"), Path.Combine(folder, "c-gemini.jsonl"));
            File.WriteAllLines(
                Path.Combine(folder, "e-unserved.jsonl"),
                File.ReadLines(Path.Combine(AppContext.BaseDirectory, "data", "cryptofeed", "GEMINI.jsonl"))
                    .Select(l => l.Replace("GEMINI", "NOWHERE", StringComparison.Ordinal).Replace("api.gemini.com", "stream.nowhere.test", StringComparison.Ordinal)));
            using (var recorder = new BitcoinVolume.Ingest.Recording.FrameRecorder(
                new RecordOptions { Path = Path.Combine(folder, "ours") }, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance))
            {
                foreach (var line in File.ReadLines(TestData.RecordedExchangeFile))
                {
                    recorder.Write(new BitcoinVolume.Ingest.Sources.RawFrame(System.Text.Encoding.UTF8.GetBytes(line), "coinbase-exchange#1"));
                }
            }

            File.Move(Directory.GetFiles(Path.Combine(folder, "ours")).Single(), Path.Combine(folder, "d-ours.ndjson"));
            var output = new StringWriter();
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, Interactive = InteractionSupport.No, Out = new AnsiConsoleOutput(output) });
            console.Profile.Width = 200;

            // The registered adapters read Binance, Coinbase and Gemini; the renamed file's connection is skipped and named.
            var exit = await ReplayCommand.RunAsync(["replay", folder, "--kafka", kafka.BootstrapServers], console, CancellationToken.None);

            var text = output.ToString();
            Assert.True(exit == 0, text);
            Assert.Contains($"Replaying {9946 + 265 + 563 + 9946:N0} frames from 5 file(s)", text, StringComparison.Ordinal);
            Assert.Matches(@"trades produced\s*│\s*621\b", text); // Coinbase's 107 once (our recording repeats them: duplicates), Binance's 2, Gemini's 512 spot
            Assert.Matches(@"duplicates dropped\s*│\s*107\b", text);
            Assert.Matches(@"dead-lettered\s*│\s*0\b", text);
            Assert.Matches(@"Kafka acknowledged\s*│\s*621\b", text);
            Assert.Matches(@"binance\s*│\s*265\s*│\s*2\s*│\s*0\b", text);
            Assert.Matches(@"coinbase\s*│\s*19,892\s*│\s*107\s*│\s*107\b", text);
            Assert.Matches(@"gemini\s*│\s*563\s*│\s*512\s*│\s*0\b", text);
            Assert.Contains("skipped: 563 frames of connection NOWHERE.ws.2 (wss://stream.nowhere.test/v2/marketdata/) in e-unserved.jsonl", text, StringComparison.Ordinal);

            var trades = kafka.ReadAll(Topics.Trades, 621, ContractSerializers.TradeDeserializer);
            Assert.Equal(621, trades.Count);
            Assert.Equal(512, trades.Count(t => t.Value.Venue == BitcoinVolume.Contracts.Venues.Gemini && t.Key == "gemini|" + t.Value.Product));
            Assert.Equal(102, trades.Count(t => t.Key == "gemini|BTC-USD"));
            Assert.Equal(
                [("binance|LRC-BTC", "LRC-BTC", 9213679L), ("binance|NKN-USDT", "NKN-USDT", 15683430L)],
                trades.Where(t => t.Value.Venue == "binance").Select(t => (t.Key, t.Value.Product, t.Value.TradeId)).Order());
            Assert.Equal(107, trades.Count(t => t.Value.Venue == BitcoinVolume.Contracts.Venues.Coinbase && t.Key == t.Value.Product));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData(new[] { "replay" }, "needs a PATH")]
    [InlineData(new[] { "replay", "/nonexistent/file.ndjson" }, "does not exist")]
    [InlineData(new[] { "replay", "x.ndjson", "--pace", "sometimes" }, "bad value for --pace")]
    [InlineData(new[] { "replay", "x.ndjson", "--colour", "blue" }, "unknown option '--colour'")]
    public async Task Bad_arguments_exit_with_2_and_say_why(string[] args, string message)
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, Interactive = InteractionSupport.No, Out = new AnsiConsoleOutput(output) });

        Assert.Equal(2, await ReplayCommand.RunAsync(args, console, CancellationToken.None));
        Assert.Contains(message, output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_service_executable_runs_the_command_before_any_web_host()
    {
        File.Copy(TestData.RecordedExchangeFile, file);
        var exe = Path.Combine(AppContext.BaseDirectory, "BitcoinVolume.Ingest.dll");
        using var process = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList = { exe, "replay", file, "--kafka", kafka.BootstrapServers, "--pace", "full" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["ASPNETCORE_URLS"] = "http://127.0.0.1:1" }, // a web host would fail to bind this
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.True(process.ExitCode == 0, await stdout + await stderr);
        Assert.Contains("trades produced", await stdout, StringComparison.Ordinal);
        Assert.Equal(107, kafka.ReadAll(Topics.Trades, 107, ContractSerializers.TradeDeserializer).Count);
    }
}
