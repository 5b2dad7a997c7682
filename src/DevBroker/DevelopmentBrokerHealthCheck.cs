using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BitcoinVolume.DevBroker;

/// <summary>Healthy while the broker runs and a TCP connection to its fixed port succeeds.</summary>
public sealed class DevelopmentBrokerHealthCheck(DevelopmentBrokerHostedService host) : IHealthCheck
{
    /// <summary>The name under which the check is registered.</summary>
    public const string Name = "dev-kafka-broker";

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (host.Broker is not { IsRunning: true } broker)
        {
            return HealthCheckResult.Unhealthy("The development Kafka broker is not running.");
        }

        var data = new Dictionary<string, object>
        {
            ["bootstrapServers"] = broker.BootstrapServers,
            ["topics"] = string.Join(",", broker.Topics.Select(t => $"{t.Name}:{t.Partitions}")),
            ["connections"] = broker.ActiveConnections,
        };

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            using var socket = new Socket(broker.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(broker.EndPoint, timeout.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy(
                $"The development Kafka broker runs, but {broker.BootstrapServers} does not accept connections: {ex.Message}",
                ex, data);
        }

        return HealthCheckResult.Healthy(
            $"Development Kafka broker (librdkafka mock cluster, in memory only) at {broker.BootstrapServers}.", data);
    }
}
