using BitcoinVolume.Contracts;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace BitcoinVolume.Kafka;

/// <summary>
/// Makes sure the project's topics exist on a cluster: looks them up in the metadata and creates only the missing ones
/// (idempotent; "already exists" races are fine). The development broker has no CreateTopics API, but it creates all
/// topics itself at start, so nothing is missing there and no create call is made. Services run it at start through
/// <see cref="KafkaServiceCollectionExtensions.AddKafkaTopicProvisioning"/>; command-line tools call it directly.
/// </summary>
public static class KafkaTopicProvisioner
{
    /// <summary>Creates the missing <paramref name="topics"/> (with the broker's default replication); returns their names.</summary>
    public static async Task<IReadOnlyList<string>> EnsureTopicsAsync(
        KafkaClientSettings settings, IEnumerable<TopicSpec> topics, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(topics);
        using var admin = new AdminClientBuilder(settings.ToAdminClientConfig()).Build();
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
                ReplicationFactor = -1,
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
