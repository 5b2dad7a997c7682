using System.ComponentModel.DataAnnotations;
using BitcoinVolume.Contracts;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Sink.Alerts;

/// <summary>Settings of the alerts, bound from <c>Sink:Alerts</c> (see docs/CONFIGURATION.md).</summary>
public sealed class AlertOptions : IValidatableObject
{
    public const string Section = "Sink:Alerts";

    /// <summary>Evaluates rules and delivers alerts (default true). Needs a store that serves queries (not BigQuery).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Rules from the settings (read-only through the API; rules posted to the API are kept in the store).</summary>
    public List<AlertRule> Rules { get; } = [];

    /// <summary>Webhooks by name: each gets a POST of every alert of the rules that name it (or of every rule that names none).</summary>
    public Dictionary<string, AlertWebhookOptions> Webhooks { get; } = new(StringComparer.Ordinal);

    /// <summary>Retries of a failed webhook POST (HTTP 408/429/5xx, transport errors, timeouts), exponential backoff with jitter.</summary>
    [Range(0, 20)]
    public int WebhookRetryAttempts { get; set; } = 4;

    /// <summary>First backoff delay of <see cref="WebhookRetryAttempts"/>, in milliseconds (doubles each retry).</summary>
    [Range(1, 60_000)]
    public int WebhookRetryDelayMs { get; set; } = 500;

    /// <summary>Timeout of one POST attempt, in seconds.</summary>
    [Range(1, 300)]
    public int WebhookTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// At start (and after the evaluator fell behind), every rule is evaluated again over this many of its bars up to the
    /// newest stored window: alerts of windows committed while the service was down are not lost; those already fired are not
    /// sent again.
    /// </summary>
    [Range(1, 100_000)]
    public int CatchUpBars { get; set; } = 120;

    /// <summary>The base window the rules' intervals are checked against (set from <c>Sink:Window</c>, not bound).</summary>
    internal WindowSpec Window { get; set; } = WindowSpec.Default;

    /// <summary>The stored large-trade thresholds a <c>trade</c> rule is checked against (set from <c>Sink:LargeTrades:MinNotional</c>, not bound).</summary>
    internal IReadOnlyDictionary<string, decimal> MinNotional { get; set; } = LargeTrade.DefaultMinNotional;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, webhook) in Webhooks)
        {
            if (!Uri.TryCreate(webhook.Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                yield return new ValidationResult($"Sink:Alerts:Webhooks:{name}:Url must be an absolute http(s) URL, not '{webhook.Url}'.");
            }

            if (string.IsNullOrEmpty(webhook.Secret) || webhook.Secret.Length < 16)
            {
                yield return new ValidationResult($"Sink:Alerts:Webhooks:{name}:Secret is required: the HMAC-SHA256 key, at least 16 characters (a secret: environment or user-secrets only).");
            }
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Rules.Count; i++)
        {
            foreach (var (field, messages) in Rules[i].Validate(Window, Webhooks.Keys, MinNotional))
            {
                yield return new ValidationResult($"Sink:Alerts:Rules:{i}:{field}: {string.Join(" ", messages)}");
            }

            if (Rules[i].Id is { } id && !ids.Add(id))
            {
                yield return new ValidationResult($"Sink:Alerts:Rules:{i}:Id '{id}' is used twice.");
            }
        }
    }
}

/// <summary>One webhook of <c>Sink:Alerts:Webhooks:&lt;name&gt;</c>.</summary>
public sealed class AlertWebhookOptions
{
    /// <summary>Where alerts are POSTed (absolute http or https URL).</summary>
    public string? Url { get; set; }

    /// <summary>The HMAC-SHA256 key of the <c>X-BitcoinVolume-Signature</c> header (a secret).</summary>
    public string? Secret { get; set; }
}

[OptionsValidator]
internal sealed partial class AlertOptionsValidator : IValidateOptions<AlertOptions>;
