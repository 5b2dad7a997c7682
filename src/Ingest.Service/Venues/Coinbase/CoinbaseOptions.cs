using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Ingest.Venues.Coinbase;

/// <summary>
/// Coinbase's endpoints. They keep their keys in section <c>Ingest:Live</c> (<c>Ingest:Live:ExchangeUrl</c>, …), where
/// they were before the venue seam, so existing configuration keeps working; the shared live settings (timeouts,
/// backoff, buffer) are <see cref="LiveOptions"/> in the same section.
/// </summary>
public sealed class CoinbaseOptions : IValidatableObject
{
    public const string Section = "Ingest:Live";

    public Uri ExchangeUrl { get; set; } = new("wss://ws-feed.exchange.coinbase.com");

    public Uri AdvancedTradeUrl { get; set; } = new("wss://advanced-trade-ws.coinbase.com");

    /// <summary>REST base URL for backfill (both feeds: the Exchange endpoint pages by trade id).</summary>
    public Uri RestUrl { get; set; } = new("https://api.exchange.coinbase.com");

    /// <summary>The endpoints must be absolute URLs of the right scheme; each bad one is named.</summary>
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        foreach (var (url, setting) in new[] { (ExchangeUrl, nameof(ExchangeUrl)), (AdvancedTradeUrl, nameof(AdvancedTradeUrl)) })
        {
            if (!(url.IsAbsoluteUri && url.Scheme is "ws" or "wss"))
            {
                yield return new($"Ingest:Live:{setting} '{url}' must be an absolute ws:// or wss:// URL", [setting]);
            }
        }

        if (!(RestUrl.IsAbsoluteUri && RestUrl.Scheme is "http" or "https"))
        {
            yield return new("Ingest:Live:RestUrl must be an absolute http(s) URL", [nameof(RestUrl)]);
        }
    }
}

/// <summary>Source-generated validation of <see cref="CoinbaseOptions"/> (runs its <see cref="IValidatableObject"/> rules).</summary>
[OptionsValidator]
internal sealed partial class CoinbaseOptionsValidator : IValidateOptions<CoinbaseOptions>;


