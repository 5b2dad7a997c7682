using BitcoinVolume.Contracts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BitcoinVolume.Kafka;

/// <summary>
/// Creates the missing topics of <see cref="Topics.All"/> on the configured cluster when the service starts, before the
/// hosted services registered after it (hosted services start in order), unless <c>Kafka:ProvisionTopics</c> is false.
/// A cluster that cannot be reached fails the start with the reason.
/// </summary>
internal sealed partial class KafkaTopicProvisioning(IConfiguration configuration, ILogger<KafkaTopicProvisioning> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!KafkaSettings.ProvisionTopics(configuration))
        {
            return;
        }

        var created = await KafkaTopicProvisioner.EnsureTopicsAsync(KafkaClientSettings.From(configuration), Topics.All, cancellationToken).ConfigureAwait(false);
        if (created.Count > 0)
        {
            LogCreated(created);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Created Kafka topics: {Topics}")]
    private partial void LogCreated(IReadOnlyCollection<string> topics); // a list is written as "a, b, c"
}
