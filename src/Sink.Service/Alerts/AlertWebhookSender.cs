using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BitcoinVolume.Sink.Apis;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace BitcoinVolume.Sink.Alerts;

/// <summary>
/// POSTs an alert to a webhook: JSON body (<see cref="AlertEvent"/>), <c>X-BitcoinVolume-Signature: sha256=&lt;hex HMAC-SHA256
/// of the body with the webhook's secret&gt;</c>, <c>X-BitcoinVolume-Alert-Id</c> and <c>X-BitcoinVolume-Alert-Revision</c>
/// (a receiver keeps the highest revision per id). The named client <see cref="ClientName"/> retries HTTP 408/429/5xx,
/// transport errors and timeouts with exponential backoff (Microsoft.Extensions.Http.Resilience), bounded by
/// <c>Sink:Alerts:WebhookRetryAttempts</c>.
/// </summary>
internal sealed partial class AlertWebhookSender(IHttpClientFactory clients, IOptions<AlertOptions> options, AlertStatus status, ILogger<AlertWebhookSender> logger)
{
    public const string ClientName = "alerts-webhook";
    public const string SignatureHeader = "X-BitcoinVolume-Signature";
    public const string IdHeader = "X-BitcoinVolume-Alert-Id";
    public const string RevisionHeader = "X-BitcoinVolume-Alert-Revision";

    private static readonly HttpRequestOptionsKey<string> WebhookKey = new("bitcoinvolume.webhook");

    /// <summary>The signature header value of <paramref name="body"/> under <paramref name="secret"/>.</summary>
    public static string Sign(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>The resilience pipeline of <see cref="ClientName"/>: bounded retries with backoff, a timeout per attempt.</summary>
    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, AlertOptions settings, AlertStatus status)
    {
        if (settings.WebhookRetryAttempts > 0)
        {
            pipeline.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = settings.WebhookRetryAttempts,
                Delay = TimeSpan.FromMilliseconds(settings.WebhookRetryDelayMs),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                MaxDelay = TimeSpan.FromSeconds(30),
                OnRetry = args =>
                {
                    var webhook = args.Context.GetRequestMessage()?.Options.TryGetValue(WebhookKey, out var name) == true ? name : "?";
                    status.RecordRetry(webhook, args.Outcome.Exception?.Message ?? $"HTTP {(int?)args.Outcome.Result?.StatusCode}");
                    return ValueTask.CompletedTask;
                },
            });
        }

        pipeline.AddTimeout(TimeSpan.FromSeconds(settings.WebhookTimeoutSeconds));
    }

    /// <summary>Delivers <paramref name="alert"/> to <paramref name="webhook"/>; returns null on success, else why it failed (after the retries).</summary>
    public async Task<string?> SendAsync(AlertEvent alert, string webhook, CancellationToken cancellationToken)
    {
        if (!options.Value.Webhooks.TryGetValue(webhook, out var target))
        {
            return $"webhook '{webhook}' is no longer configured (Sink:Alerts:Webhooks)";
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(alert, SinkJsonContext.Default.AlertEvent);
        var signature = Sign(target.Secret!, body);
        using var request = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(SignatureHeader, signature);
        request.Headers.Add(IdHeader, alert.Id);
        request.Headers.Add(RevisionHeader, alert.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Options.Set(WebhookKey, webhook);
        string? error;
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, cancellationToken);
            error = response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException
                                   || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            error = $"{e.GetType().Name}: {e.Message}";
        }

        status.RecordDelivery(webhook, error is null, error);
        if (error is not null)
        {
            LogDeliveryFailed(logger, alert.Id, alert.Revision, webhook, options.Value.WebhookRetryAttempts, error);
        }

        return error;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Alert {AlertId} (revision {Revision}) could not be delivered to webhook {Webhook} after {Retries} retries (Sink:Alerts:WebhookRetryAttempts): {Error}. It is recorded as failed; see /api/alerts/status.")]
    private static partial void LogDeliveryFailed(ILogger logger, string alertId, long revision, string webhook, int retries, string error);
}
