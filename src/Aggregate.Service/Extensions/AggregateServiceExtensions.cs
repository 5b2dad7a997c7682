using BitcoinVolume.Aggregate;
using BitcoinVolume.Aggregate.Processing;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

public static class AggregateServiceExtensions
{
    public static IHostApplicationBuilder AddAggregateServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AggregateOptions>().BindConfiguration(AggregateOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AggregateOptions>, AggregateOptionsValidator>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AggregateMetrics>();
        builder.Services.AddSingleton<AggregateStatus>();
        builder.Services.AddKafkaTopicProvisioning();
        builder.Services.AddHostedService<AggregateWorker>();
        builder.Services.AddStatusPublishing<AggregateStatusReports>(AggregateOptions.Section);
        builder.Services.AddHealthChecks().AddCheck<AggregateStatus>("aggregate").AddKafkaCheck();
        return builder;
    }
}
