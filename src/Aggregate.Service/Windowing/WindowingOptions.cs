using System.ComponentModel.DataAnnotations;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Aggregate.Windowing;

/// <summary>Event-time rules of the windows (section <c>Aggregate:Windowing</c>) and the base window itself.</summary>
public sealed class WindowingOptions : IValidatableObject
{
    /// <summary>
    /// The base window: length and alignment of every window (default 1 minute). Configured as <c>Aggregate:Window</c>
    /// (<see cref="AggregateOptions.Window"/> writes it here; <c>Aggregate:Windowing:Window</c> is not a setting).
    /// </summary>
    public WindowSpec Window { get; internal set; } = WindowSpec.Default;

    /// <summary>How far behind the newest event time the watermark trails; a window is final once the watermark passes its end.</summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long (event time, behind the watermark) a window can still be corrected by a late trade; older trades go to trades.late.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long (event time, behind the watermark) the ids of a stream whose venue has no contiguous trade ids (Bitstamp,
    /// Bybit, text ids) are remembered for dedup. Such a trade older than this (or than <see cref="Retention"/>, if
    /// shorter) cannot be proven new and goes to trades.late instead of being counted. Memory grows with the trades of
    /// this horizon (≈ 100 bytes per trade).
    /// </summary>
    public TimeSpan DedupHorizon { get; set; } = TimeSpan.FromHours(6);

    /// <summary>
    /// The size class boundaries per quote currency, as configured (<c>Aggregate:SizeClasses:&lt;QUOTE&gt;</c>, e.g.
    /// <c>Aggregate:SizeClasses:USD = [1000, 10000, 100000, 1000000]</c>); laid over the defaults of
    /// <see cref="SizeClassTable"/> (a configured currency replaces its default; <c>[0]</c>: no classes). Configured as
    /// <c>Aggregate:SizeClasses</c> (<see cref="AggregateOptions.SizeClasses"/> is this dictionary).
    /// </summary>
    public Dictionary<string, decimal[]?> SizeClasses { get; internal set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Every window of every stream without size classes (the benchmark's "off"); not a setting.</summary>
    public bool SizeClassesOff { get; init; }

    /// <summary>The effective table: <see cref="SizeClassTable.None"/> when off, else the defaults with <see cref="SizeClasses"/> over them.</summary>
    internal SizeClassTable SizeClassTable => SizeClassesOff ? SizeClassTable.None : SizeClassTable.Create(SizeClasses);

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (quote, values) in SizeClasses)
        {
            if (SizeClassTable.ProblemOf(quote, values) is { } problem)
            {
                yield return new(problem, [nameof(SizeClasses)]);
            }
        }

        if (Grace < TimeSpan.Zero)
        {
            yield return new($"Aggregate:Windowing:Grace must be >= 0, not {Grace}.", [nameof(Grace)]);
        }

        if (DedupHorizon <= TimeSpan.Zero)
        {
            yield return new($"Aggregate:Windowing:DedupHorizon must be > 0, not {DedupHorizon}.", [nameof(DedupHorizon)]);
        }

        if (Retention <= TimeSpan.Zero)
        {
            yield return new($"Aggregate:Windowing:Retention must be > 0, not {Retention}.", [nameof(Retention)]);
        }
    }
}

/// <summary>What happened to one trade.</summary>
public enum ApplyOutcome
{
    /// <summary>Added to a window that was still open.</summary>
    Counted,

    /// <summary>Added to a window that was already final: a corrected value is emitted.</summary>
    Correction,

    /// <summary>Its trade id was already counted: ignored.</summary>
    Duplicate,

    /// <summary>Older than the retention horizon: not counted, goes to trades.late.</summary>
    TooLate,
}
