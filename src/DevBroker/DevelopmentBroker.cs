using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BitcoinVolume.Contracts;
using BitcoinVolume.DevBroker.Native;

namespace BitcoinVolume.DevBroker;

/// <summary>
/// A Kafka broker for development and tests: librdkafka's built-in mock cluster (one broker, in memory), reachable
/// on a fixed port through a small TCP forwarder, with the system's topics created up front.
/// </summary>
/// <remarks>
/// The mock speaks the real Kafka wire protocol (produce, fetch, consumer groups, idempotent producer, metadata),
/// but it is NOT a production broker: it keeps everything in memory, at most ~5 MiB per partition (older data is
/// dropped), has no CreateTopics/DeleteTopics/DescribeConfigs admin API, and nothing survives a restart.
/// </remarks>
public sealed class DevelopmentBroker : IAsyncDisposable
{
    private const int BrokerId = 1;

    private readonly MockCluster cluster;
    private readonly TcpForwarder forwarder;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private Task? disposal;

    private DevelopmentBroker(MockCluster cluster, TcpForwarder forwarder, string host, IReadOnlyList<TopicSpec> topics,
        string incarnation, ILogger logger)
    {
        Incarnation = incarnation;
        this.cluster = cluster;
        this.forwarder = forwarder;
        this.logger = logger;
        Host = host;
        Port = forwarder.LocalEndPoint.Port;
        Topics = topics;
        EndPoint = forwarder.LocalEndPoint;
        MockBootstrapServers = cluster.Bootstraps;
    }

    /// <summary>The address clients connect to: <c>Host:Port</c>, e.g. <c>127.0.0.1:9092</c>.</summary>
    public string BootstrapServers => Host.Contains(':', StringComparison.Ordinal) && !Host.StartsWith('[')
        ? $"[{Host}]:{Port.ToString(CultureInfo.InvariantCulture)}"
        : $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The host the broker listens on and advertises.</summary>
    public string Host { get; }

    /// <summary>The fixed port clients use (the real one when 0 was asked for).</summary>
    public int Port { get; }

    /// <summary>The bound listening endpoint.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>
    /// This run's random id (32 hex digits): the broker also creates the topic
    /// <see cref="BitcoinVolume.Contracts.Topics.DevelopmentBrokerIncarnationPrefix"/> + this id, so clients can tell a
    /// restarted (empty) broker from the one their state was built against.
    /// </summary>
    public string Incarnation { get; }

    /// <summary>The topic that carries <see cref="Incarnation"/> in its name.</summary>
    public string IncarnationTopic => BitcoinVolume.Contracts.Topics.DevelopmentBrokerIncarnationPrefix + Incarnation;

    /// <summary>The topics created at start (without the incarnation topic).</summary>
    public IReadOnlyList<TopicSpec> Topics { get; }

    /// <summary>The mock broker's own random listener; clients never need it (everything goes through <see cref="Port"/>).</summary>
    public string MockBootstrapServers { get; }

    /// <summary>True from a successful <see cref="Start"/> until disposal begins.</summary>
    public bool IsRunning => Volatile.Read(ref disposal) is null;

    /// <summary>Client connections currently forwarded to the mock broker.</summary>
    public int ActiveConnections => forwarder.ActiveConnections;

