using Confluent.Kafka;
using Microsoft.Extensions.Configuration;

namespace BitcoinVolume.Kafka;

/// <summary>
/// The librdkafka properties of one client, built the same way for every producer, consumer and admin client of every
/// service: the shared <c>Kafka:*</c> properties first, then the service's own section on top (e.g. <c>Aggregate:Kafka:*</c>,
/// <c>Sink:Kafka:*</c>), and the bootstrap servers of <c>ConnectionStrings:kafka</c> last (always that setting). What a
/// client fixes for itself (group id, acks, …) is set by its code after <see cref="ApplyTo{T}"/>. <see cref="ToString"/>
/// masks secrets, so the settings can be logged.
/// </summary>
public sealed class KafkaClientSettings
{
    private const string Masked = "***";
    private readonly Dictionary<string, string> properties;

    private KafkaClientSettings(Dictionary<string, string> properties, string bootstrapServers)
    {
        this.properties = properties;
        BootstrapServers = bootstrapServers;
    }

    /// <summary>The bootstrap servers (host:port,…).</summary>
    public string BootstrapServers { get; }

    /// <summary>The properties besides the bootstrap servers, overlay applied.</summary>
    public IReadOnlyDictionary<string, string> Properties => properties;

    /// <summary>
    /// The settings of a client of the service configured by <paramref name="configuration"/>: shared <c>Kafka:*</c>, then
    /// <paramref name="serviceProperties"/> (the service's own section, when the client takes one) on top.
    /// </summary>
    public static KafkaClientSettings From(IConfiguration configuration, IEnumerable<KeyValuePair<string, string>>? serviceProperties = null)
    {
        var merged = KafkaSettings.ClientProperties(configuration);
        foreach (var (key, value) in serviceProperties ?? [])
        {
            merged[key] = value;
        }

        return new KafkaClientSettings(merged, KafkaSettings.GetBootstrapServers(configuration));
    }

    /// <summary>Settings of a client given only a bootstrap address (command-line tools).</summary>
    public static KafkaClientSettings ForBootstrapServers(string bootstrapServers)
    {
        ArgumentNullException.ThrowIfNull(bootstrapServers);
        return new KafkaClientSettings(new Dictionary<string, string>(StringComparer.Ordinal), bootstrapServers);
    }

    /// <summary>Whether a librdkafka property holds a secret (passwords, client secrets, private keys).</summary>
    public static bool IsSecret(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Contains("password", StringComparison.OrdinalIgnoreCase)
            || key.Contains("secret", StringComparison.OrdinalIgnoreCase)
            || key.Equals("ssl.key.pem", StringComparison.OrdinalIgnoreCase)
            || key.Equals("sasl.oauthbearer.config", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Sets the properties, then the bootstrap servers, on <paramref name="config"/>; returns it.</summary>
    public T ApplyTo<T>(T config)
        where T : ClientConfig
    {
        ArgumentNullException.ThrowIfNull(config);
        foreach (var (key, value) in properties)
        {
            config.Set(key, value);
        }

        config.BootstrapServers = BootstrapServers;
        return config;
    }

    public ClientConfig ToClientConfig() => ApplyTo(new ClientConfig());

    public ProducerConfig ToProducerConfig() => ApplyTo(new ProducerConfig());

    public ConsumerConfig ToConsumerConfig() => ApplyTo(new ConsumerConfig());

    public AdminClientConfig ToAdminClientConfig() => ApplyTo(new AdminClientConfig());

    /// <summary>The settings for a log line: <c>bootstrap.servers=…, key=value, …</c> with every secret masked.</summary>
    public override string ToString() =>
        string.Join(", ", properties.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{p.Key}={(IsSecret(p.Key) ? Masked : p.Value)}")
            .Prepend($"bootstrap.servers={BootstrapServers}"));
}
