using BitcoinVolume.Kafka;
using BitcoinVolume.Sink;
using BitcoinVolume.Sink.Alerts;
using BitcoinVolume.Sink.Apis;
using BitcoinVolume.Sink.Consumer;
using BitcoinVolume.Sink.Infrastructure;
using BitcoinVolume.Sink.Infrastructure.BigQuery;
using BitcoinVolume.Sink.LargeTrades;
using BitcoinVolume.Sink.Live;
using BitcoinVolume.Sink.OrderFlow;
using BitcoinVolume.Sink.Status;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry.Trace;
using Polly;

namespace Microsoft.Extensions.Hosting;

public static class SinkServiceExtensions
{
    /// <summary>
    /// Registers the sink: options (<c>Sink</c> section), the volume store chosen by <c>Sink:Store</c>, the health check,
    /// the live-update hub, the API's JSON metadata and OpenAPI document, and — unless <c>Sink:ConsumerEnabled</c> is
    /// false — the Kafka consumer.
    /// </summary>
    public static IHostApplicationBuilder AddSinkServices(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;

        services.AddOptions<SinkOptions>().BindConfiguration(SinkOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SinkOptions>, SinkOptionsValidator>();
        services.AddSingleton(TimeProvider.System);

        builder.AddVolumeStore();
        services.AddSingleton<ProductCatalog>();
        services.AddSingleton<SinkStatus>();
        services.AddSingleton<VolumeUpdateHub>();
        services.AddSingleton<StatusBoard>();
        services.AddSingleton<CvdReader>();
        builder.AddLargeTrades();
        builder.AddAlerts();
        builder.AddFootprint();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);

        services.AddProblemDetails();
        services.AddExceptionHandler<StoreUnavailableExceptionHandler>();
        services.AddOpenApi();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, SinkJsonContext.Default));

        services.AddSingleton<SinkMetrics>();
        services.AddResiliencePipeline(SinkResilience.DatabasePipeline, (pipeline, context) =>
            pipeline.AddDatabaseRetry(
                context.ServiceProvider.GetRequiredService<IOptions<SinkOptions>>().Value,
                context.ServiceProvider.GetRequiredService<SinkMetrics>(),
                context.ServiceProvider.GetRequiredService<IVolumeStore>().Name));

        if (builder.Configuration.GetValue($"{SinkOptions.Section}:{nameof(SinkOptions.ConsumerEnabled)}", defaultValue: true))
        {
            // Fails fast (non-zero exit) with a message naming the setting when ConnectionStrings:kafka is missing.
            _ = KafkaSettings.GetBootstrapServers(builder.Configuration);
            services.AddKafkaTopicProvisioning();
            services.AddHostedService<VolumesConsumer>();
            services.AddHostedService<StatusConsumer>();
            services.AddHostedService<LargeTradesConsumer>();
            services.AddHealthChecks().AddKafkaCheck();
        }

        return builder;
    }

    /// <summary>
    /// Large single trades (<c>Sink:LargeTrades</c>): the thresholds, the store (table <c>large_trades</c> in the volume
    /// database, SQLite or PostgreSQL; with BigQuery the table <c>Sink:BigQuery:LargeTradesTable</c>, written only: the route
    /// answers 501) and the hub the alert rules of kind <c>trade</c> read (with BigQuery nothing is evaluated, so nothing
    /// subscribes). The consumer is registered with the other consumers.
    /// </summary>
    private static void AddLargeTrades(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<LargeTradeSinkOptions>().BindConfiguration(LargeTradeSinkOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LargeTradeSinkOptions>, LargeTradeSinkOptionsValidator>();
        services.AddSingleton<LargeTradeHub>();
        services.AddSingleton<ILargeTradeStore>(sp => sp.GetRequiredService<IVolumeStore>() switch
        {
            BigQueryVolumeStore => BigQueryStores.Create(
                sp, (http, options, tokens, time, logger, metrics) => new BigQueryLargeTradeStore(http, options, tokens, time, logger, metrics)),
            PostgresVolumeStore => new SqlLargeTradeStore(SqlDatabase.Postgres(
                sp.GetRequiredService<IConfiguration>().GetConnectionString(SinkOptions.VolumesConnectionStringName)!, SqlLargeTradeStore.Schema, SqlLargeTradeStore.SchemaLock)),
            _ => new SqlLargeTradeStore(SqlDatabase.Sqlite(
                sp.GetRequiredService<IConfiguration>().GetConnectionString(SinkOptions.VolumesConnectionStringName) is { Length: > 0 } value
                    ? value
                    : SinkOptions.DefaultVolumesConnectionString,
                SqlLargeTradeStore.Schema)),
        });
    }

    /// <summary>
    /// Alerts (<c>Sink:Alerts</c>): rules, the evaluator and webhook deliveries, kept in the volume database (SQLite or
    /// PostgreSQL; with BigQuery, which serves no reads, the alert routes answer 501 and nothing is evaluated).
    /// </summary>
    private static void AddAlerts(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AlertOptions>().BindConfiguration(AlertOptions.Section)
            .Configure<IOptions<SinkOptions>, IOptions<LargeTradeSinkOptions>>((alerts, sink, large) =>
            {
                alerts.Window = sink.Value.Window;
                alerts.MinNotional = large.Value.MinNotional;
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AlertOptions>, AlertOptionsValidator>();
        services.AddSingleton<AlertStatus>();
        services.AddSingleton<AlertHub>();
        services.AddSingleton<IAlertStore>(sp => sp.GetRequiredService<IVolumeStore>() switch
        {
            PostgresVolumeStore => SqlAlertStore.Postgres(
                sp.GetRequiredService<IConfiguration>().GetConnectionString(SinkOptions.VolumesConnectionStringName)!),
            _ => SqlAlertStore.Sqlite(
                sp.GetRequiredService<IConfiguration>().GetConnectionString(SinkOptions.VolumesConnectionStringName) is { Length: > 0 } value
                    ? value
                    : SinkOptions.DefaultVolumesConnectionString),
        });
        services.AddSingleton<AlertRuleSet>();
        services.AddSingleton<AlertWebhookSender>();
        services.AddHostedService<AlertEngine>();
        services.AddHealthChecks().AddCheck<AlertsHealthCheck>("alerts", tags: ["ready"]);
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers: the service defaults' standard handler must not retry on top of this one
        services.AddHttpClient(AlertWebhookSender.ClientName)
            .RemoveAllResilienceHandlers()
            .AddResilienceHandler(AlertWebhookSender.ClientName, (pipeline, context) => AlertWebhookSender.Configure(
                pipeline, context.ServiceProvider.GetRequiredService<IOptions<AlertOptions>>().Value, context.ServiceProvider.GetRequiredService<AlertStatus>()));
#pragma warning restore EXTEXP0001
    }

    /// <summary>
    /// The <see cref="IVolumeStore"/> of <c>Sink:Store</c>: <c>sqlite</c> (default) and <c>postgres</c> use
    /// <c>ConnectionStrings:volumes</c>; <c>bigquery</c> uses <c>Sink:BigQuery:*</c>.
    /// </summary>
    private static void AddVolumeStore(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        var kind = builder.Configuration.GetValue($"{SinkOptions.Section}:{nameof(SinkOptions.Store)}", VolumeStoreKind.Sqlite);
        string ConnectionString(IServiceProvider sp, string? fallback) =>
            sp.GetRequiredService<IConfiguration>().GetConnectionString(SinkOptions.VolumesConnectionStringName) is { Length: > 0 } value
                ? value
                : fallback ?? throw new InvalidOperationException(
                    $"Sink:Store={kind} needs ConnectionStrings:{SinkOptions.VolumesConnectionStringName} (e.g. Host=localhost;Username=sink;Password=...;Database=volumes).");

        switch (kind)
        {
            case VolumeStoreKind.Sqlite:
                services.AddSingleton<IVolumeStore>(sp => new SqliteVolumeStore(
                    ConnectionString(sp, SinkOptions.DefaultVolumesConnectionString), sp.GetRequiredService<TimeProvider>()));
                break;

            case VolumeStoreKind.Postgres:
                services.AddSingleton<IVolumeStore>(sp => new PostgresVolumeStore(ConnectionString(sp, fallback: null)));
                services.AddOpenTelemetry().WithTracing(tracing => tracing.AddNpgsql()).WithMetrics(metrics => metrics.AddMeter("Npgsql"));
                break;

            case VolumeStoreKind.BigQuery:
                services.AddOptions<BigQueryOptions>().BindConfiguration(BigQueryOptions.Section).ValidateOnStart();
                services.AddSingleton<IValidateOptions<BigQueryOptions>, BigQueryOptionsValidator>();
                services.AddSingleton<IAccessTokenSource>(sp =>
                {
                    var options = sp.GetRequiredService<IOptions<BigQueryOptions>>().Value;
                    if (options.Anonymous)
                    {
                        return new AnonymousTokenSource();
                    }

                    var path = options.CredentialsPath is { Length: > 0 } configured
                        ? configured
                        : Environment.GetEnvironmentVariable("GOOGLE_APPLICATION_CREDENTIALS") ?? string.Empty;
                    return path.Length > 0
                        ? new ServiceAccountTokenSource(path)
                        : throw new InvalidOperationException(
                            "Sink:Store=bigquery needs a service-account key: set Sink:BigQuery:CredentialsPath or GOOGLE_APPLICATION_CREDENTIALS (or Sink:BigQuery:Anonymous=true for an emulator).");
                });
                services.AddSingleton<IVolumeStore>(sp =>
                    BigQueryStores.Create(sp, (http, options, tokens, time, logger, metrics) => new BigQueryVolumeStore(http, options, tokens, time, logger, metrics)));
                break;

            default:
                throw new InvalidOperationException($"Sink:Store must be sqlite, postgres or bigquery, not '{kind}'.");
        }
    }
}
