using BitcoinVolume.Contracts;
using BitcoinVolume.Sink;
using BitcoinVolume.Sink.Apis;
using BitcoinVolume.Sink.Consumer;
using BitcoinVolume.Sink.Infrastructure;
using Microsoft.Extensions.Options;
using Polly;

namespace Microsoft.Extensions.Hosting;

public static class SinkServiceExtensions
{
    /// <summary>
    /// Registers the sink: options (<c>Sink</c> section), the SQLite volume store (<c>ConnectionStrings:volumes</c>), the
    /// API's JSON metadata and OpenAPI document, and — unless <c>Sink:ConsumerEnabled</c> is false — the Kafka consumer.
    /// </summary>
    public static IHostApplicationBuilder AddSinkServices(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;

        services.AddOptions<SinkOptions>().BindConfiguration(SinkOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SinkOptions>, SinkOptionsValidator>();
        services.AddSingleton(TimeProvider.System);

        services.AddSingleton<IVolumeStore>(sp => new SqliteVolumeStore(
            sp.GetRequiredService<IConfiguration>().GetConnectionString(SinkOptions.VolumesConnectionStringName) is { Length: > 0 } connectionString
                ? connectionString
                : SinkOptions.DefaultVolumesConnectionString,
            sp.GetRequiredService<TimeProvider>()));

        services.AddProblemDetails();
        services.AddOpenApi();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, SinkJsonContext.Default));

        services.AddSingleton<SinkMetrics>();
        services.AddResiliencePipeline(SinkResilience.DatabasePipeline, (pipeline, context) =>
            pipeline.AddDatabaseRetry(context.ServiceProvider.GetRequiredService<IOptions<SinkOptions>>().Value));

        if (builder.Configuration.GetValue($"{SinkOptions.Section}:{nameof(SinkOptions.ConsumerEnabled)}", defaultValue: true))
        {
            // Fails fast (non-zero exit) with a message naming the setting when ConnectionStrings:kafka is missing.
            _ = KafkaSettings.GetBootstrapServers(builder.Configuration);
            services.AddHostedService<VolumesConsumer>();
        }

        return builder;
    }
}
