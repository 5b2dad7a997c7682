using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BitcoinVolume.Kafka;

/// <summary>
/// <c>/health</c> entry "kafka": Healthy while a metadata request to the configured cluster answers (within 5 s), with
/// the broker count; Unhealthy with the error otherwise. Results are cached for a few seconds so probes stay cheap.
/// </summary>
public sealed class KafkaHealthCheck(IConfiguration configuration) : IHealthCheck, IDisposable
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);
    private readonly Lazy<IAdminClient> admin = new(() => new AdminClientBuilder(KafkaClientSettings.From(configuration).ToAdminClientConfig()).Build());
    private readonly SemaphoreSlim gate = new(1, 1);
    private (DateTime At, HealthCheckResult Result)? last;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (last is { } cached && DateTime.UtcNow - cached.At < CacheFor)
            {
                return cached.Result;
            }

            var result = await Task.Run(Probe, cancellationToken).ConfigureAwait(false);
            last = (DateTime.UtcNow, result);
            return result;
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose()
    {
        if (admin.IsValueCreated)
        {
            admin.Value.Dispose();
        }

        gate.Dispose();
    }

    private HealthCheckResult Probe()
    {
        try
        {
            var metadata = admin.Value.GetMetadata(TimeSpan.FromSeconds(5));
            return metadata.Brokers.Count > 0
                ? HealthCheckResult.Healthy($"{metadata.Brokers.Count} broker(s) reachable")
                : HealthCheckResult.Unhealthy("Kafka answered with no brokers");
        }
        catch (KafkaException e)
        {
            return HealthCheckResult.Unhealthy($"Kafka unreachable: {e.Error.Reason}");
        }
    }
}
