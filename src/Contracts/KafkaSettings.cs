using Microsoft.Extensions.Configuration;

namespace BitcoinVolume.Contracts;

/// <summary>Reads the Kafka bootstrap address the same way in every service: <c>ConnectionStrings:kafka</c>.</summary>
public static class KafkaSettings
{
    public const string ConnectionStringName = "kafka";

    /// <summary>The bootstrap servers, or a clear error naming the setting when it is missing.</summary>
    public static string GetBootstrapServers(IConfiguration configuration) =>
        configuration.GetConnectionString(ConnectionStringName) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "ConnectionStrings:kafka is not set. Run the system through the AppHost (`dotnet run --project src/AppHost`), " +
                "which starts a development broker, or set ConnectionStrings__kafka to a cluster's bootstrap address (host:port).");
}
