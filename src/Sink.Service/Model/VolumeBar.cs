using BitcoinVolume.Contracts;

namespace BitcoinVolume.Sink.Model;

/// <summary>
/// One bar of the volume API: the taker <paramref name="Side"/>'s volume of <paramref name="Product"/> in
/// [<paramref name="Start"/>, <paramref name="End"/>). Times are <see cref="DateTimeKind.Utc"/> so they serialize with <c>Z</c>.
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
    decimal Close)
{
    /// <summary>The bar of one stored 1-minute window.</summary>
    public static VolumeBar FromWindow(WindowVolume window)
    {
        ArgumentNullException.ThrowIfNull(window);
        return new VolumeBar(
            window.WindowStart.UtcDateTime,
            window.WindowEnd.UtcDateTime,
            window.Product,
            window.Side,
            window.Trades,
            window.BaseVolume,
            window.QuoteVolume,
            window.Vwap,
            window.Open,
            window.High,
            window.Low,
            window.Close);
    }
}
