using BitcoinVolume.Kafka.Status;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>How a service publishes its status on topic <c>status</c>.</summary>
public static class StatusPublishingExtensions
{
    /// <summary>
    /// Registers <typeparamref name="TSource"/> as the service's <see cref="IStatusReportSource"/> and the
    /// <see cref="StatusPublisher"/>, with its options from <c>{serviceSection}:Status</c>. Register it after the topic
    /// provisioning (hosted services start in order).
    /// </summary>
    public static IServiceCollection AddStatusPublishing<TSource>(this IServiceCollection services, string serviceSection)
        where TSource : class, IStatusReportSource
    {
        services.AddOptions<StatusPublisherOptions>().BindConfiguration($"{serviceSection}:{StatusPublisherOptions.Section}").ValidateOnStart();
        services.AddSingleton<IValidateOptions<StatusPublisherOptions>, StatusPublisherOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<TSource>();
        services.AddSingleton<IStatusReportSource>(sp => sp.GetRequiredService<TSource>());
        services.AddHostedService<StatusPublisher>();
        return services;
    }
}
