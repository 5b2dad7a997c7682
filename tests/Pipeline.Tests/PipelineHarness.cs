using System.Net;
using System.Net.Sockets;
using BitcoinVolume.Contracts;
using BitcoinVolume.DevBroker;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace BitcoinVolume.Pipeline.Tests;

/// <summary>
/// The development broker in-process, and aggregator and sink instances as separate OS processes that a test can
/// SIGKILL and restart; trades are produced straight to `trades`; results are read through the sink's HTTP API. Both
/// services run with the same base window, <see cref="Window"/> (<c>Aggregate:Window</c> = <c>Sink:Window</c>, as the
/// AppHost passes one value to both).
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
        Broker = DevelopmentBroker.Start(new DevelopmentBrokerOptions { Port = 0 }, NullLogger.Instance);
        SinkPort = FreeTcpPort();
        http.BaseAddress = new Uri($"http://127.0.0.1:{SinkPort}");
    }

    public DevelopmentBroker Broker { get; }

    /// <summary>The base window of the aggregator and the sink.</summary>
    public WindowSpec Window { get; }

    /// <summary>A folder for this test's files (logs, databases, state).</summary>
    public string WorkDirectory => workDir;

    public int SinkPort { get; }

    /// <summary>An aggregator instance with its own RocksDB folder (kept across restarts of the same instance).</summary>
    public ServiceProcess Aggregator(string name, int? httpPort = null, string? statePath = null) => Add(new ServiceProcess(name, "Aggregate.Service", "BitcoinVolume.Aggregate", new Dictionary<string, string>
    {
        ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort ?? 0}",
        ["ConnectionStrings__kafka"] = Broker.BootstrapServers,
        ["Aggregate__StatePath"] = statePath ?? Path.Combine(workDir, name),
        ["Aggregate__Window"] = Window.ToString(),
        ["Aggregate__Kafka__session.timeout.ms"] = "6000",
        ["Aggregate__Kafka__heartbeat.interval.ms"] = "1000",

        // Static membership: a restarted instance takes its old place in the group at once (no session timeout to wait).
        ["Aggregate__Kafka__group.instance.id"] = name,
    }, Path.Combine(workDir, name + ".log")));

    public ServiceProcess Sink() => Add(new ServiceProcess("sink", "Sink.Service", "BitcoinVolume.Sink", new Dictionary<string, string>
    {
        ["ConnectionStrings__kafka"] = Broker.BootstrapServers,
        ["ConnectionStrings__volumes"] = $"Data Source={Path.Combine(workDir, "volumes.db")}",
        ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{SinkPort}",
        ["Sink__Window"] = Window.ToString(),
    }, Path.Combine(workDir, "sink.log")));

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
    public async Task ProduceAsync(IReadOnlyList<Trade> trades, TimeSpan duration, CancellationToken ct)
    {
        using var producer = new ProducerBuilder<string, Trade>(new ProducerConfig
        {
            BootstrapServers = Broker.BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            CompressionType = CompressionType.Lz4,
            LingerMs = 20,
        }).SetValueSerializer(ContractSerializers.TradeSerializer).Build();
        const int chunk = 2_000;
        var pause = duration / Math.Max(1, trades.Count / chunk);
        for (var i = 0; i < trades.Count; i++)
        {
            producer.Produce(Topics.Trades, new Message<string, Trade> { Key = trades[i].Product, Value = trades[i] });
            if (i % chunk == chunk - 1)
            {
                await Task.Delay(pause, ct);
            }
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));
    }

    /// <summary>Polls the API until every oracle window is there with its exact value (or the time is up), then asserts.</summary>
    public Task AssertSinkEqualsOracleAsync(Dictionary<(string, TakerSide, DateTime), OracleWindow> oracle, TimeSpan timeout) =>
        AssertSinkEqualsOracleAsync(oracle, Window, timeout);

    /// <summary>
    /// Like the overload above, for an oracle of <paramref name="interval"/> windows read at that interval:
    /// <see cref="Window"/> itself or a rollup of it.
    /// </summary>
    public async Task AssertSinkEqualsOracleAsync(Dictionary<(string, TakerSide, DateTime), OracleWindow> oracle, WindowSpec interval, TimeSpan timeout)
    {
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

        Assert.Fail($"{differences.Count} of {oracle.Count} windows differ from the oracle after {timeout}; first: {string.Join(" | ", differences.Take(5))}. Logs in {workDir}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in processes)
        {
            await process.DisposeAsync();
        }

        http.Dispose();
        await Broker.DisposeAsync();
    }

    private ServiceProcess Add(ServiceProcess process)
    {
        processes.Add(process);
        return process;
    }

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
