using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.DevBroker;
using BitcoinVolume.TestSupport;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;

namespace BitcoinVolume.Benchmarks.Harness;

/// <summary>
/// One measured run of the system: a fresh development broker (in this process, over TCP) and the three services as
/// separate OS processes from their Release builds, with their default settings; probes read topic watermarks, the
/// consumer groups' committed offsets and the services' APIs, never their internals.
/// </summary>
public sealed class PipelineRun : IAsyncDisposable
{
    private readonly List<ServiceProcess> services = [];
    private readonly Dictionary<string, IConsumer<byte[], byte[]>> groupProbes = [];
    private readonly IConsumer<byte[], byte[]> watermarkProbe;

    public PipelineRun(string name, int partitions, IEnumerable<TopicSpec>? extraTopics = null)
    {
        WorkDirectory = Path.Combine(Path.GetTempPath(), "bv-bench", $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{name}");
        Directory.CreateDirectory(WorkDirectory);
        Partitions = partitions;
        Broker = DevelopmentBroker.Start(
            new DevelopmentBrokerOptions { Port = 0, Topics = [.. BenchTopics(partitions), .. extraTopics ?? []] },
            NullLogger.Instance);
        watermarkProbe = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = Broker.BootstrapServers, GroupId = "bench-probe" }).Build();
        SinkPort = TestPorts.FreeTcpPort();
        SinkApi = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{SinkPort}"), Timeout = TimeSpan.FromMinutes(2) };
        Aggregator = Add(new ServiceProcess("aggregate", "Aggregate.Service", "BitcoinVolume.Aggregate", new Dictionary<string, string>
        {
            ["ConnectionStrings__kafka"] = Broker.BootstrapServers,
            ["Aggregate__StatePath"] = Path.Combine(WorkDirectory, "aggregate-state"),
            ["Aggregate__Kafka__fetch.wait.max.ms"] = DevelopmentFetchWaitMs,
            ["Aggregate__Kafka__session.timeout.ms"] = DevelopmentSessionTimeoutMs,
            ["Aggregate__Kafka__heartbeat.interval.ms"] = DevelopmentHeartbeatIntervalMs,
        }, Path.Combine(WorkDirectory, "aggregate.log")));
        Sink = Add(new ServiceProcess("sink", "Sink.Service", "BitcoinVolume.Sink", new Dictionary<string, string>
        {
            ["ConnectionStrings__kafka"] = Broker.BootstrapServers,
            ["ConnectionStrings__volumes"] = $"Data Source={Path.Combine(WorkDirectory, "volumes.db")}",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{SinkPort}",
            ["Sink__Kafka__fetch.wait.max.ms"] = DevelopmentFetchWaitMs,
            ["Sink__Kafka__session.timeout.ms"] = DevelopmentSessionTimeoutMs,
            ["Sink__Kafka__heartbeat.interval.ms"] = DevelopmentHeartbeatIntervalMs,
        }, Path.Combine(WorkDirectory, "sink.log")));
    }

    /// <summary>
    /// The consumers' fetch wait, as the AppHost sets it with the development broker: its mock cluster answers an empty
    /// fetch only after <c>fetch.wait.max.ms</c> (default 500 ms) even when data arrives meanwhile, unlike a real broker.
    /// </summary>
    public const string DevelopmentFetchWaitMs = "10";

    /// <summary>
    /// The consumers' session timeout, as the AppHost sets it with the development broker: its mock cluster lets a
    /// rebalance of a running group wait session.timeout.ms − 1 s (44 s at the default) even when every member has rejoined.
    /// </summary>
    public const string DevelopmentSessionTimeoutMs = "6000";

    /// <summary>The heartbeat interval that goes with <see cref="DevelopmentSessionTimeoutMs"/>.</summary>
    public const string DevelopmentHeartbeatIntervalMs = "2000";

    public string WorkDirectory { get; }

    public int Partitions { get; }

    public DevelopmentBroker Broker { get; }

    public ServiceProcess Aggregator { get; }

    public ServiceProcess Sink { get; }

    public ServiceProcess? Ingest { get; private set; }

    public int SinkPort { get; }

    public HttpClient SinkApi { get; }

    public HttpClient? IngestApi { get; private set; }

    /// <summary>The contract's topics, with <c>trades</c> and <c>volumes.1m</c> at <paramref name="partitions"/> partitions.</summary>
    public static IReadOnlyList<TopicSpec> BenchTopics(int partitions) =>
        [.. Topics.All.Select(t => t.Name is Topics.Trades or Topics.Volumes1m ? t with { Partitions = partitions } : t)];

    /// <summary>Starts the sink and the aggregator and waits until both own their partitions.</summary>
    public async Task StartConsumersAsync()
    {
        Sink.Start();
        Aggregator.Start();
        await Aggregator.WaitForOutputAsync("Assigned partition", TimeSpan.FromSeconds(90));
        await Sink.WaitForOutputAsync("Partitions assigned", TimeSpan.FromSeconds(90));
    }

    /// <summary>Starts the ingest service reading <paramref name="source"/> (e.g. <c>synthetic:…</c>).</summary>
    public ServiceProcess StartIngest(string source)
    {
        var port = TestPorts.FreeTcpPort();
        Ingest = Add(new ServiceProcess("ingest", "Ingest.Service", "BitcoinVolume.Ingest", new Dictionary<string, string>
        {
            ["ConnectionStrings__kafka"] = Broker.BootstrapServers,
            ["Ingest__Source"] = source,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
        }, Path.Combine(WorkDirectory, "ingest.log")));
        IngestApi = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        Ingest.Start();
        return Ingest;
    }

    /// <summary>A CPU meter over every service process and this one (which hosts the broker and the probes).</summary>
    public CpuMeter CpuMeter() => new CpuMeter()
        .Track("ingest", () => Ingest?.ProcessId)
        .Track("aggregate", () => Aggregator.ProcessId)
        .Track("sink", () => Sink.ProcessId)
        .Track("broker+harness", () => Environment.ProcessId);

    /// <summary>(low, high) watermark of every partition of <paramref name="topic"/>.</summary>
    public (long Low, long High)[] Watermarks(string topic) =>
        [.. Enumerable.Range(0, PartitionsOf(topic)).Select(p =>
        {
            var w = watermarkProbe.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10));
            return (w.Low.Value, w.High.Value);
        })];

    public long EndOffsets(string topic) => Watermarks(topic).Sum(w => w.High);

    /// <summary>
    /// Records the broker has dropped from the start of the log (the development broker keeps ~5 MiB per partition).
    /// Harmless once consumed; a record dropped before the aggregator read it blocks its partition (the run never drains)
    /// and one the sink never saw leaves a window wrong (the exactness check fails).
    /// </summary>
    public long Trimmed(string topic) => Watermarks(topic).Sum(w => w.Low);

    /// <summary>Sum of the offsets <paramref name="group"/> has committed on <paramref name="topic"/> (what it has durably processed).</summary>
    public long Committed(string group, string topic) => CommittedByPartition(group, topic).Sum();

    /// <summary>The offset <paramref name="group"/> has committed on each partition of <paramref name="topic"/> (0 when none).</summary>
    public long[] CommittedByPartition(string group, string topic)
    {
        if (!groupProbes.TryGetValue(group, out var probe))
        {
            probe = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = Broker.BootstrapServers, GroupId = group }).Build();
            groupProbes[group] = probe;
        }

        var partitions = Enumerable.Range(0, PartitionsOf(topic)).Select(p => new TopicPartition(topic, p));
        return [.. probe.Committed(partitions, TimeSpan.FromSeconds(10)).OrderBy(o => o.Partition.Value).Select(o => Math.Max(0, o.Offset.Value))];
    }

    public async Task<JsonElement> IngestStatusAsync() =>
        await (IngestApi ?? throw new InvalidOperationException("ingest is not started")).GetFromJsonAsync<JsonElement>("/api/ingest/status");

    /// <summary>
    /// Polls until <paramref name="expectedTrades"/> trades are on <c>trades</c>, the aggregator has committed all of them
    /// and the sink has committed every window record they produced (i.e. written them to the database). Returns the
    /// progress samples; throws with the last sample on timeout.
    /// </summary>
    /// <remarks>
    /// Back-pressure: the development broker keeps only ~5 MiB per partition, so a reader more than that behind would
    /// lose records a real broker keeps on disk. While any partition of <c>trades</c> is more than
    /// <see cref="MaxTradeLag"/> records ahead of the aggregator, or of <c>volumes.1m</c> more than
    /// <see cref="MaxWindowLag"/> ahead of the sink, the ingest process is paused (SIGSTOP) and resumed (SIGCONT) at three
    /// quarters of that: the run goes at the pace of its slowest stage, as it would with unbounded topics. Paused time is reported.
    /// </remarks>
    public async Task<List<Progress>> WaitUntilDrainedAsync(long expectedTrades, TimeSpan timeout)
    {
        var samples = new List<Progress>();
        var watch = Stopwatch.StartNew();
        var nextLog = TimeSpan.FromSeconds(5);
        var paused = false;
        var pausedSince = TimeSpan.Zero;
        try
        {
            while (true)
            {
                var aggregatedBy = CommittedByPartition("aggregate", Topics.Trades);
                var producedBy = Watermarks(Topics.Trades).Select(w => w.High).ToArray();
                var windowsBy = Watermarks(Topics.Volumes1m).Select(w => w.High).ToArray();
                var sunkBy = CommittedByPartition("sink", Topics.Volumes1m);
                var (aggregated, produced, windows, sunk) = (aggregatedBy.Sum(), producedBy.Sum(), windowsBy.Sum(), sunkBy.Sum());
                var tradeLag = producedBy.Zip(aggregatedBy, (p, a) => p - a).Max();
                var windowLag = windowsBy.Zip(sunkBy, (w, c) => w - c).Max();
                if (!paused && Ingest is { ProcessId: int pid } && (tradeLag > MaxTradeLag || windowLag > MaxWindowLag))
                {
                    paused = Signal(pid, "STOP");
                    pausedSince = watch.Elapsed;
                }
                else if (paused && tradeLag <= MaxTradeLag * 3 / 4 && windowLag <= MaxWindowLag * 3 / 4)
                {
                    Signal(Ingest!.ProcessId!.Value, "CONT");
                    paused = false;
                    PausedTime += watch.Elapsed - pausedSince;
                }

                var sample = new Progress(watch.Elapsed, produced, aggregated, windows, sunk);
                samples.Add(sample);
                if (aggregated >= expectedTrades && produced == aggregated && windows > 0 && sunk == windows)
                {
                    return samples;
                }

                if (watch.Elapsed > nextLog)
                {
                    Log.Info($"  {sample}{(PausedTime > TimeSpan.Zero || paused ? $"; ingest paused {(PausedTime + (paused ? watch.Elapsed - pausedSince : TimeSpan.Zero)).TotalSeconds:0.0} s so far" : string.Empty)}");
                    nextLog += TimeSpan.FromSeconds(5);
                }

                if (watch.Elapsed > timeout)
                {
                    throw new TimeoutException($"not drained within {timeout}: {sample} (expected {expectedTrades:N0} trades); logs in {WorkDirectory}");
                }

                if (Ingest is { IsRunning: false } && produced < expectedTrades)
                {
                    throw new InvalidOperationException($"ingest exited after producing {produced:N0} of {expectedTrades:N0} trades; see {Ingest.LogPath}");
                }

                await Task.Delay(100);
            }
        }
        finally
        {
            if (paused && Ingest?.ProcessId is int pid)
            {
                Signal(pid, "CONT");
            }
        }
    }

    /// <summary>Most records a partition of <c>trades</c> may hold unread by the aggregator before ingest is paused (~2 MB).</summary>
    public const long MaxTradeLag = 40_000;

    /// <summary>Most records a partition of <c>volumes.1m</c> may hold unread by the sink before ingest is paused (~1.5 MB).</summary>
    public const long MaxWindowLag = 15_000;

    /// <summary>How long ingest was paused by back-pressure in <see cref="WaitUntilDrainedAsync"/>.</summary>
    public TimeSpan PausedTime { get; private set; }

    private static bool Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false });
        kill?.WaitForExit();
        return kill?.ExitCode == 0;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in services)
        {
            await service.DisposeAsync();
        }

        foreach (var probe in groupProbes.Values)
        {
            probe.Dispose();
        }

        watermarkProbe.Dispose();
        SinkApi.Dispose();
        IngestApi?.Dispose();
        await Broker.DisposeAsync();
    }

    private int PartitionsOf(string topic) => Broker.Topics.First(t => t.Name == topic).Partitions;

    private ServiceProcess Add(ServiceProcess service)
    {
        services.Add(service);
        return service;
    }
}

/// <summary>One progress sample: trades on the topic, trades the aggregator committed, window records, records the sink committed.</summary>
public sealed record Progress(TimeSpan At, long Produced, long Aggregated, long Windows, long Sunk)
{
    public override string ToString() => $"{At.TotalSeconds,6:0.0}s: trades {Produced:N0} produced, {Aggregated:N0} aggregated; windows {Windows:N0} produced, {Sunk:N0} in the database";
}
