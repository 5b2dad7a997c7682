using System.Globalization;

namespace BitcoinVolume.Benchmarks.Harness;

/// <summary>
/// Reads a process's CPU time and memory from Linux's /proc: the resource profile behind every figure (which process
/// used the cores, which one grew). Returns zeros where /proc is missing, so figures still print elsewhere.
/// </summary>
public static class ProcFs
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>User + system CPU seconds the process has used so far.</summary>
    public static double CpuSeconds(int pid)
    {
        var text = Read($"/proc/{pid}/stat");
        if (text is null)
        {
            return 0;
        }

        // Fields after the command name "(...)": state is field 3, utime field 14, stime field 15.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>Peak resident set size (VmHWM) in bytes.</summary>
    public static long PeakRssBytes(int pid) => StatusKilobytes(pid, "VmHWM:") * 1024;

    /// <summary>Current resident set size (VmRSS) in bytes.</summary>
    public static long RssBytes(int pid) => StatusKilobytes(pid, "VmRSS:") * 1024;

    /// <summary>Busy and total CPU seconds of the whole machine (all cores), from /proc/stat.</summary>
    public static (double Busy, double Total) MachineCpuSeconds()
    {
        var line = Read("/proc/stat")?.Split('\n')[0];
        if (line is null)
        {
            return (0, 0);
        }

        var values = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var total = values.Take(8).Sum();
        var idle = values[3] + values[4]; // idle + iowait
        return ((total - idle) / TicksPerSecond, total / TicksPerSecond);
    }

    private static long StatusKilobytes(int pid, string field)
    {
        var line = Read($"/proc/{pid}/status")?.Split('\n').FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>CPU used by each named process (and the whole machine) between <see cref="Start"/> and <see cref="Stop"/>.</summary>
public sealed class CpuMeter
{
    private readonly List<(string Name, Func<int?> Pid, double Start)> processes = [];
    private (double Busy, double Total) machineStart;
    private long started;

    /// <summary>Adds a process; <paramref name="pid"/> is read at start and stop (a process that is not running counts zero).</summary>
    public CpuMeter Track(string name, Func<int?> pid)
    {
        processes.Add((name, pid, 0));
        return this;
    }

    public CpuMeter Start()
    {
        for (var i = 0; i < processes.Count; i++)
        {
            processes[i] = processes[i] with { Start = processes[i].Pid() is int pid ? ProcFs.CpuSeconds(pid) : 0 };
        }

        machineStart = ProcFs.MachineCpuSeconds();
        started = System.Diagnostics.Stopwatch.GetTimestamp();
        return this;
    }

    public CpuProfile Stop()
    {
        var wall = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        var machine = ProcFs.MachineCpuSeconds();
        var rows = processes
            .Select(p => (p.Name, Cores: p.Pid() is int pid ? (ProcFs.CpuSeconds(pid) - p.Start) / wall : 0))
            .ToList();
        var machineCores = machine.Total - machineStart.Total > 0 ? (machine.Busy - machineStart.Busy) / wall : 0;
        return new CpuProfile(wall, rows, machineCores, Environment.ProcessorCount);
    }
}

/// <summary>Average cores each process used over <paramref name="WallSeconds"/>, and the machine's busy cores.</summary>
public sealed record CpuProfile(double WallSeconds, IReadOnlyList<(string Name, double Cores)> Processes, double MachineBusyCores, int MachineCores)
{
    public override string ToString() =>
        string.Join(", ", Processes.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Name} {p.Cores:0.00}"))) +
        string.Create(CultureInfo.InvariantCulture, $"; machine {MachineBusyCores:0.00} of {MachineCores} cores busy");
}
