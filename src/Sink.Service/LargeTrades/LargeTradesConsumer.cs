using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Kafka;
using BitcoinVolume.Sink.Consumer;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Polly.Registry;

namespace BitcoinVolume.Sink.LargeTrades;

/// <summary>
/// Consumes <see cref="Topics.TradesLarge"/> into <c>large_trades</c>, beside the volumes consumer, in group
/// <c>Sink:GroupId</c> + <see cref="LargeTradeSinkOptions.GroupSuffix"/>: a batch (at most <c>Sink:BatchSize</c> records or
/// <c>Sink:BatchMaxWaitMs</c> after its first) is written in one transaction with the database retries of the volumes
/// (<c>Sink:DbRetryAttempts</c>), then its offsets are committed, then it is published to the <see cref="LargeTradeHub"/>.
/// A crash before the commit replays the batch, which the idempotent upsert (primary key venue, product, trade id) absorbs.
/// An undecodable record is counted (<c>sink.records.invalid</c>, reason <c>large_trade_*</c>), logged once per reason and skipped.
/// </summary>
internal sealed partial class LargeTradesConsumer(
    IConfiguration configuration,
    ILargeTradeStore store,
    ResiliencePipelineProvider<string> pipelines,
    IOptions<SinkOptions> options,
    SinkMetrics metrics,
    LargeTradeHub hub,
    ILogger<LargeTradesConsumer> logger) : BackgroundService
{
    private static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(5);

    private readonly HashSet<string> loggedReasons = new(StringComparer.Ordinal);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Factory.StartNew(
        () => Run(stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var pipeline = pipelines.GetPipeline(SinkResilience.DatabasePipeline);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var consumer = Build(settings);
                consumer.Subscribe(Topics.TradesLarge);
                LogStarted(Topics.TradesLarge, settings.GroupId + LargeTradeSinkOptions.GroupSuffix);
                try
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        var (trades, offsets) = Collect(consumer, settings, stoppingToken);
                        if (offsets.Count == 0)
                        {
                            continue;
                        }

                        var added = pipeline.ExecuteAsync(async token => await store.UpsertAsync(trades, token), stoppingToken).AsTask().GetAwaiter().GetResult();
                        consumer.Commit(offsets);
                        LogStored(trades.Count, added);
                        hub.Publish(trades);
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
                // The database still down after its retries, a commit or a fatal Kafka error: nothing is lost (uncommitted
                // records are consumed again after the restart).
                metrics.RecordUpsertError();
                LogFailed(e, RestartDelay.TotalSeconds);
                stoppingToken.WaitHandle.WaitOne(RestartDelay);
            }
        }
    }

    /// <summary>Up to <c>Sink:BatchSize</c> records, waiting <c>Sink:BatchMaxWaitMs</c> after the first; the offsets to commit after them.</summary>
    private (List<LargeTrade> Trades, List<TopicPartitionOffset> Offsets) Collect(IConsumer<Ignore, byte[]> consumer, SinkOptions settings, CancellationToken stoppingToken)
    {
        var trades = new List<LargeTrade>();
        var next = new Dictionary<TopicPartition, TopicPartitionOffset>();
        var deadline = DateTime.MaxValue;
        for (var records = 0; records < settings.BatchSize; records++)
        {
            // Before the first record: up to half a second (then the caller checks for stop); after it, until the batch's deadline.
            var wait = deadline == DateTime.MaxValue ? TimeSpan.FromMilliseconds(500) : deadline - DateTime.UtcNow;
            var record = wait > TimeSpan.Zero ? consumer.Consume(wait) : null;
            stoppingToken.ThrowIfCancellationRequested();
            if (record is null)
            {
                break;
            }

            if (deadline == DateTime.MaxValue)
            {
                deadline = DateTime.UtcNow.AddMilliseconds(settings.BatchMaxWaitMs);
            }

            metrics.RecordConsumed();
            next[record.TopicPartition] = new TopicPartitionOffset(record.TopicPartition, record.Offset + 1);
            if (TryDecode(record.Message.Value, out var trade, out var reason))
            {
                trades.Add(trade);
            }
            else
            {
                metrics.RecordInvalid("large_trade_" + reason);
                if (loggedReasons.Add(reason))
                {
                    LogInvalid(record.TopicPartitionOffset.ToString(), reason);
                }
            }
        }

        return (trades, [.. next.Values]);
    }

    /// <summary>Decodes and checks one value: well-formed ids, positive price and size, notional = price × size, quote of the product.</summary>
    internal static bool TryDecode(byte[]? value, out LargeTrade trade, out string reason)
    {
        trade = null!;
        if (value is null)
        {
            reason = "tombstone";
            return false;
        }

        try
        {
            trade = ContractSerializers.LargeTradeDeserializer.Deserialize(value, isNull: false, new SerializationContext(MessageComponentType.Value, Topics.TradesLarge));
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or NotSupportedException)
        {
            reason = "malformed_json";
            return false;
        }

        reason = trade switch
        {
            { Venue: null or "" } or { TradeId: null or "" } => "missing_id",
            { Product: var p } when !Products.IsCanonical(p) => "bad_product",
            { Price: <= 0 } or { Size: <= 0 } => "bad_price_or_size",
            { Quote: var q, Product: var p } when q != Products.QuoteOf(p) => "bad_quote",
            { Notional: var n, Price: var price, Size: var size } when n != price * size => "bad_notional",
            _ => string.Empty,
        };
        return reason.Length == 0;
    }

    private IConsumer<Ignore, byte[]> Build(SinkOptions settings)
    {
        var config = KafkaClientSettings.From(configuration, settings.Kafka).ToConsumerConfig();
        config.GroupId = settings.GroupId + LargeTradeSinkOptions.GroupSuffix;
        config.EnableAutoCommit = false;
        config.EnableAutoOffsetStore = false;
        config.AutoOffsetReset = AutoOffsetReset.Earliest;
        config.ClientId ??= "sink-large-trades";
        return new ConsumerBuilder<Ignore, byte[]>(config)
            .SetErrorHandler((_, error) => LogKafkaError(error.Code, error.Reason, error.IsFatal))
            .SetLogHandler((_, _) => { })
            .Build();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming {Topic} as group {GroupId}.")]
    private partial void LogStarted(string topic, string groupId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stored a batch of {Trades} large trades ({Added} new).")]
    private partial void LogStored(int trades, int added);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped an invalid large-trade record at {Position}: {Reason} (counted in sink.records.invalid; logged once per reason).")]
    private partial void LogInvalid(string position, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Large-trades consumer failed; restarting it in {DelaySeconds} s.")]
    private partial void LogFailed(Exception exception, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Kafka error on the large-trades consumer {Code}: {Reason} (fatal: {IsFatal}).")]
    private partial void LogKafkaError(ErrorCode code, string reason, bool isFatal);
}
