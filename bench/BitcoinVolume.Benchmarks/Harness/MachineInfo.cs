using System.Diagnostics;
using System.Runtime.InteropServices;

namespace BitcoinVolume.Benchmarks.Harness;

/// <summary>The machine a report was measured on: figures only mean something next to it.</summary>
public sealed record MachineInfo(string CpuModel, int Cores, string Memory, string OperatingSystem, string Runtime, string Commit)
{
    public static MachineInfo Describe(string repositoryRoot)
    {
        var cpu = ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memKb = ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var memory = long.TryParse(memKb, out var kb) ? $"{kb / 1024.0 / 1024.0:0.0} GiB" : "unknown";
        return new MachineInfo(cpu, Environment.ProcessorCount, memory, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, GitCommit(repositoryRoot));
    }

    private static string[] ReadLines(string path) => File.Exists(path) ? File.ReadAllLines(path) : [];

    private static string GitCommit(string repositoryRoot)
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", ["-C", repositoryRoot, "rev-parse", "--short", "HEAD"]) { RedirectStandardOutput = true, RedirectStandardError = true });
            var commit = git?.StandardOutput.ReadToEnd().Trim();
            git?.WaitForExit();
            return string.IsNullOrEmpty(commit) ? "unknown" : commit;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }
}
