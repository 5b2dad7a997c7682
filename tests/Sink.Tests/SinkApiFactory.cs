using BitcoinVolume.Sink.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace BitcoinVolume.Sink.Tests;

/// <summary>The sink's web app on a temporary database, with the Kafka consumer switched off (<c>Sink:ConsumerEnabled=false</c>)
/// unless <paramref name="settings"/> say otherwise.</summary>
public sealed class SinkApiFactory(IReadOnlyDictionary<string, string>? settings = null) : WebApplicationFactory<Program>
{
    private readonly TempDatabase db = new();

    public SinkApiFactory()
        : this(null)
    {
    }

    public IVolumeStore Store => Services.GetRequiredService<IVolumeStore>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Sink:ConsumerEnabled", "false");
        builder.UseSetting("ConnectionStrings:volumes", db.ConnectionString);
        builder.UseSetting("Sink:MaxRows", "50000");
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            db.Dispose();
        }
    }
}
