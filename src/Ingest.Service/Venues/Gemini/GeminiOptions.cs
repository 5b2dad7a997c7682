using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Ingest.Venues.Gemini;

/// <summary>Gemini's endpoint, section <c>Ingest:Venues:gemini</c> (products and enabling are the runtime's settings).</summary>
public sealed class GeminiOptions : IValidatableObject
{
    public const string Section = "Ingest:Venues:" + Contracts.Venues.Gemini;

    /// <summary>The market data websocket, version 2 (channel <c>l2</c>: book changes and trades of the subscribed symbols).</summary>
    public Uri Url { get; set; } = new("wss://api.gemini.com/v2/marketdata");

    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (!VenueJson.IsWebSocketUrl(Url))
        {
            yield return new($"{Section}:Url '{Url}' must be an absolute ws:// or wss:// URL", [nameof(Url)]);
        }
    }
}

/// <summary>Source-generated validation of <see cref="GeminiOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class GeminiOptionsValidator : IValidateOptions<GeminiOptions>;
