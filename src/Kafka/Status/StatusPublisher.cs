using System.Text.Json;
using BitcoinVolume.Contracts;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Kafka.Status;

/// <summary>
/// Publishes a service's <see cref="StatusReport"/>s (from its <see cref="IStatusReportSource"/>) on
/// <see cref="Topics.Status"/>: every <see cref="StatusPublisherOptions.CheckInterval"/> it looks at them and produces each
/// one that changed, and every one again after <see cref="StatusPublisherOptions.Heartbeat"/> without a change. It sets
/// <see cref="StatusReport.Since"/> (the first look at which the report's state held), <see cref="StatusReport.PublishedAt"/>
/// and <see cref="StatusReport.HeartbeatSeconds"/>. On a clean stop the source's last reports (state stopped) are produced
/// and flushed. Kafka trouble never stops the service: a report that cannot be delivered is logged once (until one is
/// delivered again) and replaced by the next.
/// </summary>
public sealed partial class StatusPublisher(
    IConfiguration configuration,
    IStatusReportSource source,
    IOptions<StatusPublisherOptions> options,
    TimeProvider timeProvider,
    ILogger<StatusPublisher> logger) : BackgroundService
{
    private static readonly TimeSpan StopFlushTimeout = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, Published> last = new(StringComparer.Ordinal);
    private int failing;
    private int sourceFailing;

    /// <summary>Reports produced (handed to the producer) since start.</summary>
    public long Produced { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return;
        }

        await Task.Yield();
        var config = KafkaClientSettings.From(configuration).ToProducerConfig();
        config.ClientId ??= "status";
        config.EnableIdempotence = true; // in order, never duplicated: a later report never lands before an earlier one
        config.LingerMs = 0;
        config.MessageTimeoutMs = (int)Math.Max(10_000, settings.Heartbeat.TotalMilliseconds * 3);
        using var producer = new ProducerBuilder<string, byte[]>(config)
            .SetErrorHandler((_, error) => Failed(error.Reason))
            .SetLogHandler((_, _) => { })
            .Build();
        using var timer = new PeriodicTimer(settings.CheckInterval, timeProvider);
        try
        {
            do
            {
                Publish(producer, settings, stopping: false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        Publish(producer, settings, stopping: true);
        if (producer.Flush(StopFlushTimeout) > 0)
        {
            LogNotDeliveredAtStop(StopFlushTimeout.TotalSeconds);
        }
    }

    private void Publish(IProducer<string, byte[]> producer, StatusPublisherOptions settings, bool stopping)
    {
        var now = timeProvider.GetUtcNow();
        IReadOnlyList<StatusReport> reports;
        try
        {
            reports = source.Current(now, stopping);
            Interlocked.Exchange(ref sourceFailing, 0);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or NullReferenceException or KeyNotFoundException)
        {
            if (Interlocked.Exchange(ref sourceFailing, 1) == 0)
            {
                LogSourceFailed(e, e.Message);
            }

            return;
        }

        foreach (var report in reports)
        {
            var key = report.Key;
            last.TryGetValue(key, out var previous);
            var since = report.Since != default ? report.Since
                : previous is not null && previous.State == report.State ? previous.Since
                : now;
            var stamped = report with { Since = since, PublishedAt = now, HeartbeatSeconds = (int)Math.Ceiling(settings.Heartbeat.TotalSeconds) };
            var content = JsonSerializer.SerializeToUtf8Bytes(stamped with { PublishedAt = default }, ContractsJsonContext.Default.StatusReport);
            if (previous is not null && !stopping && now - previous.At < settings.Heartbeat && content.AsSpan().SequenceEqual(previous.Content))
            {
                continue;
            }

            try
            {
                producer.Produce(
                    Topics.Status,
                    new Message<string, byte[]> { Key = key, Value = JsonSerializer.SerializeToUtf8Bytes(stamped, ContractsJsonContext.Default.StatusReport) },
                    OnDelivery);
                last[key] = new Published(report.State, since, content, now);
                Produced++;
            }
            catch (KafkaException e)
            {
                Failed(e.Error.Reason);
            }
        }
    }

    private void OnDelivery(DeliveryReport<string, byte[]> report)
    {
        if (report.Error.IsError)
        {
            Failed(report.Error.Reason);
        }
        else if (Interlocked.Exchange(ref failing, 0) == 1)
        {
            LogDeliveredAgain();
        }
    }

    private void Failed(string reason)
    {
        if (Interlocked.Exchange(ref failing, 1) == 0)
        {
            LogNotDelivered(Topics.Status, reason);
        }
    }

    /// <summary>What was last produced for a key: its state since when, and its content without the publication time.</summary>
    private sealed record Published(string State, DateTimeOffset Since, byte[] Content, DateTimeOffset At);

    [LoggerMessage(1, LogLevel.Warning, "Status reports cannot be delivered to topic {Topic}: {Reason}; the sink shows this service's status as stale until one is (logged once)")]
    private partial void LogNotDelivered(string topic, string reason);

    [LoggerMessage(2, LogLevel.Information, "Status reports are delivered again")]
    private partial void LogDeliveredAgain();

    [LoggerMessage(3, LogLevel.Warning, "The last status reports were not delivered within {Seconds} s at stop")]
    private partial void LogNotDeliveredAtStop(double seconds);

    [LoggerMessage(4, LogLevel.Error, "Status reports could not be made ({Error}); retried at the next look (logged once)")]
    private partial void LogSourceFailed(Exception exception, string error);
}
