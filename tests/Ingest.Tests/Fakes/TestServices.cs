using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace BitcoinVolume.Ingest.Tests.Fakes;

internal static class TestServices
{
    private static readonly ServiceProvider Services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public static IngestMetrics Metrics() => new(Services.GetRequiredService<IMeterFactory>());
}
