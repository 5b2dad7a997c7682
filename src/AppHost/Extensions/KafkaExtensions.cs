using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Aspire.Hosting;

/// <summary>Kafka as the services see it: the connection-string resource <c>kafka</c>, and the development broker behind it when no cluster is configured.</summary>
/// <param name="Connection">Connection-string resource <c>kafka</c> (bootstrap servers); services get it as <c>ConnectionStrings__kafka</c>.</param>
/// <param name="DevelopmentBroker">The development broker resource when no cluster was configured.</param>
public sealed record KafkaTarget(IResourceBuilder<IResourceWithConnectionString> Connection, IResourceBuilder<ProjectResource>? DevelopmentBroker);

public static class KafkaExtensions
{
    /// <summary>Name of the connection-string resource (and of <c>ConnectionStrings:kafka</c>).</summary>
    public const string ResourceName = "kafka";

    /// <summary>Name of the development broker's Kafka endpoint.</summary>
    public const string DevelopmentEndpointName = "kafka";

    /// <summary>The loopback port the development broker serves on unless <c>DevBroker:Port</c> says otherwise.</summary>
    public const int DefaultDevelopmentBrokerPort = 9092;

    /// <summary>
    /// The consumers' longest fetch wait on the development broker. Its mock cluster answers a fetch that finds no data
    /// only after <c>fetch.wait.max.ms</c> (librdkafka's default 500 ms), even when data arrives meanwhile — a real broker
    /// answers as soon as data arrives — so each consumer hop would add up to half a second of latency.
    /// </summary>
    public const string DevelopmentFetchWaitMs = "10";

    /// <summary>
    /// The consumers' session timeout on the development broker (the smallest a real broker accepts by default). Its mock
    /// cluster lets a rebalance of a running group wait session.timeout.ms − 1 s for members to rejoin, even when all have
    /// (librdkafka's default 45 s: 44 s in which no partition of the group is consumed, e.g. when the aggregator's second
    /// loop joins); a real broker completes it as soon as every member has rejoined. With 6 s a rebalance costs ~5 s.
    /// </summary>
    public const string DevelopmentSessionTimeoutMs = "6000";

    /// <summary>The heartbeat interval that goes with <see cref="DevelopmentSessionTimeoutMs"/> (a third of it, as Kafka recommends).</summary>
    public const string DevelopmentHeartbeatIntervalMs = "2000";

    /// <summary>
    /// Kafka as a connection-string resource named <c>kafka</c>. With <c>ConnectionStrings:kafka</c> given, it is that
    /// value (a secret parameter: the manifest asks the deployment for it, topics are created by the services when
    /// missing). Otherwise it points at the development broker project (<c>kafka-dev</c>, librdkafka's mock cluster) on
    /// <c>DevBroker:Port</c> (default 9092), with every topic created.
    /// </summary>
    public static KafkaTarget AddKafkaOrDevelopmentBroker(this IDistributedApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Configuration.GetConnectionString(ResourceName) is { Length: > 0 })
        {
            return new KafkaTarget(builder.AddConnectionString(ResourceName), null);
        }

        var port = builder.Configuration.GetValue("DevBroker:Port", DefaultDevelopmentBrokerPort);
        var broker = builder.AddProject<Projects.DevBroker>("kafka-dev")
            .WithEndpoint(DevelopmentEndpointName, endpoint =>
            {
                endpoint.Port = port;
                endpoint.TargetPort = port;
                endpoint.UriScheme = "tcp";
                endpoint.IsProxied = false;
            })
            .WithEnvironment("DevBroker__Port", builder.AddSettingParameter("DevBroker:Port", port.ToString(CultureInfo.InvariantCulture)))
            .WithSettingsOf(builder, "DevBroker", key => key.Equals("Port", StringComparison.OrdinalIgnoreCase))
            .WithHttpHealthCheck("/health");
        var endpoint = broker.GetEndpoint(DevelopmentEndpointName);
        var connection = builder.AddConnectionString(
            ResourceName,
            ReferenceExpression.Create($"{endpoint.Property(EndpointProperty.IPV4Host)}:{endpoint.Property(EndpointProperty.Port)}"));
        return new KafkaTarget(connection, broker);
    }

    /// <summary>
    /// Gives a service <c>ConnectionStrings:kafka</c> (a reference to the <c>kafka</c> resource) and every shared
    /// <c>Kafka:*</c> client setting given to the AppHost. With the development broker it also waits until the broker is
    /// healthy and sets the fetch wait, session timeout and heartbeat interval of the consumer configured in section
    /// <paramref name="consumerSection"/> (see <see cref="DevelopmentFetchWaitMs"/> and <see cref="DevelopmentSessionTimeoutMs"/>)
    /// unless those settings were given.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithKafka(
        this IResourceBuilder<ProjectResource> service, IDistributedApplicationBuilder builder, KafkaTarget kafka, string? consumerSection = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(kafka);
        service.WithReference(kafka.Connection).WithSettingsOf(builder, "Kafka");
        if (kafka.DevelopmentBroker is not { } broker)
        {
            return service;
        }

        if (consumerSection is not null)
        {
            foreach (var (key, value) in new[]
            {
                ("Kafka:fetch.wait.max.ms", DevelopmentFetchWaitMs),
                ("Kafka:session.timeout.ms", DevelopmentSessionTimeoutMs),
                ("Kafka:heartbeat.interval.ms", DevelopmentHeartbeatIntervalMs),
            })
            {
                if (builder.Configuration[$"{consumerSection}:{key}"] is null)
                {
                    service.WithSetting(builder, $"{consumerSection}:{key}", value);
                }
            }
        }

        return service.WaitFor(broker);
    }
}
