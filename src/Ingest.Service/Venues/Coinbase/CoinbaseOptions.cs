using Microsoft.Extensions.Options;

namespace BitcoinVolume.Ingest.Venues.Coinbase;

/// <summary>
/// Coinbase's endpoints. They keep their keys in section <c>Ingest:Live</c> (<c>Ingest:Live:ExchangeUrl</c>, …), where
/// they were before the venue seam, so existing configuration keeps working; the shared live settings (timeouts,
/// backoff, buffer) are <see cref="LiveOptions"/> in the same section.
/// </summary>
public sealed class CoinbaseOptions
{
    public const string Section = "Ingest:Live";

    public Uri ExchangeUrl { get; set; } = new("wss://ws-feed.exchange.coinbase.com");

    public Uri AdvancedTradeUrl { get; set; } = new("wss://advanced-trade-ws.coinbase.com");

    /// <summary>REST base URL for backfill (both feeds: the Exchange endpoint pages by trade id).</summary>
    public Uri RestUrl { get; set; } = new("https://api.exchange.coinbase.com");
}

/// <summary>Checks the Coinbase endpoints at start and names each bad one.</summary>
internal sealed class CoinbaseOptionsValidator : IValidateOptions<CoinbaseOptions>
{
    public ValidateOptionsResult Validate(string? name, CoinbaseOptions options)
    {
        var errors = new List<string>();
        foreach (var url in new[] { options.ExchangeUrl, options.AdvancedTradeUrl })
        {
            if (!(url.IsAbsoluteUri && url.Scheme is "ws" or "wss"))
            {
                errors.Add($"Ingest:Live websocket URL '{url}' must be an absolute ws:// or wss:// URL");
            }
        }

        if (!(options.RestUrl.IsAbsoluteUri && options.RestUrl.Scheme is "http" or "https"))
        {
            errors.Add("Ingest:Live:RestUrl must be an absolute http(s) URL");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
