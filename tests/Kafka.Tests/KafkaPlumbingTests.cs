using System.Diagnostics;
using BitcoinVolume.Contracts;
using BitcoinVolume.DevBroker;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BitcoinVolume.Kafka.Tests;

/// <summary>Topic provisioning, the health check and trace headers, against the development broker where a broker is needed.</summary>
public sealed class KafkaPlumbingTests
{
    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

    [Fact]
    public async Task Provisioning_on_a_cluster_that_has_every_topic_creates_nothing()
    {
        await using var broker = DevelopmentBroker.Start(new DevelopmentBrokerOptions { Port = 0 }, NullLogger.Instance);
        var logger = new ListLogger<KafkaTopicProvisioning>();

        var created = await KafkaTopicProvisioner.EnsureTopicsAsync(KafkaClientSettings.ForBootstrapServers(broker.BootstrapServers), Topics.All);
        await new KafkaTopicProvisioning(Configuration(("ConnectionStrings:kafka", broker.BootstrapServers)), logger).StartAsync(CancellationToken.None);

        Assert.Empty(created);
        Assert.Empty(logger.Lines);
    }

    [Fact]
    public async Task Provisioning_switched_off_does_not_contact_the_cluster()
    {
        // Nothing listens there: a metadata request would wait its 30 s.
        var configuration = Configuration(("ConnectionStrings:kafka", "127.0.0.1:1"), ("Kafka:ProvisionTopics", "false"));
        var stopwatch = Stopwatch.StartNew();

        await new KafkaTopicProvisioning(configuration, new ListLogger<KafkaTopicProvisioning>()).StartAsync(CancellationToken.None);

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Provisioning_without_a_connection_string_fails_the_start_naming_the_setting()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => new KafkaTopicProvisioning(Configuration(), new ListLogger<KafkaTopicProvisioning>()).StartAsync(CancellationToken.None));

        Assert.Contains("ConnectionStrings:kafka", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_health_check_reports_the_reachable_brokers_and_an_unreachable_cluster()
    {
        await using var broker = DevelopmentBroker.Start(new DevelopmentBrokerOptions { Port = 0 }, NullLogger.Instance);
        using var healthy = new KafkaHealthCheck(Configuration(("ConnectionStrings:kafka", broker.BootstrapServers)));
        using var unreachable = new KafkaHealthCheck(Configuration(("ConnectionStrings:kafka", "127.0.0.1:1")));

        var up = await healthy.CheckHealthAsync(new HealthCheckContext());
        var down = await unreachable.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal((HealthStatus.Healthy, "1 broker(s) reachable"), (up.Status, up.Description));
        Assert.Equal(HealthStatus.Unhealthy, down.Status);
        Assert.StartsWith("Kafka unreachable", down.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Trace_context_travels_in_the_headers()
    {
        using var source = new ActivitySource("BitcoinVolume.Kafka.Tests");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var activity = source.StartActivity("produce");
        Assert.NotNull(activity);

        var headers = KafkaTracing.Inject(activity);
        var context = KafkaTracing.Extract(headers);

        Assert.NotNull(context);
        Assert.Equal((activity.TraceId, activity.SpanId, true), (context.Value.TraceId, context.Value.SpanId, context.Value.IsRemote));
        Assert.Same(headers, KafkaTracing.Inject(activity, headers));
        Assert.Single(headers!, h => h.Key == "traceparent"); // injecting again replaces, never duplicates
    }

    [Fact]
    public void Without_an_activity_or_a_traceparent_there_is_no_context()
    {
        var headers = new Headers { { "other", [1] } };

        Assert.Null(KafkaTracing.Inject(null));
        Assert.Same(headers, KafkaTracing.Inject(null, headers));
        Assert.Null(KafkaTracing.Extract(null));
        Assert.Null(KafkaTracing.Extract(headers));
        Assert.Null(KafkaTracing.Extract(new Headers { { "traceparent", "not-a-traceparent"u8.ToArray() } }));
    }

    private sealed class ListLogger<T> : ILogger<T>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }
}
