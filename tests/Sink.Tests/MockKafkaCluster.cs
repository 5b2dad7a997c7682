using Confluent.Kafka;

namespace BitcoinVolume.Sink.Tests;

/// <summary>
/// librdkafka's in-process mock cluster (real Kafka wire protocol), created by a producer with
/// <c>test.mock.num.brokers=1</c>; it lives as long as that producer. Topics are created by producing to them.
/// </summary>
internal sealed class MockKafkaCluster : IDisposable
{
    private const string Marker = "replaced with ";
    private readonly IProducer<string, byte[]> _producer;
    private string? _bootstrapServers;

    public MockKafkaCluster()
    {
        _producer = new ProducerBuilder<string, byte[]>(new ProducerConfig(new Dictionary<string, string>
        {
            ["bootstrap.servers"] = "mock:9092",
            ["test.mock.num.brokers"] = "1",
        }))
            .SetLogHandler((_, message) =>
            {
                // "Mock cluster enabled: original bootstrap.servers and security.protocol ignored and replaced with 127.0.0.1:port"
                var at = message.Message.IndexOf(Marker, StringComparison.Ordinal);
                if (at >= 0)
                {
                    Volatile.Write(ref _bootstrapServers, message.Message[(at + Marker.Length)..].Trim());
                }
            })
            .Build();
    }

    public string BootstrapServers
    {
        get
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (Volatile.Read(ref _bootstrapServers) is null && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(10);
            }

            return Volatile.Read(ref _bootstrapServers) ?? throw new InvalidOperationException("The mock cluster did not report its address.");
        }
    }

    public void Produce(string topic, string key, byte[]? value) =>
        _producer.Produce(topic, new Message<string, byte[]> { Key = key, Value = value! });

    public void Flush() => _producer.Flush(TimeSpan.FromSeconds(10));

    public void Dispose() => _producer.Dispose();
}
