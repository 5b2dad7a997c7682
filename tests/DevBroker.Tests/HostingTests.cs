using BitcoinVolume.TestSupport;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace BitcoinVolume.DevBroker.Tests;

public sealed class HostingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task HealthCheckFollowsTheHostedBroker()
    {
        await using var hosted = new DevelopmentBrokerHostedService(
            Options.Create(new DevelopmentBrokerOptions { Port = 0 }), new TestOutputLogger<DevelopmentBroker>(output));
        var check = new DevelopmentBrokerHealthCheck(hosted);
        var context = new HealthCheckContext
        {
            Registration = new HealthCheckRegistration(DevelopmentBrokerHealthCheck.Name, check, null, ["ready"]),
        };

        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(context)).Status);

        await hosted.StartAsync(CancellationToken.None);
        var healthy = await check.CheckHealthAsync(context);
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.Equal(hosted.Broker!.BootstrapServers, healthy.Data["bootstrapServers"]);

        await hosted.StopAsync(CancellationToken.None);
        Assert.Null(hosted.Broker);
        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(context)).Status);
    }
}
