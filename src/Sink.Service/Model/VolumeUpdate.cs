using BitcoinVolume.Contracts;

namespace BitcoinVolume.Sink.Model;

/// <summary>
/// One event of <c>GET /api/volumes/stream</c>: a base window as just committed to the database (the full value, like
/// a bar of one base window, <c>1m</c> by default, of <c>/api/volumes</c> without net/imbalance, plus its version and
/// whether it is final).
/// </summary>
public sealed record VolumeUpdate(
    DateTime Start,
    DateTime End,
    string Product,
    TakerSide Side,
    long Trades,
    decimal BaseVolume,
    decimal QuoteVolume,
    decimal Vwap,
    decimal Open,
    decimal High,
    decimal Low,
    decimal Close,
    long Version,
    bool Final)
{
    /// <summary>The update of <paramref name="w"/>, a window of <paramref name="window"/> (which gives its end).</summary>
    public static VolumeUpdate FromWindow(WindowVolume w, WindowSpec window)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(window);
        return new VolumeUpdate(
            w.WindowStart.UtcDateTime, window.EndOf(w.WindowStart).UtcDateTime, w.Product, w.Side, w.Trades, w.BaseVolume, w.QuoteVolume, w.Vwap,
            w.Open, w.High, w.Low, w.Close, w.Version, w.Final)
        {
            Venue = w.Venue,
            IncompleteReason = w.IncompleteReason,
            SizeClasses = SizeClassRollup.OfWindow(w),
        };
    }

    /// <summary>The window's venue.</summary>
    public string Venue { get; init; } = Venues.Coinbase;

    /// <summary>False when trades of the window may be missing (<see cref="IncompleteReason"/> says why).</summary>
    public bool Complete => IncompleteReason is null;

    /// <summary>Why trades may be missing; null when complete.</summary>
    public string? IncompleteReason { get; init; }

    /// <summary>The window's size classes (its side's fields set, the other side's zero); null when it has none.</summary>
    public IReadOnlyList<SizeClassBar>? SizeClasses { get; init; }
}

/// <summary>Answer of <c>GET /api/volumes/extent</c>: the starts of the first and the last stored window of a product.</summary>
public sealed record VolumeExtent(string Product, DateTime First, DateTime Last);

/// <summary>
/// Answer of <c>GET /api/config</c>: the base window the sink stores (<c>Sink:Window</c>) and the bar intervals the
/// dashboard offers with it (the base window first).
/// </summary>
/// <param name="Window">Canonical text of the base window, e.g. <c>1m</c> or <c>10s</c>.</param>
/// <param name="WindowSeconds">Its length in seconds.</param>
/// <param name="Intervals">Interval names, e.g. <c>1m, 5m, 15m, 1h, 4h, 1d</c>.</param>
public sealed record SinkConfig(string Window, long WindowSeconds, IReadOnlyList<string> Intervals);
