using BitcoinVolume.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>How a service registers its Kafka plumbing.</summary>
public static class KafkaServiceCollectionExtensions
{
    /// <summary>
    /// Creates the missing topics at start (<see cref="KafkaTopicProvisioner"/>; skipped when <c>Kafka:ProvisionTopics</c>
    /// is false). Register it before the hosted services that produce or consume: they start after it.
    /// </summary>
    public static IServiceCollection AddKafkaTopicProvisioning(this IServiceCollection services) =>
        services.AddHostedService<KafkaTopicProvisioning>();

    /// <summary>Adds the "kafka" health check (Kafka connectivity of the configured cluster).</summary>
    public static IHealthChecksBuilder AddKafkaCheck(this IHealthChecksBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<KafkaHealthCheck>();
        return builder.AddCheck<KafkaHealthCheck>("kafka", HealthStatus.Unhealthy, ["ready"]);
    }
}
