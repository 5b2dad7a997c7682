using Microsoft.Extensions.Options;

namespace BitcoinVolume.DevBroker;

/// <summary>Runs the <see cref="DevelopmentBroker"/> for the lifetime of the host.</summary>
public sealed class DevelopmentBrokerHostedService(
    IOptions<DevelopmentBrokerOptions> options,
    ILogger<DevelopmentBroker> logger) : IHostedService, IAsyncDisposable
{
    private DevelopmentBroker? broker;

    /// <summary>The running broker, or null before start / after stop.</summary>
    public DevelopmentBroker? Broker => Volatile.Read(ref broker);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            Volatile.Write(ref broker, DevelopmentBroker.Start(options.Value, logger));
        }
        catch (Exception ex)
        {
            // Fail startup loudly: the host logs the exception, stops, and the process exits with it.
            DevBrokerLog.StartFailed(logger, ex.Message);
            throw;
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref broker, null) is { } running)
        {
            await running.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);
}
