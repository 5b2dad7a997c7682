using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Ingest.Venues.Kraken;

/// <summary>Kraken's endpoints, section <c>Ingest:Venues:kraken</c>.</summary>
public sealed class KrakenOptions : IValidatableObject
{
    public const string Section = "Ingest:Venues:" + Contracts.Venues.Kraken;

    /// <summary>Websocket API v2.</summary>
    public Uri Url { get; set; } = new("wss://ws.kraken.com/v2");

    /// <summary>REST base URL (trade history <c>/0/public/Trades</c>, instruments <c>/0/public/AssetPairs</c>).</summary>
    public Uri RestUrl { get; set; } = new("https://api.kraken.com");

    /// <summary>
    /// How often to send <c>{"method":"ping"}</c> (Kraken answers <c>pong</c>); 0 = never. Kraken also sends a
    /// <c>heartbeat</c> about every second on a subscribed connection, which keeps the watchdog fed on its own.
    /// </summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>REST requests one backfill page may take to find the gap's trades by time (Kraken's cursor is a time).</summary>
    [Range(1, 64)]
    public int MaxRequestsPerPage { get; set; } = 12;

    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (!(Url.IsAbsoluteUri && Url.Scheme is "ws" or "wss"))
        {
            yield return new($"{Section}:Url '{Url}' must be an absolute ws:// or wss:// URL", [nameof(Url)]);
        }

        if (!(RestUrl.IsAbsoluteUri && RestUrl.Scheme is "http" or "https"))
        {
            yield return new($"{Section}:RestUrl must be an absolute http(s) URL", [nameof(RestUrl)]);
        }

        if (PingInterval < TimeSpan.Zero)
        {
            yield return new($"{Section}:PingInterval must not be negative", [nameof(PingInterval)]);
        }
    }
}

/// <summary>Source-generated validation of <see cref="KrakenOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class KrakenOptionsValidator : IValidateOptions<KrakenOptions>;
