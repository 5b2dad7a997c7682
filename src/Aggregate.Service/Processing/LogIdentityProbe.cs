using BitcoinVolume.Aggregate.State;
using BitcoinVolume.Contracts;
using BitcoinVolume.Kafka;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace BitcoinVolume.Aggregate.Processing;

/// <summary>
/// Reads which log the broker has now (<see cref="LogIdentity"/>): the cluster id (DescribeCluster) and the development
/// broker's incarnation (the one topic named <see cref="Topics.DevelopmentBrokerIncarnationPrefix"/> + id; none on a
/// real cluster).
/// </summary>
internal static class LogIdentityProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Asks the broker (retrying until it answers the metadata request, or <paramref name="stoppingToken"/>).</summary>
    public static LogIdentity Discover(IConfiguration configuration, ILogger logger, CancellationToken stoppingToken)
    {
        using var admin = new AdminClientBuilder(KafkaClientSettings.From(configuration).ToAdminClientConfig()).Build();
        while (true)
        {
            try
            {
                var incarnations = admin.GetMetadata(Timeout).Topics.Select(t => Topics.IncarnationOf(t.Topic)).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
                if (incarnations.Count > 1)
                {
                    throw new InvalidOperationException($"The broker has {incarnations.Count} development broker incarnation topics ({string.Join(", ", incarnations)}): it must have at most one.");
                }

                return new LogIdentity(Topics.Trades, ClusterId(admin, logger), incarnations.SingleOrDefault());
            }
            catch (KafkaException e)
            {
                stoppingToken.ThrowIfCancellationRequested();
                logger.ClusterIdUnknown($"metadata: {e.Error.Reason}; retrying");
                stoppingToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
            }
        }
    }

    private static string? ClusterId(IAdminClient admin, ILogger logger)
    {
        try
        {
            var cluster = admin.DescribeClusterAsync(new DescribeClusterOptions { RequestTimeout = Timeout }).GetAwaiter().GetResult();
            return string.IsNullOrEmpty(cluster.ClusterId) ? null : cluster.ClusterId;
        }
        catch (KafkaException e)
        {
            logger.ClusterIdUnknown(e.Error.Reason);
            return null;
        }
    }
}
