using Microsoft.Extensions.Configuration;

namespace BitcoinVolume.Kafka;

/// <summary>
/// How every service finds and talks to Kafka, the same way:
/// <list type="bullet">
/// <item><c>ConnectionStrings:kafka</c> — bootstrap servers (host:port,…).</item>
/// <item><c>Kafka:&lt;librdkafka property&gt;</c> — applied to EVERY client of the service (producers, consumers, admin),
/// e.g. <c>Kafka:security.protocol=SASL_SSL</c>, <c>Kafka:sasl.mechanism=PLAIN</c>, <c>Kafka:sasl.username</c>,
/// <c>Kafka:sasl.password</c> (secrets via environment variables or user-secrets only; never logged).</item>
/// <item><c>Kafka:ProvisionTopics</c> — create missing topics at start (default true); false where ACLs forbid it.</item>
/// </list>
/// The effective settings of one client (these, then the service's own section) are a <see cref="KafkaClientSettings"/>.
/// </summary>
public static class KafkaSettings
{
    public const string ConnectionStringName = "kafka";
    public const string Section = "Kafka";
    public const string ProvisionTopicsKey = "ProvisionTopics";

    /// <summary>The bootstrap servers, or a clear error naming the setting when it is missing.</summary>
    public static string GetBootstrapServers(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.GetConnectionString(ConnectionStringName) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "ConnectionStrings:kafka is not set. Run the system through the AppHost (`dotnet run --project src/AppHost`), " +
                "which starts a development broker, or set ConnectionStrings__kafka to a cluster's bootstrap address (host:port).");
    }

    /// <summary>The <c>Kafka:*</c> client properties (without <c>ProvisionTopics</c>).</summary>
    public static Dictionary<string, string> ClientProperties(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.GetSection(Section).GetChildren()
            .Where(c => c.Value is not null && !string.Equals(c.Key, ProvisionTopicsKey, StringComparison.OrdinalIgnoreCase))
            .ToDictionary(c => c.Key, c => c.Value!, StringComparer.Ordinal);
    }

    /// <summary>Whether services create missing topics at start (<c>Kafka:ProvisionTopics</c>, default true).</summary>
    public static bool ProvisionTopics(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return !bool.TryParse(configuration.GetSection(Section)[ProvisionTopicsKey], out var provision) || provision;
    }
}
