namespace BitcoinVolume.Aggregate.Windowing;

/// <summary>Event-time rules of the 1-minute windows (section <c>Aggregate:Windowing</c>).</summary>
public sealed class WindowingOptions
{
    /// <summary>How far behind the newest event time the watermark trails; a window is final once the watermark passes its end.</summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long (event time, behind the watermark) a window can still be corrected by a late trade; older trades go to trades.late.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);
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
