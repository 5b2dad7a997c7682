using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Kafka;
using BitcoinVolume.Sink.Consumer;
using BitcoinVolume.Sink.Model;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Polly.Registry;

namespace BitcoinVolume.Sink.Footprint;

/// <summary>
/// Consumes <see cref="Topics.Footprint1m"/> into the <c>footprint</c> table, in its own group (<see cref="FootprintOptions.GroupId"/>)
/// beside the volumes consumer: batches of up to <c>Sink:BatchSize</c> records or <c>Sink:BatchMaxWaitMs</c>, one transaction
/// each (the highest version kept), written with the database retry pipeline (bounded, counted in <c>sink.upsert.retries</c>),
/// and only then the offsets committed. A batch that still fails restarts the consumer after a pause; its records are read
/// again (writes are idempotent). An undecodable record is counted (<c>sink.records.invalid</c>, reason
/// <c>footprint_*</c>), logged once per reason and skipped.
/// </summary>
internal sealed partial class FootprintConsumer(
    IConfiguration configuration,
    IFootprintStore store,
    ResiliencePipelineProvider<string> pipelines,
    IOptions<SinkOptions> sinkOptions,
    IOptions<FootprintOptions> options,
    SinkMetrics metrics,
    ILogger<FootprintConsumer> logger) : BackgroundService
{
    private static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(5);

    private readonly HashSet<string> loggedReasons = new(StringComparer.Ordinal);
    private readonly LogThrottle<ErrorCode> errorThrottle = new(TimeSpan.FromSeconds(30), TimeProvider.System);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var bootstrapServers = KafkaSettings.GetBootstrapServers(configuration);
        return Task.Factory.StartNew(() => Run(bootstrapServers, stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void Run(string bootstrapServers, CancellationToken stoppingToken)
    {
        var sink = sinkOptions.Value;
        var settings = options.Value;
        var pipeline = pipelines.GetPipeline(SinkResilience.DatabasePipeline);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var config = KafkaClientSettings.From(configuration, sink.Kafka).ToConsumerConfig();
                config.GroupId = settings.GroupId;
                config.EnableAutoCommit = false;
                config.AutoOffsetReset = AutoOffsetReset.Earliest;
                config.ClientId ??= "sink-footprint";
                using var consumer = new ConsumerBuilder<Ignore, byte[]>(config).SetErrorHandler((_, error) => OnKafkaError(error)).Build();
                consumer.Subscribe(Topics.Footprint1m);
                LogStarted(Topics.Footprint1m, settings.GroupId, bootstrapServers);
                try
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        var (windows, offsets) = Collect(consumer, sink, stoppingToken);
                        if (offsets.Count == 0)
                        {
                            continue;
                        }

                        if (windows.Count > 0)
                        {
                            var changed = pipeline.ExecuteAsync(async token => await store.UpsertAsync(windows, token), stoppingToken).AsTask().GetAwaiter().GetResult();
                            LogWritten(windows.Count, changed);
                        }

                        consumer.Commit([.. offsets.Select(o => new TopicPartitionOffset(o.Key, o.Value + 1))]);
                    }
                }
                finally
                {
                    consumer.Close();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                metrics.RecordUpsertError();
                LogFailed(e, RestartDelay.TotalSeconds);
                stoppingToken.WaitHandle.WaitOne(RestartDelay);
            }
        }
    }

    /// <summary>Each Kafka error code at most once per 30 s (a broker outage repeats them on every reconnect); fatal ones always.</summary>
    private void OnKafkaError(Error error)
    {
        if (errorThrottle.ShouldLog(error.Code, out var repeats) || error.IsFatal)
        {
            LogKafkaError(error.Code, error.Reason, repeats);
        }
    }

    /// <summary>Up to a batch of records (or what arrived within the wait): the decoded windows and the last offset per partition.</summary>
    private (List<FootprintWindow> Windows, Dictionary<TopicPartition, Offset> Offsets) Collect(IConsumer<Ignore, byte[]> consumer, SinkOptions sink, CancellationToken stoppingToken)
    {
        var windows = new List<FootprintWindow>();
        var offsets = new Dictionary<TopicPartition, Offset>();
        var deadline = DateTime.UtcNow.AddMilliseconds(Math.Max(1, sink.BatchMaxWaitMs));
        while (windows.Count < sink.BatchSize)
        {
            var wait = offsets.Count == 0 ? TimeSpan.FromMilliseconds(250) : deadline - DateTime.UtcNow;
            if (wait <= TimeSpan.Zero)
            {
                break;
            }

            var result = consumer.Consume(wait);
            stoppingToken.ThrowIfCancellationRequested();
            if (result is null)
            {
                if (offsets.Count == 0)
                {
                    continue;
                }

                break;
            }

            offsets[result.TopicPartition] = result.Offset;
            if (TryDecode(result.Message.Value, sink.Window, out var window, out var reason, out var detail))
            {
                windows.Add(window!);
            }
            else
            {
                metrics.RecordInvalid("footprint_" + reason);
                if (loggedReasons.Add(reason))
                {
                    LogInvalid(result.TopicPartitionOffset.ToString(), reason, detail);
                }
            }
        }

        return (windows, offsets);
    }

    /// <summary>Decodes and checks one value of <c>footprint.1m</c>; false with a short reason when it cannot be stored.</summary>
    internal static bool TryDecode(byte[]? value, WindowSpec spec, out FootprintWindow? window, out string reason, out string detail)
    {
        window = null;
        (reason, detail) = (string.Empty, string.Empty);
        if (value is null)
        {
            (reason, detail) = ("tombstone", "null value");
            return false;
        }

        try
        {
            window = ContractSerializers.FootprintDeserializer.Deserialize(value, isNull: false, new SerializationContext(MessageComponentType.Value, Topics.Footprint1m));
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or NotSupportedException)
        {
            (reason, detail) = ("malformed_json", e.Message);
            return false;
        }

        (reason, detail) = window switch
        {
            { Product: null or { Length: 0 } } or { Venue: null } => ("missing_product", "venue or product is missing"),
            _ when !VenueIds.IsWellFormed(window.Venue) => ("invalid_venue", $"venue '{window.Venue}' is not a venue id"),
            _ when !spec.IsStart(window.WindowStart) => ("unaligned_window", $"windowStart {window.WindowStart:O} is not a start of a {spec} window"),
            { Levels: null } => ("missing_levels", "levels are missing"),
            _ when window.Tick <= 0 || window.Trades < 0 || window.Version < 0 => ("invalid_numbers", $"tick {window.Tick}, trades {window.Trades}, version {window.Version}"),
            _ => (string.Empty, string.Empty),
        };
        if (reason.Length > 0)
        {
            window = null;
            return false;
        }

        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming {Topic} as group {GroupId} from {BootstrapServers}.")]
    private partial void LogStarted(string topic, string groupId, string bootstrapServers);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Footprint batch of {Windows} windows written ({Changed} rows changed).")]
    private partial void LogWritten(int windows, int changed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipping a footprint.1m record at {Position}: {Reason} ({Detail}); further records with this reason are only counted (sink.records.invalid).")]
    private partial void LogInvalid(string position, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "Footprint consumer failed (the uncommitted records are read again); restarting it in {DelaySeconds} s.")]
    private partial void LogFailed(Exception exception, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka error {Code} in the footprint consumer: {Reason} ({Repeats} repeats not logged since the last report).")]
    private partial void LogKafkaError(ErrorCode code, string reason, int repeats);
}
