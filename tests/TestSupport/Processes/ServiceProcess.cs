using System.Diagnostics;
using System.Text;

namespace BitcoinVolume.TestSupport;

/// <summary>
/// One of the system's services as a real OS process (`dotnet BitcoinVolume.X.dll` from its own build output), with its
/// configuration given as environment variables, output captured to a log file, and SIGKILL on demand.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly string name;
    private readonly string dll;
    private readonly IReadOnlyDictionary<string, string> environment;
    private readonly StreamWriter log;
    private Process? process;
    private List<string> linesSinceStart = [];

    public ServiceProcess(string name, string project, string assembly, IReadOnlyDictionary<string, string> environment, string logPath)
    {
        this.name = name;
        this.environment = environment;
        dll = Path.Combine(RepositoryRoot, "src", project, "bin", BuildConfiguration, "net10.0", assembly + ".dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is not built; build the solution first.", dll);
        }

        LogPath = logPath;
        log = new StreamWriter(logPath, append: true, Encoding.UTF8) { AutoFlush = true };
    }

    public string LogPath { get; }

    public int Starts { get; private set; }

    public bool IsRunning => process is { HasExited: false };

    /// <summary>The operating-system process id of the current run (null before the first start).</summary>
    public int? ProcessId => process?.Id;

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static string BuildConfiguration => AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    public void Start()
    {
        var info = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        info.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        info.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        Starts++;
        lock (log)
        {
            linesSinceStart = [];
        }

        log.WriteLine($"===== {DateTime.UtcNow:O} start #{Starts} of {name}");
        process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {name}");
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a crash.</summary>
    public async Task KillAsync()
    {
        if (process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
            log.WriteLine($"===== {DateTime.UtcNow:O} SIGKILLed {name}");
        }
    }

    /// <summary>Waits until the current run has printed a line containing <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            lock (log)
            {
                if (linesSinceStart.Exists(l => l.Contains(text, StringComparison.Ordinal)))
                {
                    return;
                }
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{name} did not print '{text}' within {timeout} (log: {LogPath})");
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        process?.Dispose();
        await log.DisposeAsync();
    }

    private void Write(string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.WriteLine(line);
                linesSinceStart.Add(line);
            }
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BitcoinVolume.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("BitcoinVolume.sln not found above " + AppContext.BaseDirectory);
    }
}
