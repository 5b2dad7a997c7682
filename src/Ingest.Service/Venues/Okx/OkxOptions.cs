using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Ingest.Venues.Okx;

/// <summary>OKX spot's endpoints, section <c>Ingest:Venues:okx</c> (products and enabling are the runtime's settings).</summary>
public sealed class OkxOptions : IValidatableObject
{
    public const string Section = "Ingest:Venues:okx";

    /// <summary>The websocket of channel <c>trades-all</c> (the business endpoint).</summary>
    public Uri Url { get; set; } = new("wss://ws.okx.com:8443/ws/v5/business");

    /// <summary>REST base URL for backfill and the instrument list.</summary>
    public Uri RestUrl { get; set; } = new("https://www.okx.com");

    /// <summary>
    /// How often the text <c>ping</c> goes: OKX closes a connection silent for 30 s, and sends nothing on a quiet
    /// instrument, so the <c>pong</c> must also keep the stall watchdog (<c>Ingest:Live:StallTimeout</c>, 10 s) fed: keep
    /// it below that timeout.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:29")]
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(5);

    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (!VenueJson.IsWebSocketUrl(Url))
        {
            yield return new($"{Section}:Url '{Url}' must be an absolute ws:// or wss:// URL", [nameof(Url)]);
        }

        if (!VenueJson.IsHttpUrl(RestUrl))
        {
            yield return new($"{Section}:RestUrl '{RestUrl}' must be an absolute http(s) URL", [nameof(RestUrl)]);
        }
    }
}

/// <summary>Source-generated validation of <see cref="OkxOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class OkxOptionsValidator : IValidateOptions<OkxOptions>;
