using Microsoft.Extensions.Options;

namespace BitcoinVolume.DevBroker.Extensions;

public static class DevBrokerServiceExtensions
{
    /// <summary>
    /// Adds the development Kafka broker: options from the <c>DevBroker</c> section (<c>Port</c>, <c>Host</c>), a hosted
    /// service that starts it with the host (failing startup when it cannot) and stops it on shutdown, and a health check.
    /// </summary>
    public static TBuilder AddDevBrokerServices<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<DevelopmentBrokerOptions>()
            .BindConfiguration(DevelopmentBrokerOptions.SectionName)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<DevelopmentBrokerOptions>, DevelopmentBrokerOptionsValidator>();

        builder.Services.AddSingleton<DevelopmentBrokerHostedService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DevelopmentBrokerHostedService>());

        builder.Services.AddHealthChecks()
            .AddCheck<DevelopmentBrokerHealthCheck>(DevelopmentBrokerHealthCheck.Name, tags: ["ready"]);

        return builder;
    }
}
