using BitcoinVolume.Contracts;
using Xunit.Abstractions;

namespace BitcoinVolume.TestSupport;

/// <summary>
/// The development broker in-process (<see cref="KafkaTestCluster"/>), and ingest, aggregator and sink instances as
/// separate OS processes (<see cref="ServiceProcess"/>) that a test can SIGKILL and restart; trades are produced straight
/// to `trades` (or by an ingest process); results are read through the sink's HTTP API. The aggregator and the sink run
/// with the same base window, <see cref="Window"/> (<c>Aggregate:Window</c> = <c>Sink:Window</c>, as the AppHost passes
/// one value to both).
/// </summary>
public sealed class PipelineHarness : IAsyncDisposable
{
    private readonly ITestOutputHelper output;
    private readonly List<ServiceProcess> processes = [];
    private readonly string workDir = Path.Combine(Path.GetTempPath(), $"bv-pipeline-{Guid.NewGuid():N}");
    private readonly HttpClient http = new();

    public PipelineHarness(ITestOutputHelper output, WindowSpec? window = null)
    {
        this.output = output;
        Window = window ?? WindowSpec.Default;
        Directory.CreateDirectory(workDir);
        Kafka = KafkaTestCluster.Start();
        SinkPort = TestPorts.FreeTcpPort();
        http.BaseAddress = new Uri($"http://127.0.0.1:{SinkPort}");
    }

    /// <summary>The development broker (a new one after <see cref="RestartBrokerAsync"/>, on the same port).</summary>
    public KafkaTestCluster Kafka { get; private set; }

    /// <summary>The processes created so far (ingest, aggregators, sink), in creation order.</summary>
    public IReadOnlyList<ServiceProcess> Processes => processes;

    /// <summary>
    /// A whole-system restart: SIGKILLs every running process (ingest, aggregators, sink), then the development broker
    /// (<see cref="RestartBrokerAsync"/>: a new, empty one on the same port), waits <paramref name="pause"/> and starts the
    /// same processes again with the same state folders and database. Returns the processes restarted, in start order
    /// (sinks and aggregators before ingest).
    /// </summary>
    public async Task<IReadOnlyList<ServiceProcess>> RestartEverythingAsync(TimeSpan pause)
    {
        var running = processes.Where(p => p.IsRunning).ToList();
        foreach (var process in running)
        {
            await process.KillAsync();
        }

        await RestartBrokerAsync();
        await Task.Delay(pause);
        var order = running.OrderBy(p => p.LogPath.EndsWith("ingest.log", StringComparison.Ordinal)).ToList();
        foreach (var process in order)
        {
            process.Start();
        }

        return order;
    }

    /// <summary>
    /// Stops the development broker (its in-memory log dies with it) and starts a NEW one — another incarnation, empty but
    /// for the contract topics — on the same port, so the processes' <c>ConnectionStrings:kafka</c> still points at it.
    /// </summary>
    public async Task RestartBrokerAsync()
    {
        var port = Kafka.Port;
        await Kafka.DisposeAsync();
        Kafka = KafkaTestCluster.Start(port);
    }

    /// <summary>The base window of the aggregator and the sink.</summary>
    public WindowSpec Window { get; }

    /// <summary>A folder for this test's files (logs, databases, state).</summary>
    public string WorkDirectory => workDir;

    public int SinkPort { get; }

