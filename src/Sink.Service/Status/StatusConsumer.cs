using BitcoinVolume.Contracts;
using BitcoinVolume.Kafka;
using BitcoinVolume.Sink.Consumer;
using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Sink.Status;

/// <summary>
/// Reads topic <see cref="Topics.Status"/> whole, from its start, into the <see cref="StatusBoard"/>: every partition is
/// assigned (no consumer group membership, no commits: each sink instance keeps the whole board). Registered with the
/// volumes consumer (<c>Sink:ConsumerEnabled</c>). A record that is not a status report is counted
/// (<c>sink.status.invalid</c>), logged once per reason and skipped; Kafka errors are logged at most once per 30 s per code.
/// </summary>
internal sealed partial class StatusConsumer(
    IConfiguration configuration,
    IOptions<SinkOptions> options,
    StatusBoard board,
    SinkMetrics metrics,
    TimeProvider timeProvider,
    ILogger<StatusConsumer> logger) : BackgroundService
{
    private static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(5);

    private readonly LogThrottle<ErrorCode> errorThrottle = new(TimeSpan.FromSeconds(30), timeProvider);
    private readonly HashSet<string> loggedReasons = new(StringComparer.Ordinal);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Run(stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stoppingToken)
    {
        var partitions = Topics.All.Single(t => t.Name == Topics.Status).Partitions;
        board.ConsumerRunning(true);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    using var consumer = Build();
                    consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(Topics.Status, p, Offset.Beginning)));
                    LogStarted(Topics.Status, partitions);
                    var atEnd = new HashSet<int>();
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        var record = consumer.Consume(stoppingToken);
                        if (record is null)
                        {
                            continue;
                        }

                        if (record.IsPartitionEOF)
                        {
                            if (atEnd.Add(record.Partition.Value) && atEnd.Count == partitions)
                            {
                                board.ReachedEnd();
                            }

                            continue;
                        }

                        if (!board.TryApply(record.Message.Key, record.Message.Value, out var reason, out var detail))
                        {
                            metrics.RecordStatusInvalid(reason);
                            bool first;
                            lock (loggedReasons)
                            {
                                first = loggedReasons.Add(reason);
                            }

                            if (first)
                            {
                                LogInvalid(record.TopicPartitionOffset.ToString(), reason, detail);
                            }
                        }
                    }
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (KafkaException e)
                {
                    LogFailed(e, RestartDelay.TotalSeconds);
                    stoppingToken.WaitHandle.WaitOne(RestartDelay);
                }
            }
        }
        finally
        {
            board.ConsumerRunning(false);
        }
    }

    private IConsumer<string?, byte[]?> Build()
    {
        var settings = options.Value;
        var config = KafkaClientSettings.From(configuration, settings.Kafka).ToConsumerConfig();

        // Assigned, never subscribed: the group id only names the client (no join, no commits).
        config.GroupId = settings.GroupId + "-status";
        config.EnableAutoCommit = false;
        config.EnableAutoOffsetStore = false;
        config.EnablePartitionEof = true;
        config.ClientId = "sink-status";
        config.Set("group.protocol", "classic");
        return new ConsumerBuilder<string?, byte[]?>(config)
            .SetKeyDeserializer(Deserializers.Utf8)
            .SetValueDeserializer(Deserializers.ByteArray)
            .SetErrorHandler((_, error) =>
            {
                if (errorThrottle.ShouldLog(error.Code, out var repeats) || error.IsFatal)
                {
                    LogKafkaError(error.Code, error.Reason, repeats);
                }
            })
            .SetLogHandler((_, _) => { })
            .Build();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reading {Topic} ({Partitions} partitions) from its start for /api/status.")]
    private partial void LogStarted(string topic, int partitions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipping a record of {Position} that is not a status report: {Reason} ({Detail}). Further ones with this reason are counted in sink.status.invalid, not logged.")]
    private partial void LogInvalid(string position, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "The status consumer failed; restarting it in {DelaySeconds} s.")]
    private partial void LogFailed(Exception exception, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka error on the status consumer {Code}: {Reason} ({Repeats} repeats not logged since the last report).")]
    private partial void LogKafkaError(ErrorCode code, string reason, int repeats);
}
