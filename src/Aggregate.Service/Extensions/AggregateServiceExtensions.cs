using BitcoinVolume.Aggregate;
using BitcoinVolume.Aggregate.Processing;

namespace Microsoft.Extensions.Hosting;

public static class AggregateServiceExtensions
{
    public static IHostApplicationBuilder AddAggregateServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AggregateOptions>().BindConfiguration(AggregateOptions.Section)
            .Validate(o => o.BatchSize > 0 && o.BatchMaxWaitMs >= 0, "Aggregate:BatchSize must be > 0 and Aggregate:BatchMaxWaitMs >= 0")
            .Validate(o => o.Windowing.Grace >= TimeSpan.Zero && o.Windowing.Retention > TimeSpan.Zero, "Aggregate:Windowing:Grace must be >= 0 and Retention > 0")
            .ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AggregateMetrics>();
        builder.Services.AddSingleton<AggregateStatus>();
        builder.Services.AddKafkaTopicProvisioning();
        builder.Services.AddHostedService<AggregateWorker>();
        builder.Services.AddHealthChecks().AddCheck<AggregateStatus>("aggregate").AddKafkaCheck();
        return builder;
    }
}
