using Microsoft.Extensions.Configuration;

namespace Aspire.Hosting;

/// <summary>Where the services find Kafka: a real cluster's bootstrap address, or the development broker.</summary>
/// <param name="BootstrapServers">host:port list the services connect to.</param>
/// <param name="DevelopmentBroker">The development broker resource when no cluster was configured.</param>
public sealed record KafkaTarget(string BootstrapServers, IResourceBuilder<ProjectResource>? DevelopmentBroker);

public static class KafkaExtensions
{
    /// <summary>The loopback port the development broker serves on unless <c>DevBroker:Port</c> says otherwise.</summary>
    public const int DefaultDevelopmentBrokerPort = 9092;

    /// <summary>
    /// Uses the cluster given as <c>ConnectionStrings:kafka</c> (topics are then created by the services when missing);
    /// otherwise starts the development broker project on <c>DevBroker:Port</c> (default 9092) with every topic created.
    /// </summary>
    public static KafkaTarget AddKafkaOrDevelopmentBroker(this IDistributedApplicationBuilder builder)
    {
        if (builder.Configuration.GetConnectionString("kafka") is { Length: > 0 } cluster)
        {
            return new KafkaTarget(cluster, null);
        }

        var port = builder.Configuration.GetValue("DevBroker:Port", DefaultDevelopmentBrokerPort);
        var broker = builder.AddProject<Projects.DevBroker>("kafka-dev")
            .WithEnvironment("DevBroker__Port", port.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithHttpHealthCheck("/health");
        return new KafkaTarget($"127.0.0.1:{port}", broker);
    }

    /// <summary>
    /// The consumers' longest fetch wait on the development broker. Its mock cluster answers a fetch that finds no data
    /// only after <c>fetch.wait.max.ms</c> (librdkafka's default 500 ms), even when data arrives meanwhile — a real broker
    /// answers as soon as data arrives — so each consumer hop would add up to half a second of latency.
    /// </summary>
    public const string DevelopmentFetchWaitMs = "10";

    /// <summary>
    /// Gives a service <c>ConnectionStrings:kafka</c> and, for the development broker, waits until it is healthy and sets
    /// the fetch wait of the consumer configured in section <paramref name="consumerSection"/> (see <see cref="DevelopmentFetchWaitMs"/>).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithKafka(this IResourceBuilder<ProjectResource> service, KafkaTarget kafka, string? consumerSection = null)
    {
        ArgumentNullException.ThrowIfNull(kafka);
        service.WithEnvironment("ConnectionStrings__kafka", kafka.BootstrapServers);
        if (kafka.DevelopmentBroker is not { } broker)
        {
            return service;
        }

        if (consumerSection is not null)
        {
            service.WithEnvironment($"{consumerSection}__Kafka__fetch.wait.max.ms", DevelopmentFetchWaitMs);
        }

        return service.WaitFor(broker);
    }
}
