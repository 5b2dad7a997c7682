using BitcoinVolume.Contracts;
using BitcoinVolume.Kafka;
using BitcoinVolume.Sink.Infrastructure;
using BitcoinVolume.Sink.Live;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Polly.Registry;

namespace BitcoinVolume.Sink.Consumer;

/// <summary>
/// Consumes <see cref="Topics.Volumes1m"/> into the <see cref="IVolumeStore"/> (see <see cref="VolumeBatchWriter"/>).
/// <c>Consume</c> blocks, so the loop runs on its own long-running thread. Registered only when
/// <c>Sink:ConsumerEnabled</c> is true (the default), after Kafka's topic provisioning (which creates missing topics).
/// </summary>
internal sealed partial class VolumesConsumer(
    IConfiguration configuration,
    IVolumeStore store,
    ResiliencePipelineProvider<string> pipelines,
    IOptions<SinkOptions> options,
    SinkMetrics metrics,
    SinkStatus health,
    VolumeUpdateHub updates,
    TimeProvider timeProvider,
    ILogger<VolumesConsumer> logger) : BackgroundService
{
    private static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(5);

    private readonly LogThrottle<ErrorCode> errorThrottle = new(TimeSpan.FromSeconds(30), timeProvider);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Fails the host at start with a clear message when ConnectionStrings:kafka is missing.
        var bootstrapServers = KafkaSettings.GetBootstrapServers(configuration);
        return Task.Factory.StartNew(
            () => Run(bootstrapServers, stoppingToken),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

    private void Run(string bootstrapServers, CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var writer = new VolumeBatchWriter(
            store, pipelines.GetPipeline(SinkResilience.DatabasePipeline), settings, metrics, logger, timeProvider, health, updates);

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var consumer = Build(settings, writer);
                consumer.Subscribe(Topics.Volumes1m);
                LogStarted(Topics.Volumes1m, settings.GroupId, bootstrapServers);
                try
                {
                    writer.Run(consumer, stoppingToken);
                }
                finally
                {
                    // Leaves the group cleanly (the revoke handler writes and commits anything still held).
                    consumer.Close();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Fatal Kafka errors and anything unexpected: nothing is lost (uncommitted records are consumed again).
                LogConsumerFailed(e, RestartDelay.TotalSeconds);
                stoppingToken.WaitHandle.WaitOne(RestartDelay);
            }
        }

        LogStopped();
    }

    private IConsumer<Ignore, byte[]> Build(SinkOptions settings, VolumeBatchWriter writer)
    {
        // Shared Kafka:* client settings (e.g. SASL) first, then the sink's own Sink:Kafka:* on top.
        var client = KafkaClientSettings.From(configuration, settings.Kafka);
        LogClientSettings(client.ToString());
        var config = client.ToConsumerConfig();
        config.GroupId = settings.GroupId;
        config.EnableAutoCommit = false;
        config.EnableAutoOffsetStore = false;
        config.AutoOffsetReset = AutoOffsetReset.Earliest;
        config.ClientId ??= "sink";

        // Values are decoded by the writer with ContractSerializers.WindowDeserializer, so that an undecodable record is
        // counted and skipped at a known offset instead of surfacing as a consume error.
        return new ConsumerBuilder<Ignore, byte[]>(config)
            .SetPartitionsAssignedHandler((_, partitions) => LogAssigned(string.Join(", ", partitions)))
            .SetPartitionsRevokedHandler((c, partitions) =>
            {
                LogRevoked(string.Join(", ", partitions));
                writer.OnPartitionsRevoked(c, partitions.Select(p => p.TopicPartition).ToList());
            })
            .SetPartitionsLostHandler((c, partitions) =>
            {
                LogLost(string.Join(", ", partitions));
                writer.OnPartitionsLost(c, partitions.Select(p => p.TopicPartition).ToList());
            })
            .SetErrorHandler((_, error) => OnKafkaError(error))
            .SetLogHandler((_, message) => LogKafka(MapLevel(message.Level), message.Facility, message.Message))
            .Build();
    }

    /// <summary>
    /// librdkafka reports a broker outage as a stream of transient errors (every reconnect attempt): each error code is
    /// logged at most once per 30 s, with the number of repeats in between. Fatal errors are always logged.
    /// </summary>
    private void OnKafkaError(Error error)
    {
        if (errorThrottle.ShouldLog(error.Code, out var repeats) || error.IsFatal)
        {
            LogKafkaError(error.Code, error.Reason, error.IsFatal, repeats);
        }
    }

    // Errors are reported through the error handler (above); librdkafka's own log lines repeat them, so they stay at Debug
    // unless librdkafka itself calls them critical.
    private static LogLevel MapLevel(SyslogLevel level) => level switch
    {
        SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical => LogLevel.Error,
        _ => LogLevel.Debug,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming {Topic} as group {GroupId} from {BootstrapServers}.")]
    private partial void LogStarted(string topic, string groupId, string bootstrapServers);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Kafka consumer settings: {Settings}.")]
    private partial void LogClientSettings(string settings);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sink consumer stopped.")]
    private partial void LogStopped();

    [LoggerMessage(Level = LogLevel.Error, Message = "Sink consumer failed; restarting it in {DelaySeconds} s.")]
    private partial void LogConsumerFailed(Exception exception, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partitions assigned: {Partitions}.")]
    private partial void LogAssigned(string partitions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partitions revoked: {Partitions}.")]
    private partial void LogRevoked(string partitions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partitions lost: {Partitions}.")]
    private partial void LogLost(string partitions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka error {Code}: {Reason} (fatal: {IsFatal}; {Repeats} repeats not logged since the last report).")]
    private partial void LogKafkaError(ErrorCode code, string reason, bool isFatal, int repeats);

    [LoggerMessage(Message = "librdkafka {Facility}: {Message}")]
    private partial void LogKafka(LogLevel level, string facility, string message);
}
