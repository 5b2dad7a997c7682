using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace BitcoinVolume.DevBroker.Tests;

public sealed class DevelopmentBrokerTests(ITestOutputHelper output)
{
    private readonly TestOutputLogger logger = new(output);

    private DevelopmentBroker StartOnFreePort() =>
        DevelopmentBroker.Start(new DevelopmentBrokerOptions { Port = 0 }, logger);

    [Fact]
    public async Task MetadataOverTheFixedPortListsEveryTopicWithItsPartitionCount()
    {
        await using var broker = StartOnFreePort();
        Assert.Equal($"127.0.0.1:{broker.Port}", broker.BootstrapServers);
        Assert.NotEqual(broker.MockBootstrapServers, broker.BootstrapServers);

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        var stopwatch = Stopwatch.StartNew();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
        output.WriteLine($"GetMetadata took {stopwatch.ElapsedMilliseconds} ms");

        // The one broker advertises the fixed port, never the mock's random one.
        var advertised = Assert.Single(metadata.Brokers);
        Assert.Equal(1, advertised.BrokerId);
        Assert.Equal("127.0.0.1", advertised.Host);
        Assert.Equal(broker.Port, advertised.Port);

        foreach (var spec in Topics.All)
        {
            var topic = Assert.Single(metadata.Topics, t => t.Topic == spec.Name);
            Assert.Equal(ErrorCode.NoError, topic.Error.Code);
            Assert.Equal(spec.Partitions, topic.Partitions.Count);
            Assert.All(topic.Partitions, p => Assert.Equal(1, p.Leader));
        }

        // The start-up log says clearly what this broker is.
        var warning = Assert.Single(logger.Lines, l => l.Level == LogLevel.Warning).Message;
        Assert.Contains("DEVELOPMENT", warning, StringComparison.Ordinal);
        Assert.Contains("in memory", warning, StringComparison.Ordinal);
        Assert.Contains("5 MiB per partition", warning, StringComparison.Ordinal);
        Assert.Contains("restart", warning, StringComparison.Ordinal);
        Assert.Contains("NOT for production", warning, StringComparison.Ordinal);
        Assert.Contains(logger.Lines, l => l.Message.Contains(broker.BootstrapServers, StringComparison.Ordinal));
        Assert.Contains(logger.Lines, l => l.Message.Contains("trades (6 partitions)", StringComparison.Ordinal)
            && l.Message.Contains("trades.dlq (1 partition)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EachStartHasItsOwnIncarnationTopic()
    {
        string first;
        string? firstClusterId;
        await using (var broker = StartOnFreePort())
        {
            (first, firstClusterId) = await IncarnationAndClusterIdAsync(broker);
            Assert.Equal(broker.Incarnation, first);
            Assert.Matches("^[0-9a-f]{32}$", first);
            Assert.Contains(logger.Lines, l => l.Message.Contains(broker.IncarnationTopic, StringComparison.Ordinal));
        }

        await using var second = StartOnFreePort();
        var (incarnation, clusterId) = await IncarnationAndClusterIdAsync(second);
        output.WriteLine($"mock cluster ids: {firstClusterId} then {clusterId}; incarnations {first} then {incarnation}");
        Assert.NotEqual(first, incarnation);

        // The mock's cluster id is "mockCluster" + its memory address, which the next mock cluster may reuse (measured: the
        // same id twice in a row here), so it cannot tell two incarnations apart; the incarnation topic can.
        Assert.StartsWith("mockCluster", firstClusterId, StringComparison.Ordinal);
        Assert.StartsWith("mockCluster", clusterId, StringComparison.Ordinal);
    }

    private static async Task<(string Incarnation, string? ClusterId)> IncarnationAndClusterIdAsync(DevelopmentBroker broker)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        var incarnation = Assert.Single(admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics.Select(t => Topics.IncarnationOf(t.Topic)).OfType<string>());
        var cluster = await admin.DescribeClusterAsync(new DescribeClusterOptions { RequestTimeout = TimeSpan.FromSeconds(10) });
        return (incarnation, cluster.ClusterId);
    }

    [Fact]
    public async Task IdempotentLz4ProducerAndGroupConsumerRoundTrip10000KeyedMessages()
    {
        const int count = 10_000;
        await using var broker = StartOnFreePort();

        var expected = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var stopwatch = Stopwatch.StartNew();
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            CompressionType = CompressionType.Lz4,
            LingerMs = 5,
        }).Build())
        {
            var failures = 0;
            for (var i = 0; i < count; i++)
            {
                var key = $"PRODUCT-{i % 23}";
                var value = string.Create(CultureInfo.InvariantCulture, $"{{\"trade_id\":{i},\"product_id\":\"{key}\",\"size\":\"0.{i:D8}\"}}");
                if (!expected.TryGetValue(key, out var values))
                {
                    expected[key] = values = [];
                }

                values.Add(value);
                producer.Produce(Topics.Trades, new Message<string, string> { Key = key, Value = value }, report =>
                {
                    if (report.Error.IsError || report.Status != PersistenceStatus.Persisted)
                    {
                        Interlocked.Increment(ref failures);
                    }
                });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
            Assert.Equal(0, failures);
        }

        output.WriteLine($"Produced {count} messages in {stopwatch.ElapsedMilliseconds} ms");

        stopwatch.Restart();
        var actual = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var partitions = new HashSet<int>();
        var received = 0;
        using (var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = "devbroker-tests-" + Guid.NewGuid().ToString("N"),
            GroupProtocol = GroupProtocol.Consumer,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build())
        {
            consumer.Subscribe(Topics.Trades);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (received < count && DateTime.UtcNow < deadline)
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (result is null || result.IsPartitionEOF)
                {
                    continue;
                }

                if (received == 0)
                {
                    output.WriteLine($"First message after {stopwatch.ElapsedMilliseconds} ms");
                }

                received++;
                partitions.Add(result.Partition.Value);
                if (!actual.TryGetValue(result.Message.Key, out var values))
                {
                    actual[result.Message.Key] = values = [];
                }

                values.Add(result.Message.Value);
            }

            // Nothing beyond the 10,000.
            var extra = consumer.Consume(TimeSpan.FromMilliseconds(500));
            Assert.Null(extra);
            Assert.True(broker.ActiveConnections > 0, "the clients should be connected through the forwarder");
            consumer.Close();
        }