    /// <summary>
    /// An aggregator instance with its own RocksDB folder (kept across restarts of the same instance);
    /// <paramref name="settings"/> add or replace variables.
    /// </summary>
    public ServiceProcess Aggregator(string name, int? httpPort = null, string? statePath = null, IReadOnlyDictionary<string, string>? settings = null) => Add(new ServiceProcess(name, "Aggregate.Service", "BitcoinVolume.Aggregate", With(new Dictionary<string, string>
    {
        ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort ?? 0}",
        ["ConnectionStrings__kafka"] = Kafka.BootstrapServers,
        ["Aggregate__StatePath"] = statePath ?? Path.Combine(workDir, name),
        ["Aggregate__Window"] = Window.ToString(),
        ["Aggregate__Kafka__session.timeout.ms"] = "6000",
        ["Aggregate__Kafka__heartbeat.interval.ms"] = "1000",

        // Static membership: a restarted instance takes its old place in the group at once (no session timeout to wait).
        ["Aggregate__Kafka__group.instance.id"] = name,
    }, settings), Path.Combine(workDir, name + ".log")));

    /// <summary>The sink on <see cref="SinkPort"/> with SQLite in the work folder; <paramref name="settings"/> add or replace variables.</summary>
    public ServiceProcess Sink(IReadOnlyDictionary<string, string>? settings = null) => Add(new ServiceProcess("sink", "Sink.Service", "BitcoinVolume.Sink", With(new Dictionary<string, string>
    {
        ["ConnectionStrings__kafka"] = Kafka.BootstrapServers,
        ["ConnectionStrings__volumes"] = $"Data Source={SinkDatabase}",
        ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{SinkPort}",
        ["Sink__Window"] = Window.ToString(),
    }, settings), Path.Combine(workDir, "sink.log")));

    /// <summary>The sink's SQLite database file.</summary>
    public string SinkDatabase => Path.Combine(workDir, "volumes.db");

    /// <summary>
    /// An ingest instance on <paramref name="httpPort"/> producing to the broker, its durable high-water marks in
    /// <see cref="IngestStatePath"/> (kept across its restarts); <paramref name="settings"/> say what it reads.
    /// </summary>
    public ServiceProcess Ingest(int httpPort, IReadOnlyDictionary<string, string> settings) => Add(new ServiceProcess("ingest", "Ingest.Service", "BitcoinVolume.Ingest", With(new Dictionary<string, string>
    {
        ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort}",
        ["ConnectionStrings__kafka"] = Kafka.BootstrapServers,
        ["Ingest__State__Path"] = IngestStatePath,
    }, settings), Path.Combine(workDir, "ingest.log")));

    /// <summary>Ingest's state folder (<c>Ingest:State:Path</c>) in the work folder.</summary>
    public string IngestStatePath => Path.Combine(workDir, "ingest-state");

    /// <summary>
    /// Aggregator state (default window) in a new folder (returned), built from <paramref name="trades"/> by one
    /// aggregator against a development broker of its own, which is gone afterwards.
    /// </summary>
    public static async Task<string> BuildStateAsync(ITestOutputHelper output, IReadOnlyList<Trade> trades)
    {
        var state = Path.Combine(Path.GetTempPath(), $"bv-state-{Guid.NewGuid():N}");
        await using var harness = new PipelineHarness(output);
        var aggregator = harness.Aggregator("aggregate", statePath: state);
        aggregator.Start();
        await harness.ProduceAsync(trades, TimeSpan.Zero, CancellationToken.None);
        await aggregator.WaitForOutputAsync("Committed state", TimeSpan.FromSeconds(60));
        await Task.Delay(1000);
        return state;
    }

    /// <summary>Produces the trades in chunks, pausing between chunks so the stream lasts about <paramref name="duration"/>.</summary>
    public Task ProduceAsync(IReadOnlyList<Trade> trades, TimeSpan duration, CancellationToken ct) => Kafka.ProduceTradesAsync(trades, duration, ct);

    /// <summary>Polls the API until every oracle window is there with its exact value (or the time is up), then asserts.</summary>
    public Task AssertSinkEqualsOracleAsync(Dictionary<(string, TakerSide, DateTime), OracleWindow> oracle, TimeSpan timeout) =>
        AssertSinkEqualsOracleAsync(oracle, Window, timeout);

    /// <summary>
    /// Like the overload above, for an oracle of <paramref name="interval"/> windows read at that interval:
    /// <see cref="Window"/> itself or a rollup of it. Throws when the sink still differs after <paramref name="timeout"/>.
    /// </summary>
    public async Task AssertSinkEqualsOracleAsync(Dictionary<(string, TakerSide, DateTime), OracleWindow> oracle, WindowSpec interval, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(oracle);
        var deadline = DateTime.UtcNow + timeout;
        List<string> differences = [];
        while (DateTime.UtcNow < deadline)
        {
            differences = await SinkOracle.DifferencesAsync(http, oracle, interval);
            if (differences.Count == 0)
            {
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss} all {oracle.Count} {interval} windows equal the oracle");
                return;
            }

            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {differences.Count} windows differ, e.g. {differences[0]}");
            await Task.Delay(2000);
        }

        throw new SinkDiffersException($"{differences.Count} of {oracle.Count} windows differ from the oracle after {timeout}; first: {string.Join(" | ", differences.Take(5))}. Logs in {workDir}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in processes)
        {
            await process.DisposeAsync();
        }

        http.Dispose();
        await Kafka.DisposeAsync();
    }

    private static Dictionary<string, string> With(Dictionary<string, string> defaults, IReadOnlyDictionary<string, string>? settings)
    {
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            defaults[key] = value;
        }

        return defaults;
    }

    private ServiceProcess Add(ServiceProcess process)
    {
        processes.Add(process);
        return process;
    }
}

/// <summary>The sink's API does not serve what the oracle expects (a test failure).</summary>
public sealed class SinkDiffersException(string message) : Exception(message);
