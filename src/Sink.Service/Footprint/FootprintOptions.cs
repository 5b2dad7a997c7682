using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Sink.Footprint;

/// <summary>Settings of section <c>Sink:Footprint</c>: the <c>footprint.1m</c> consumer and <c>GET /api/footprint</c>.</summary>
public sealed class FootprintOptions
{
    public const string Section = "Sink:Footprint";

    /// <summary>Consume <c>footprint.1m</c> into the <c>footprint</c> table (default true, with <c>Sink:ConsumerEnabled</c>).</summary>
    public bool ConsumerEnabled { get; set; } = true;

    /// <summary>The footprint consumer's own group, so its rebalances never pause the volumes consumer (Terraform grants it).</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Sink:Footprint:GroupId must name a consumer group (default sink-footprint).")]
    public string GroupId { get; set; } = "sink-footprint";

    /// <summary>
    /// A diagonal imbalance is flagged when one side's volume at a level is at least this many times the other side's one
    /// level away (buy at L vs sell at L − tick; sell at L vs buy at L + tick). Default 3.
    /// </summary>
    [Range(typeof(decimal), "1", "1000000", ErrorMessage = "Sink:Footprint:ImbalanceRatio must be between 1 and 1000000 (default 3).")]
    public decimal ImbalanceRatio { get; set; } = 3m;

    /// <summary>At most this many stored base windows are read for one request (default 20,000: two weeks of 1-minute windows).</summary>
    [Range(1, 10_000_000, ErrorMessage = "Sink:Footprint:MaxWindows must be between 1 and 10000000 (default 20000).")]
    public int MaxWindows { get; set; } = 20_000;
}

/// <summary>Source-generated validation of <see cref="FootprintOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class FootprintOptionsValidator : IValidateOptions<FootprintOptions>;
