using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace BitcoinVolume.Contracts;

/// <summary>
/// Makes sure the project's topics exist on a cluster: looks them up in the metadata and creates only the missing ones
/// (idempotent; "already exists" races are fine). The development broker has no CreateTopics API, but it creates all
/// topics itself at start, so nothing is missing there and no create call is made.
/// </summary>
public static class KafkaTopicProvisioner
{
    /// <summary>
    /// Creates the missing topics on the cluster a service is configured for (<see cref="KafkaSettings"/>), unless
    /// <c>Kafka:ProvisionTopics</c> is false.
    /// </summary>
    public static Task<IReadOnlyList<string>> EnsureTopicsAsync(
        Microsoft.Extensions.Configuration.IConfiguration configuration, IEnumerable<TopicSpec> topics, CancellationToken cancellationToken = default) =>
        KafkaSettings.ProvisionTopics(configuration)
            ? EnsureTopicsAsync(KafkaSettings.Configure(new AdminClientConfig(), configuration), topics, -1, cancellationToken)
            : Task.FromResult<IReadOnlyList<string>>([]);

    public static Task<IReadOnlyList<string>> EnsureTopicsAsync(
        string bootstrapServers, IEnumerable<TopicSpec> topics, short replicationFactor = -1, CancellationToken cancellationToken = default) =>
        EnsureTopicsAsync(new AdminClientConfig { BootstrapServers = bootstrapServers }, topics, replicationFactor, cancellationToken);

    private static async Task<IReadOnlyList<string>> EnsureTopicsAsync(
        AdminClientConfig config, IEnumerable<TopicSpec> topics, short replicationFactor, CancellationToken cancellationToken)
    {
        using var admin = new AdminClientBuilder(config).Build();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(30));
        var existing = metadata.Topics.Where(t => t.Error.Code == ErrorCode.NoError).Select(t => t.Topic).ToHashSet(StringComparer.Ordinal);
        var missing = topics.Where(t => !existing.Contains(t.Name)).ToList();
        if (missing.Count == 0)
        {
            return [];
        }

        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            await admin.CreateTopicsAsync(missing.Select(t => new TopicSpecification
            {
                Name = t.Name,
                NumPartitions = t.Partitions,
                ReplicationFactor = replicationFactor,
                Configs = t.Compacted ? new Dictionary<string, string> { ["cleanup.policy"] = "compact" } : null,
            })).ConfigureAwait(false);
        }
        catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
            // Another service created them first.
        }

        return missing.Select(t => t.Name).ToList();
    }
}
