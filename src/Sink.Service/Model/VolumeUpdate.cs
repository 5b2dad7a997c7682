using BitcoinVolume.Contracts;

namespace BitcoinVolume.Sink.Model;

/// <summary>
/// One event of <c>GET /api/volumes/stream</c>: a 1-minute window as just committed to the database (the full value, like
/// a <c>1m</c> bar of <c>/api/volumes</c> without net/imbalance, plus its version and whether it is final).
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
    public static VolumeUpdate FromWindow(WindowVolume w)
    {
        ArgumentNullException.ThrowIfNull(w);
        return new VolumeUpdate(
            w.WindowStart.UtcDateTime, w.WindowEnd.UtcDateTime, w.Product, w.Side, w.Trades, w.BaseVolume, w.QuoteVolume, w.Vwap,
            w.Open, w.High, w.Low, w.Close, w.Version, w.Final);
    }
}

/// <summary>Answer of <c>GET /api/volumes/extent</c>: the first and the last stored minute of a product.</summary>
public sealed record VolumeExtent(string Product, DateTime First, DateTime Last);
