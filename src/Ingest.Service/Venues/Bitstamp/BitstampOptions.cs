using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Ingest.Venues.Bitstamp;

/// <summary>Bitstamp's endpoints, section <c>Ingest:Venues:bitstamp</c>.</summary>
public sealed class BitstampOptions : IValidatableObject
{
    public const string Section = "Ingest:Venues:" + Contracts.Venues.Bitstamp;

    /// <summary>Websocket API v2.</summary>
    public Uri Url { get; set; } = new("wss://ws.bitstamp.net");

    /// <summary>REST base URL (<c>/api/v2/transactions/{pair}/</c>, <c>/api/v2/trading-pairs-info/</c>).</summary>
    public Uri RestUrl { get; set; } = new("https://www.bitstamp.net");

    /// <summary>
    /// How often to send <c>{"event":"bts:heartbeat"}</c> (Bitstamp answers it): Bitstamp sends nothing on a quiet pair,
    /// so this keeps the stall watchdog (<c>Ingest:Live:StallTimeout</c>, 10 s) fed; keep it below that timeout. 0 = never.
    /// </summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>The <c>time</c> span of a REST <c>transactions</c> request: <c>minute</c>, <c>hour</c> or <c>day</c>.</summary>
    [Required]
    public string HistoryWindow { get; set; } = "hour";

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

        if (HistoryWindow is not ("minute" or "hour" or "day"))
        {
            yield return new($"{Section}:HistoryWindow must be minute, hour or day", [nameof(HistoryWindow)]);
        }
    }
}

/// <summary>Source-generated validation of <see cref="BitstampOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class BitstampOptionsValidator : IValidateOptions<BitstampOptions>;
