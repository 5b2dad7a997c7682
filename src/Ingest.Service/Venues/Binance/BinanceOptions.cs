using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Ingest.Venues.Binance;

/// <summary>
/// Endpoints of a Binance-protocol venue, section <c>Ingest:Venues:binance</c> or <c>Ingest:Venues:binance-us</c> (named
/// options, name = venue id). Unset URLs are the venue's real ones (<see cref="BinanceMarket"/>). Products and
/// enabling are not here (the runtime's per-venue settings).
/// </summary>
public sealed class BinanceOptions : IValidatableObject
{
    /// <summary>The section of a venue's options.</summary>
    public static string SectionOf(string venue) => $"Ingest:Venues:{venue}";

    /// <summary>The combined-stream websocket URL (default e.g. <c>wss://stream.binance.com:9443/stream</c>).</summary>
    public Uri? Url { get; set; }

    /// <summary>REST base URL for backfill and the instrument list (default e.g. <c>https://api.binance.com</c>).</summary>
    public Uri? RestUrl { get; set; }

    /// <summary>The longest a connection stays open: Binance ends them at 24 h, so a little less.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxConnectionAge { get; set; } = TimeSpan.FromHours(23) + TimeSpan.FromMinutes(50);

    /// <summary>
    /// How often to send <c>{"method":"LIST_SUBSCRIPTIONS","id":"ping"}</c> (Binance answers it with the active streams):
    /// Binance's own pings are websocket control frames the client answers unseen, and a quiet symbol sends nothing else,
    /// so this keeps the stall watchdog (<c>Ingest:Live:StallTimeout</c>, 10 s) fed; keep it below that timeout (Binance
    /// takes at most 5 incoming messages per second per connection). 0 = never.
    /// </summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(5);

    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (Url is not null && !VenueJson.IsWebSocketUrl(Url))
        {
            yield return new($"Url '{Url}' must be an absolute ws:// or wss:// URL", [nameof(Url)]);
        }

        if (RestUrl is not null && !VenueJson.IsHttpUrl(RestUrl))
        {
            yield return new($"RestUrl '{RestUrl}' must be an absolute http(s) URL", [nameof(RestUrl)]);
        }

        if (PingInterval < TimeSpan.Zero)
        {
            yield return new($"PingInterval {PingInterval} must not be negative (0 = never)", [nameof(PingInterval)]);
        }
    }
}

/// <summary>Source-generated validation of <see cref="BinanceOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class BinanceOptionsValidator : IValidateOptions<BinanceOptions>;
