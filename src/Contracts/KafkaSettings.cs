using Confluent.Kafka;
using Microsoft.Extensions.Configuration;

namespace BitcoinVolume.Contracts;

/// <summary>
/// How every service finds and talks to Kafka, the same way:
/// <list type="bullet">
/// <item><c>ConnectionStrings:kafka</c> — bootstrap servers (host:port,…).</item>
/// <item><c>Kafka:&lt;librdkafka property&gt;</c> — applied to EVERY client of the service (producers, consumers, admin),
/// e.g. <c>Kafka:security.protocol=SASL_SSL</c>, <c>Kafka:sasl.mechanism=PLAIN</c>, <c>Kafka:sasl.username</c>,
/// <c>Kafka:sasl.password</c> (secrets via environment variables or user-secrets only; never logged).</item>
/// <item><c>Kafka:ProvisionTopics</c> — create missing topics at start (default true); false where ACLs forbid it.</item>
/// </list>
/// </summary>
public static class KafkaSettings
{
    public const string ConnectionStringName = "kafka";
    public const string Section = "Kafka";
    public const string ProvisionTopicsKey = "ProvisionTopics";

    /// <summary>The bootstrap servers, or a clear error naming the setting when it is missing.</summary>
    public static string GetBootstrapServers(IConfiguration configuration) =>
        configuration.GetConnectionString(ConnectionStringName) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "ConnectionStrings:kafka is not set. Run the system through the AppHost (`dotnet run --project src/AppHost`), " +
                "which starts a development broker, or set ConnectionStrings__kafka to a cluster's bootstrap address (host:port).");

    /// <summary>The <c>Kafka:*</c> client properties (without <c>ProvisionTopics</c>).</summary>
    public static Dictionary<string, string> ClientProperties(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.GetSection(Section).GetChildren()
            .Where(c => c.Value is not null && !string.Equals(c.Key, ProvisionTopicsKey, StringComparison.OrdinalIgnoreCase))
            .ToDictionary(c => c.Key, c => c.Value!, StringComparer.Ordinal);
    }

    /// <summary>Sets the bootstrap servers and the shared client properties on a client config; returns it.</summary>
    public static T Configure<T>(T config, IConfiguration configuration)
        where T : ClientConfig
    {
        ArgumentNullException.ThrowIfNull(config);
        foreach (var (key, value) in ClientProperties(configuration))
        {
            config.Set(key, value);
        }

        config.BootstrapServers = GetBootstrapServers(configuration);
        return config;
    }

    /// <summary>Whether services create missing topics at start (<c>Kafka:ProvisionTopics</c>, default true).</summary>
    public static bool ProvisionTopics(IConfiguration configuration) =>
        !bool.TryParse(configuration.GetSection(Section)[ProvisionTopicsKey], out var provision) || provision;
}
