namespace BitcoinVolume.Sink.Model;

/// <summary>
/// One bar of <c>GET /api/cvd</c>: the taker volume delta of the bar (buy − sell) and the cumulative volume delta, the
/// running sum of the deltas since the anchor (<see cref="CvdAnchor"/>), in base and, where the subject has a single quote
/// currency, in quote units (otherwise <see langword="null"/>: amounts in different currencies are never added).
/// </summary>
/// <param name="Start">Bar start (UTC).</param>
/// <param name="DeltaBase">Buy − sell base volume of the bar.</param>
/// <param name="CvdBase">Σ <see cref="DeltaBase"/> from the anchor start through this bar.</param>
/// <param name="DeltaQuote">Buy − sell quote volume of the bar, or <see langword="null"/> with several quote currencies.</param>
/// <param name="CvdQuote">Σ <see cref="DeltaQuote"/> from the anchor start, or <see langword="null"/>.</param>
public sealed record CvdBar(DateTime Start, decimal DeltaBase, decimal CvdBase, decimal? DeltaQuote, decimal? CvdQuote);

/// <summary>Where the running sum of <c>/api/cvd</c> starts again at zero.</summary>
public enum CvdAnchor
{
    /// <summary>At the first bar of the requested range.</summary>
    Range,

    /// <summary>At 00:00 UTC of each day.</summary>
    Day,

    /// <summary>At Monday 00:00 UTC of each ISO week.</summary>
    Week,
}

/// <summary>The delta of one bar: buy and sell volumes summed over the subject's venues and products.</summary>
/// <param name="Start">Bar start.</param>
/// <param name="DeltaBase">Buy − sell base volume.</param>
/// <param name="DeltaQuote">Buy − sell quote volume, or <see langword="null"/> with several quote currencies.</param>
/// <param name="TotalBase">Buy + sell base volume.</param>
public readonly record struct BarDelta(DateTimeOffset Start, decimal DeltaBase, decimal? DeltaQuote, decimal TotalBase)
{
    /// <summary>True when every stored window of the bar is final (set by the reader; the alerts evaluate only final bars).</summary>
    public bool Final { get; init; }
}
