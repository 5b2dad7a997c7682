using BitcoinVolume.Sink;
using BitcoinVolume.Sink.Footprint;
using BitcoinVolume.Sink.Infrastructure;
using BitcoinVolume.Sink.Infrastructure.BigQuery;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

public static class FootprintServiceExtensions
{
    /// <summary>
    /// Volume at price (<c>Sink:Footprint</c>): the <c>footprint</c> table in the volume database (SQLite or PostgreSQL) and
    /// its <c>footprint.1m</c> consumer (with <c>Sink:ConsumerEnabled</c> and <c>Sink:Footprint:ConsumerEnabled</c>). With
    /// BigQuery every version is appended to <c>Sink:BigQuery:FootprintTable</c> (<see cref="BigQueryFootprintStore"/>), which
    /// serves no reads: <c>/api/footprint</c> answers 501.
    /// </summary>
    public static IHostApplicationBuilder AddFootprint(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<FootprintOptions>().BindConfiguration(FootprintOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<FootprintOptions>, FootprintOptionsValidator>();
        var kind = builder.Configuration.GetValue($"{SinkOptions.Section}:{nameof(SinkOptions.Store)}", VolumeStoreKind.Sqlite);
        services.AddSingleton<IFootprintStore>(sp =>
        {
            if (kind == VolumeStoreKind.BigQuery)
            {
                return BigQueryStores.Create(sp, (http, options, tokens, time, logger, metrics) => new BigQueryFootprintStore(http, options, tokens, time, logger, metrics));
            }

            var connection = sp.GetRequiredService<IConfiguration>().GetConnectionString(SinkOptions.VolumesConnectionStringName);
            return kind == VolumeStoreKind.Postgres
                ? SqlFootprintStore.Postgres(connection!)
                : SqlFootprintStore.Sqlite(connection is { Length: > 0 } ? connection : SinkOptions.DefaultVolumesConnectionString);
        });

        if (builder.Configuration.GetValue($"{SinkOptions.Section}:{nameof(SinkOptions.ConsumerEnabled)}", defaultValue: true)
            && builder.Configuration.GetValue($"{FootprintOptions.Section}:{nameof(FootprintOptions.ConsumerEnabled)}", defaultValue: true))
        {
            services.AddHostedService<FootprintConsumer>();
        }

        return builder;
    }
}
