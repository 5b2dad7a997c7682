using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BitcoinVolume.Ingest.Producing;

/// <summary>
/// Health check <c>kafka-producer</c> (tagged <c>ready</c>): the <see cref="TradePublisher"/>'s view of Kafka, unhealthy
/// when the brokers are down, messages wait without acknowledgement or the producer failed fatally.
/// </summary>
public sealed class KafkaProducerHealthCheck(TradePublisher publisher) : IHealthCheck
{
    public const string Name = "kafka-producer";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(publisher.CheckHealth());
}
