using BitcoinVolume.Contracts;

namespace BitcoinVolume.Sink.Model;

/// <summary>
/// One bar of the volume API: the taker <paramref name="Side"/>'s volume of <paramref name="Product"/> in
/// [<paramref name="Start"/>, <paramref name="End"/>). Times are <see cref="DateTimeKind.Utc"/> so they serialize with <c>Z</c>.
/// <paramref name="Net"/> and <paramref name="Imbalance"/> describe the whole bar (both sides) and are the same on its buy
/// and sell rows: net = buy − sell base volume; imbalance = (buy − sell) / (buy + sell) base volume, in [-1, 1] (0 when
/// both are zero).
/// </summary>
public sealed record VolumeBar(
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
    decimal Net,
    decimal Imbalance)
{
    /// <summary>
    /// The CSV header, in the order of the JSON properties (<c>venues</c> joined by spaces; <c>sizeClasses</c> as
    /// <see cref="SizeClassCsv"/>: classes joined by <c>;</c>, each <c>min|max|buyTrades|buyBase|sellTrades|sellBase</c>, max
    /// empty for the open top class; the column empty when the bar has none).
    /// </summary>
    public const string CsvHeader = "start,end,product,side,trades,baseVolume,quoteVolume,vwap,open,high,low,close,net,imbalance,venue,venues,complete,incompleteReason,sizeClasses";

    /// <summary>The venue of the bar when it covers one venue; <see langword="null"/> on a row summed over several.</summary>
    public string? Venue { get; init; }

    /// <summary>The venues whose windows the bar sums (ordinal order): those of the selection that had trades in it.</summary>
    public IReadOnlyList<string> Venues { get; init; } = [];

    /// <summary>False when trades of the bar may be missing (a gap of one of its base windows); the reason is then in <see cref="IncompleteReason"/>.</summary>
    public bool Complete => IncompleteReason is null;

    /// <summary>Why the bar may lack trades: the reasons of its incomplete parts (base windows, venues); null when complete.</summary>
    public string? IncompleteReason { get; init; }

    /// <summary>
    /// The bar's buy and sell trades split by notional (<see cref="SizeClassBar"/>, the same on its buy and sell rows),
    /// rolled up exactly by <see cref="SizeClassRollup"/>; null when some window of the bar has no classes.
    /// </summary>
    public IReadOnlyList<SizeClassBar>? SizeClasses { get; init; }
}