    /// <summary>
    /// Starts the mock cluster, creates every topic, and listens on <see cref="DevelopmentBrokerOptions.Host"/>:<see cref="DevelopmentBrokerOptions.Port"/>.
    /// </summary>
    /// <exception cref="PortInUseException">The port is taken.</exception>
    /// <exception cref="DllNotFoundException">librdkafka could not be loaded (the message lists what was tried).</exception>
    public static DevelopmentBroker Start(DevelopmentBrokerOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();

        var host = options.Host.Trim();
        var topics = options.Topics.ToArray();
        var address = ResolveListenAddress(host);

        // Bind the fixed port first: a taken port is the most likely failure and needs no native resources.
        var forwarder = TcpForwarder.Bind(address, options.Port, logger);
        MockCluster? cluster = null;
        try
        {
            var library = LibRdKafka.EnsureLoaded();
            cluster = MockCluster.Create(brokerCount: 1, logger);

            // Read the real (random) port before re-advertising: afterwards Metadata reports Host:Port.
            var upstream = ParseFirstEndPoint(cluster.Bootstraps);
            cluster.SetControllerId(BrokerId);
            cluster.SetGroupInitialRebalanceDelay(options.GroupInitialRebalanceDelay);
            foreach (var topic in topics)
            {
                cluster.CreateTopic(topic.Name, topic.Partitions, replicationFactor: 1);
            }

            // The mock's own cluster id is no incarnation signal: it is "mockCluster" + the cluster's memory address, which
            // the next mock cluster in the same process reuses (measured: mockCluster1fbddf007f24 twice in a row). A random
            // id in a topic name is one (the mock has no topic configs to carry it, and no client here to produce a record).
            var incarnation = Guid.NewGuid().ToString("N");
            cluster.CreateTopic(BitcoinVolume.Contracts.Topics.DevelopmentBrokerIncarnationPrefix + incarnation, 1, replicationFactor: 1);

            cluster.SetBrokerHostPort(BrokerId, host, forwarder.LocalEndPoint.Port);
            forwarder.Start(upstream);

            var broker = new DevelopmentBroker(cluster, forwarder, host, topics, incarnation, logger);
            broker.LogStarted(library, upstream);
            return broker;
        }
        catch
        {
            forwarder.DisposeAsync().AsTask().GetAwaiter().GetResult();
            cluster?.Dispose();
            throw;
        }
    }

    private void LogStarted(string library, IPEndPoint upstream)
    {
        DevBrokerLog.NotForProduction(logger, MockCluster.Version);
        DevBrokerLog.Ready(logger, BootstrapServers, upstream, library);
        DevBrokerLog.TopicsCreated(logger, string.Join(", ", Topics.Select(t => $"{t.Name} ({t.Partitions} partition{(t.Partitions == 1 ? "" : "s")})")));
        DevBrokerLog.Incarnation(logger, Incarnation, IncarnationTopic);
    }

    private static IPAddress ResolveListenAddress(string host)
    {
        var trimmed = host.Trim('[', ']');
        if (IPAddress.TryParse(trimmed, out var address))
        {
            return address;
        }

        try
        {
            var addresses = Dns.GetHostAddresses(trimmed);
            return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
                ?? addresses.FirstOrDefault()
                ?? throw new ArgumentException($"{DevelopmentBrokerOptions.SectionName}:Host '{host}' resolves to no address.", nameof(host));
        }
        catch (SocketException ex)
        {
            throw new ArgumentException($"{DevelopmentBrokerOptions.SectionName}:Host '{host}' cannot be resolved: {ex.Message}", nameof(host), ex);
        }
    }

    /// <summary>Parses the first entry of a librdkafka bootstrap list (<c>host:port[,host:port...]</c>).</summary>
    internal static IPEndPoint ParseFirstEndPoint(string bootstraps)
    {
        var first = bootstraps.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        var separator = first.LastIndexOf(':');
        if (separator <= 0 || !int.TryParse(first.AsSpan(separator + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535)
        {
            throw new InvalidOperationException($"Unexpected mock cluster bootstrap address '{bootstraps}'.");
        }

        var host = first[..separator].Trim('[', ']');
        var address = IPAddress.TryParse(host, out var parsed) ? parsed
            : host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
            : Dns.GetHostAddresses(host).First();
        return new IPEndPoint(address, port);
    }

    /// <summary>Stops the forwarder (closing every client connection), then destroys the mock cluster. Safe to call more than once.</summary>
    public ValueTask DisposeAsync()
    {
        lock (gate)
        {
            disposal ??= DisposeCoreAsync();
            return new ValueTask(disposal);
        }
    }

    private async Task DisposeCoreAsync()
    {
        await Task.Yield();
        try
        {
            await forwarder.DisposeAsync();
        }
        finally
        {
            cluster.Dispose();
            DevBrokerLog.Stopped(logger, BootstrapServers);
        }
    }
}
