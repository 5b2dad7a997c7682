using BitcoinVolume.Contracts;

namespace BitcoinVolume.Sink.Model;

/// <summary>
/// Sums bars of several venues (<see cref="VolumeRollup"/> per venue first). Pure; decimal only. Quote volumes are added
/// only where they share one quote currency.
/// </summary>
public static class VenueRollup
{
    /// <summary>
    /// One product on several venues (same quote currency): per (bar, side), counts and volumes add up, vwap = quote / base,
    /// high and low are the extremes, and open/close are those of the venue with the largest base volume in the bar (ties:
    /// the first venue id; venues share no trade order). A (bar, side) that only one venue has is that venue's bar as is.
    /// Net and imbalance are recomputed over the sums. A sum is complete only if every venue's bar is.
    /// </summary>
    public static VolumeBar[] Sum(IEnumerable<VolumeBar[]> perVenue)
    {
        ArgumentNullException.ThrowIfNull(perVenue);
        var merged = new List<VolumeBar>();
        foreach (var bar in perVenue.SelectMany(b => b).GroupBy(b => b.Start).OrderBy(g => g.Key))
        {
            var buy = Combine([.. bar.Where(b => b.Side == TakerSide.Buy)]);
            var sell = Combine([.. bar.Where(b => b.Side == TakerSide.Sell)]);
            var (net, imbalance) = NetOf(buy?.BaseVolume ?? 0, sell?.BaseVolume ?? 0);
            var sizeClasses = ClassesOf(bar);
            if (buy is not null)
            {
                merged.Add(buy with { Net = net, Imbalance = imbalance, SizeClasses = sizeClasses });
            }

            if (sell is not null)
            {
                merged.Add(sell with { Net = net, Imbalance = imbalance, SizeClasses = sizeClasses });
            }
        }

        return [.. merged];
    }

    /// <summary>
    /// One base asset over every (venue, product) given: per (bar, side), trades and base volume summed, and one
    /// <see cref="VenueShare"/> per (venue, product). The top-level quote volume and vwap are given only when every share
    /// has the same quote currency; quote volumes of different currencies are never added.
    /// </summary>
    public static AssetBar[] Asset(string asset, IEnumerable<VolumeBar[]> perStream)
    {
        ArgumentNullException.ThrowIfNull(asset);
        ArgumentNullException.ThrowIfNull(perStream);
        var result = new List<AssetBar>();
        foreach (var bar in perStream.SelectMany(b => b).GroupBy(b => b.Start).OrderBy(g => g.Key))
        {
            var buy = AssetSide(asset, [.. bar.Where(b => b.Side == TakerSide.Buy)]);
            var sell = AssetSide(asset, [.. bar.Where(b => b.Side == TakerSide.Sell)]);
            var (net, imbalance) = NetOf(buy?.BaseVolume ?? 0, sell?.BaseVolume ?? 0);
            var byQuote = bar.GroupBy(b => QuoteOf(b.Product), StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => (g.Key, Classes: ClassesOf(g)))
                .Where(q => q.Classes is not null)
                .Select(q => new QuoteSizeClasses(q.Key, q.Classes!))
                .ToArray();
            var single = bar.Select(b => QuoteOf(b.Product)).Distinct(StringComparer.Ordinal).Count() == 1 ? ClassesOf(bar) : null;
            if (buy is not null)
            {
                result.Add(buy with { Net = net, Imbalance = imbalance, SizeClasses = single, SizeClassesByQuote = byQuote });
            }

            if (sell is not null)
            {
                result.Add(sell with { Net = net, Imbalance = imbalance, SizeClasses = single, SizeClassesByQuote = byQuote });
            }
        }

        return [.. result];
    }

    /// <summary>
    /// The size classes of one bar's rows of several (venue, product) streams of one quote currency: one row per stream carries
    /// the stream's classes of both sides (they repeat on its buy and sell rows), and those are merged.
    /// </summary>
    private static SizeClassBar[]? ClassesOf(IEnumerable<VolumeBar> bar) =>
        SizeClassRollup.Merge(bar.GroupBy(b => (b.Venue, b.Product)).Select(g => g.First().SizeClasses));

    private static (decimal Net, decimal Imbalance) NetOf(decimal buy, decimal sell)
    {
        var net = buy - sell;
        var total = buy + sell;
        return (net, total == 0 ? 0 : net / total);
    }

    private static VolumeBar? Combine(VolumeBar[] bars)
    {
        if (bars.Length <= 1)
        {
            return bars.Length == 0 ? null : bars[0];
        }

        var ordered = bars.OrderBy(b => b.Venue, StringComparer.Ordinal).ToArray();
        var leading = ordered.MaxBy(b => b.BaseVolume)!;
        var baseVolume = ordered.Sum(b => b.BaseVolume);
        var quoteVolume = ordered.Sum(b => b.QuoteVolume);
        return leading with
        {
            Trades = ordered.Sum(b => b.Trades),
            BaseVolume = baseVolume,
            QuoteVolume = quoteVolume,
            Vwap = baseVolume == 0 ? 0 : quoteVolume / baseVolume,
            High = ordered.Max(b => b.High),
            Low = ordered.Min(b => b.Low),
            Venue = null,
            Venues = [.. ordered.SelectMany(b => b.Venues).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            IncompleteReason = VenueReasonOf(ordered),
        };
    }

    private static AssetBar? AssetSide(string asset, VolumeBar[] bars)
    {
        if (bars.Length == 0)
        {
            return null;
        }

        var shares = bars
            .OrderBy(b => b.Venue, StringComparer.Ordinal).ThenBy(b => b.Product, StringComparer.Ordinal)
            .Select(b => new VenueShare(
                b.Venue ?? string.Empty, VenueIds.MarketOf(b.Venue ?? string.Empty), b.Product, QuoteOf(b.Product), b.Trades, b.BaseVolume, b.QuoteVolume, b.Vwap))
            .ToArray();
        var quotes = shares.Select(s => s.Quote).Distinct(StringComparer.Ordinal).ToArray();
        var baseVolume = shares.Sum(s => s.BaseVolume);
        decimal? quoteVolume = quotes.Length == 1 ? shares.Sum(s => s.QuoteVolume) : null;
        return new AssetBar(
            bars[0].Start,
            bars[0].End,
            asset,
            bars[0].Side,
            shares.Sum(s => s.Trades),
            baseVolume,
            quotes.Length == 1 ? quotes[0] : null,
            quoteVolume,
            quoteVolume is { } q && baseVolume != 0 ? q / baseVolume : null,
            Net: 0,
            Imbalance: 0,
            [.. shares.Select(s => s.Venue).Distinct(StringComparer.Ordinal)],
            shares)
        {
            IncompleteReason = VenueReasonOf(bars),
        };
    }

    /// <summary>Complete only if every venue's bar is; each reason prefixed with its venue (and product when several).</summary>
    private static string? VenueReasonOf(IEnumerable<VolumeBar> bars)
    {
        var parts = bars.Where(b => !b.Complete).ToList();
        var products = bars.Select(b => b.Product).Distinct(StringComparer.Ordinal).Count();
        return parts.Count == 0
            ? null
            : Completeness.ReasonOf(parts.SelectMany(b => b.IncompleteReason!.Split("; ").Select(r => $"{b.Venue}{(products > 1 ? " " + b.Product : string.Empty)}: {r}")));
    }

    private static string QuoteOf(string product) => product.Contains('-', StringComparison.Ordinal) ? Products.QuoteOf(product) : string.Empty;
}
