using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Ingest.Venues.Bybit;

/// <summary>
/// One Bybit market's endpoints, section <c>Ingest:Venues:&lt;id&gt;</c> (<c>bybit</c> or <c>bybit-linear</c>); the
/// section's <c>Products</c> and <c>Enabled</c> belong to the shared venue settings, not here.
/// </summary>
public abstract class BybitOptions : IValidatableObject
{
    protected BybitOptions(Uri url) => Url = url;

    /// <summary>The public websocket of the market (v5).</summary>
    public Uri Url { get; set; }

    /// <summary>REST base URL (<c>/v5/market/recent-trade</c>, <c>/v5/market/instruments-info</c>).</summary>
    public Uri RestUrl { get; set; } = new("https://api.bybit.com");

    /// <summary>
    /// Seconds between application pings (<c>{"op":"ping"}</c>). Bybit recommends one every 20 s to keep the connection; on a quiet
    /// product the pong is the only frame: the default (4 s) stays well below the default <c>Ingest:Live:StallTimeout</c>
    /// (10 s), so the watchdog does not take a quiet market for a stall (a reconnect there loses trades silently:
    /// Bybit's ids cannot reveal the loss). Keep it below the stall timeout.
    /// </summary>
    [Range(1, 300)]
    public int PingSeconds { get; set; } = 4;

    /// <summary>The configuration section of the options (for messages).</summary>
    protected abstract string Section { get; }

    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (!(Url.IsAbsoluteUri && Url.Scheme is "ws" or "wss"))
        {
            yield return new($"{Section}:Url '{Url}' must be an absolute ws:// or wss:// URL", [nameof(Url)]);
        }

        if (!(RestUrl.IsAbsoluteUri && RestUrl.Scheme is "http" or "https"))
        {
            yield return new($"{Section}:RestUrl '{RestUrl}' must be an absolute http(s) URL", [nameof(RestUrl)]);
        }
    }
}

/// <summary>Bybit spot (<c>Ingest:Venues:bybit</c>).</summary>
public sealed class BybitSpotOptions() : BybitOptions(new Uri("wss://stream.bybit.com/v5/public/spot"))
{
    public const string SectionName = "Ingest:Venues:" + Contracts.Venues.Bybit;

    protected override string Section => SectionName;
}

/// <summary>Bybit USDT linear perpetuals (<c>Ingest:Venues:bybit-linear</c>).</summary>
public sealed class BybitLinearOptions() : BybitOptions(new Uri("wss://stream.bybit.com/v5/public/linear"))
{
    public const string SectionName = "Ingest:Venues:" + Contracts.Venues.BybitLinear;

    protected override string Section => SectionName;
}

/// <summary>Source-generated validation of <see cref="BybitSpotOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class BybitSpotOptionsValidator : IValidateOptions<BybitSpotOptions>;

/// <summary>Source-generated validation of <see cref="BybitLinearOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class BybitLinearOptionsValidator : IValidateOptions<BybitLinearOptions>;