        output.WriteLine($"Consumed {received} messages from {partitions.Count} partitions in {stopwatch.ElapsedMilliseconds} ms");
        Assert.Equal(count, received);
        Assert.True(partitions.Count > 1, "keys should spread over several partitions");
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, values) in expected)
        {
            // Same key, same partition: the order of a key's messages is kept.
            Assert.Equal(values, actual[key]);
        }
    }

    [Fact]
    public async Task DisposingTwiceIsSafeAndFreesThePort()
    {
        var broker = StartOnFreePort();
        var port = broker.Port;

        // A connected client keeps forwarded connections open until the broker goes.
        // (Its "connection refused" log lines after the broker is gone are expected.)
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers })
            .SetLogHandler((_, m) => logger.Log(LogLevel.Debug, "{Client}: {Message}", m.Name, m.Message)).Build())
        {
            await producer.ProduceAsync(Topics.Trades, new Message<string, string> { Key = "k", Value = "v" });
            await WaitUntil(() => broker.ActiveConnections > 0, TimeSpan.FromSeconds(10));
            Assert.True(broker.IsRunning);

            var stopwatch = Stopwatch.StartNew();
            await Task.WhenAll(broker.DisposeAsync().AsTask(), broker.DisposeAsync().AsTask());
            await broker.DisposeAsync();
            output.WriteLine($"Disposed in {stopwatch.ElapsedMilliseconds} ms");
            Assert.False(broker.IsRunning);
            Assert.Equal(0, broker.ActiveConnections);
        }

        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            var refused = await Assert.ThrowsAsync<SocketException>(() => probe.ConnectAsync(IPAddress.Loopback, port));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }

        await using var second = DevelopmentBroker.Start(new DevelopmentBrokerOptions { Port = port }, logger);
        Assert.Equal(port, second.Port);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = second.BootstrapServers }).Build();
        Assert.Equal(Topics.All.Count + 1, admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics.Count); // + the incarnation topic
    }

    [Fact]
    public async Task ClassicProtocolConsumerGroupAlsoWorks()
    {
        await using var broker = StartOnFreePort();
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            await producer.ProduceAsync(Topics.Volumes1m, new Message<string, string> { Key = "BTC-USD|buy|0", Value = "{}" });
        }

        var stopwatch = Stopwatch.StartNew();
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = "devbroker-classic-" + Guid.NewGuid().ToString("N"),
            GroupProtocol = GroupProtocol.Classic,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe(Topics.Volumes1m);
        var result = consumer.Consume(TimeSpan.FromSeconds(30));
        output.WriteLine($"Classic protocol: first message after {stopwatch.ElapsedMilliseconds} ms");
        Assert.NotNull(result);
        Assert.Equal("BTC-USD|buy|0", result.Message.Key);
        consumer.Commit(result);
        Assert.Equal(result.Offset + 1, consumer.Committed([result.TopicPartition], TimeSpan.FromSeconds(10)).Single().Offset);
        consumer.Close();
    }

    [Fact]
    public async Task ForwarderHandlesManyConnectionsAndReleasesThemWhenClientsClose()
    {
        const int connections = 200;
        await using var broker = StartOnFreePort();
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < connections; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                await socket.ConnectAsync(broker.EndPoint);
            }

            await WaitUntil(() => broker.ActiveConnections == connections, TimeSpan.FromSeconds(10));
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {connections} connections forwarded");
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }

        await WaitUntil(() => broker.ActiveConnections == 0, TimeSpan.FromSeconds(10));
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} all released");

        // Still serving afterwards.
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        Assert.Equal(Topics.All.Count + 1, admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics.Count); // + the incarnation topic
    }

    private static async Task WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(20);
        }
    }

    [Fact]
    public void StartingOnAPortInUseFailsWithAClearException()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;

        var ex = Assert.Throws<PortInUseException>(() => DevelopmentBroker.Start(new DevelopmentBrokerOptions { Port = port }, logger));
        output.WriteLine(ex.Message);
        Assert.Equal(port, ex.Port);
        Assert.Contains($"127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("already in use", ex.Message, StringComparison.Ordinal);
        Assert.Contains("DevBroker:Port", ex.Message, StringComparison.Ordinal);
        Assert.IsType<SocketException>(ex.InnerException);
    }

    [Fact]
    public async Task ASecondBrokerOnThePortOfARunningOneFails()
    {
        await using var first = StartOnFreePort();
        var ex = Assert.Throws<PortInUseException>(() => DevelopmentBroker.Start(new DevelopmentBrokerOptions { Port = first.Port }, logger));
        Assert.Equal(first.Port, ex.Port);
        Assert.True(first.IsRunning);
    }

    [Fact]
    public void InvalidOptionsAreRejectedBeforeAnythingStarts()
    {
        Assert.Throws<ArgumentException>(() => DevelopmentBroker.Start(new DevelopmentBrokerOptions { Port = 70_000 }, logger));
        Assert.Throws<ArgumentException>(() => DevelopmentBroker.Start(new DevelopmentBrokerOptions { Port = 0, Topics = [] }, logger));
        Assert.Throws<ArgumentException>(() => DevelopmentBroker.Start(
            new DevelopmentBrokerOptions { Port = 0, Topics = [new TopicSpec("t", 0, Compacted: false)] }, logger));
    }
}
