using System.Text.Json;
using Aspire.Hosting.Testing;
using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;
using Xunit.Abstractions;

namespace BitcoinVolume.EndToEnd.Tests;

/// <summary>
/// A whole-system restart through the AppHost on its default, the development broker (issue 14): a recording split
/// mid-minute, part 1 replayed, everything stopped (broker included: its log dies), part 2 replayed by a new AppHost with
/// the same aggregator state folder and database → <c>/api/volumes</c> equals the oracle of the WHOLE file.
/// </summary>
public class RestartReplayTests(ITestOutputHelper output)
{
    private static readonly string RecordedFile = Path.Combine(AppContext.BaseDirectory, "data", "coinbase-exchange-matches-2021-04-17.ndjson");

    [Fact]
    public async Task A_recording_replayed_in_two_parts_across_a_restart_of_the_whole_system_yields_the_volumes_of_the_whole_file()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var ct = timeout.Token;
        var folder = Directory.CreateTempSubdirectory("bv-restart-e2e-").FullName;
        var database = Path.Combine(folder, "volumes.db");
        var state = Path.Combine(folder, "aggregate-state");

        // Split in the middle of the busiest minute (16:44: SKL-USD, DASH-BTC, BAND-BTC … trade on both sides of the cut).
        var lines = await File.ReadAllLinesAsync(RecordedFile, ct);
        var inLastMinute = lines.Select((line, i) => (line, i)).Where(x => IsMatchAt(x.line, "16:44")).Select(x => x.i).ToList();
        var cut = inLastMinute[inLastMinute.Count / 2];
        var part1 = Path.Combine(folder, "part1.ndjson");
        var part2 = Path.Combine(folder, "part2.ndjson");
        await File.WriteAllLinesAsync(part1, lines[..cut], ct);
        await File.WriteAllLinesAsync(part2, lines[cut..], ct);

        var whole = WindowOracle.Compute(RecordedFrames.Trades(RecordedFile));
        var first = WindowOracle.Compute(RecordedFrames.Trades(part1));
        var cutWindows = first.Where(w => whole[w.Key] != w.Value).Select(w => w.Key).ToList();
        output.WriteLine($"cut at line {cut}; windows on both sides of the cut: {string.Join(", ", cutWindows)}");
        Assert.NotEmpty(cutWindows);

        await ReplayAsync(part1, first, "part 1");
        await ReplayAsync(part2, whole, "part 2 after the restart");

        async Task ReplayAsync(string file, Dictionary<(string, TakerSide, DateTime), OracleWindow> expected, string what)
        {
            var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
                [
                    $"--Ingest:Source=replay:{file}",
                    $"--DevBroker:Port={TestPorts.FreeTcpPort()}",
                    $"--ConnectionStrings:volumes=Data Source={database}",
                    $"--Aggregate:StatePath={state}",
                ],
                ct);
            await using var app = await appHost.BuildAsync(ct);
            await app.StartAsync(ct);
            await app.ResourceNotifications.WaitForResourceHealthyAsync("sink", ct);
            using var http = app.CreateHttpClient("sink");
            List<string> differences;
            while ((differences = await SinkOracle.DifferencesAsync(http, expected, ct)).Count > 0)
            {
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {what}: {differences.Count} windows differ, e.g. {differences[0]}");
                await Task.Delay(1000, ct);
            }

            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {what}: all {expected.Count} windows equal the oracle; stopping everything");
        }
    }

    private static bool IsMatchAt(string line, string minute)
    {
        using var json = JsonDocument.Parse(line);
        return json.RootElement.GetProperty("type").GetString() is "match" or "last_match"
            && json.RootElement.GetProperty("time").GetString()!.Substring(11, 5) == minute;
    }
}
