using BitcoinVolume.Sink.Consumer;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Sink.Infrastructure.BigQuery;

/// <summary>Builds a BigQuery store (volumes, footprint, large trades) from the container, one way for all of them.</summary>
internal static class BigQueryStores
{
    public static T Create<T>(
        IServiceProvider services, Func<HttpClient, BigQueryOptions, IAccessTokenSource, TimeProvider, ILogger, SinkMetrics, T> create) =>
        create(
            // Its own client: the store does its own bounded, logged retries (HTTP 429/5xx, transient insertErrors), so the
            // standard resilience handler that the service defaults put on IHttpClientFactory clients must not retry on top.
            new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan },
            services.GetRequiredService<IOptions<BigQueryOptions>>().Value,
            services.GetRequiredService<IAccessTokenSource>(),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(T).FullName ?? typeof(T).Name),
            services.GetRequiredService<SinkMetrics>());
}
