using System.Diagnostics;
using System.Globalization;

namespace BitcoinVolume.Benchmarks.Harness;

/// <summary>
/// dotnet-counters and dotnet-trace (local tools of the repository, <c>dotnet tool restore</c>) attached to a running
/// service: the runtime's own view of where its time and memory go.
/// </summary>
public static class DiagnosticTools
{
    /// <summary>Restores the repository's local tools; returns an error text, or null when they are ready.</summary>
    public static async Task<string?> RestoreAsync(string repositoryRoot)
    {
        var (code, output) = await RunAsync(repositoryRoot, ["tool", "restore"], TimeSpan.FromMinutes(3));
        return code == 0 ? null : $"`dotnet tool restore` failed ({code}): {output.Trim()}";
    }

    /// <summary>
    /// Collects the <c>System.Runtime</c> counters and those of meter <paramref name="meter"/> of <paramref name="pid"/> for
    /// <paramref name="duration"/>; returns the mean of each counter.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, double>> CountersAsync(string repositoryRoot, int pid, string meter, TimeSpan duration, string csvPath)
    {
        var (code, output) = await RunAsync(repositoryRoot,
            ["dotnet-counters", "collect", "-p", pid.ToString(CultureInfo.InvariantCulture), "--counters", $"System.Runtime,{meter}", "--format", "csv", "-o", csvPath,
             "--duration", duration.ToString(@"dd\:hh\:mm\:ss", CultureInfo.InvariantCulture)], duration + TimeSpan.FromSeconds(60));
        if (code != 0 || !File.Exists(csvPath))
        {
            throw new InvalidOperationException($"dotnet-counters failed ({code}): {output.Trim()}");
        }

        // Timestamp,Provider,Counter Name,Counter Type,Mean/Increment — one row per counter (and tag set) per second.
        return File.ReadLines(csvPath).Skip(1)
            .Select(line => line.Split(','))
            .Where(f => f.Length >= 5 && double.TryParse(f[^1], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            .GroupBy(f => f[2])
            .ToDictionary(g => g.Key, g => g.GroupBy(f => f[0]).Select(t => t.Sum(f => double.Parse(f[^1], CultureInfo.InvariantCulture))).Average());
    }

    /// <summary>A thread-time sampling trace of <paramref name="pid"/> and its top <paramref name="count"/> methods by exclusive time.</summary>
    public static async Task<string> TopMethodsAsync(string repositoryRoot, int pid, TimeSpan duration, string tracePath, int count)
    {
        var (code, output) = await RunAsync(repositoryRoot,
            ["dotnet-trace", "collect", "-p", pid.ToString(CultureInfo.InvariantCulture), "--profile", "dotnet-sampled-thread-time", "-o", tracePath,
             "--duration", duration.ToString(@"dd\:hh\:mm\:ss", CultureInfo.InvariantCulture)], duration + TimeSpan.FromSeconds(60));
        if (code != 0 || !File.Exists(tracePath))
        {
            throw new InvalidOperationException($"dotnet-trace failed ({code}): {output.Trim()}");
        }

        var (reportCode, report) = await RunAsync(repositoryRoot, ["dotnet-trace", "report", tracePath, "topN", "-n", count.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(2));
        return reportCode == 0 ? report.TrimEnd() : throw new InvalidOperationException($"dotnet-trace report failed ({reportCode}): {report.Trim()}");
    }

    private static async Task<(int Code, string Output)> RunAsync(string workingDirectory, string[] arguments, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("dotnet", arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"timed out after {timeout}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
