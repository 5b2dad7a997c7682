using System.Diagnostics;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Cli;
using BitcoinVolume.TestSupport;
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
