using BitcoinVolume.Contracts;

namespace BitcoinVolume.Ingest.Venues;

/// <summary>One instrument of a venue: its own symbol, the canonical product it is, and its contract size.</summary>
/// <param name="Symbol">The venue's symbol exactly as its frames carry it (<c>BTCUSDT</c>, <c>XBT/USD</c>, <c>btcusd</c>).</param>
/// <param name="Product">Canonical <c>BASE-QUOTE</c> (<see cref="Products"/>).</param>
/// <param name="ContractSize">
/// Base units per unit of the venue's size field: 1 for spot and for markets that quote sizes in the base coin; the
/// contract value for markets that count contracts (OKX swaps' <c>ctVal</c>). The parser multiplies, exactly.
/// </param>
public sealed record Instrument(string Symbol, string Product, decimal ContractSize = 1m);

/// <summary>
/// A venue's symbol ↔ canonical product map, as its parser uses it. It is filled from what is known for certain — the
/// configured products (through <see cref="IVenue.SymbolOf"/>) and the venue's instrument lists (a live fetch, or the
/// <c>http</c> records of a cryptofeed recording, through <see cref="IVenue.ParseInstruments"/>) — and otherwise only by
/// a rule that cannot split wrongly (<see cref="IVenue.ProductFromSymbol"/>: e.g. Kraken's <c>XBT/USD</c>). A symbol
/// none of these knows is never guessed: the parser reports the frame invalid (<c>unknown_symbol</c>).
/// </summary>
public sealed class SymbolMap(IVenue venue)
{
    private readonly Dictionary<string, Instrument> bySymbol = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Instrument> byProduct = new(StringComparer.Ordinal);

    /// <summary>The venue this map belongs to.</summary>
    public IVenue Venue { get; } = venue ?? throw new ArgumentNullException(nameof(venue));

    /// <summary>Instruments known so far.</summary>
    public int Count => bySymbol.Count;

    /// <summary>A map holding the instruments of these canonical products (the venue's <see cref="IVenue.SymbolOf"/>).</summary>
    public static SymbolMap ForProducts(IVenue venue, IEnumerable<string> products)
    {
        ArgumentNullException.ThrowIfNull(products);
        var map = new SymbolMap(venue);
        foreach (var product in products)
        {
            map.Add(new Instrument(venue.SymbolOf(product), product));
        }

        return map;
    }

    /// <summary>Adds (or replaces) an instrument; an instrument list's entry replaces one derived from a product.</summary>
    public void Add(Instrument instrument)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        if (!Products.IsCanonical(instrument.Product))
        {
            throw new ArgumentException($"Instrument {instrument.Symbol} of {Venue.Id}: '{instrument.Product}' is not a canonical BASE-QUOTE product id.", nameof(instrument));
        }

        bySymbol[instrument.Symbol] = instrument;
        byProduct[instrument.Product] = instrument;
    }

    /// <summary>Adds every instrument of a list.</summary>
    public void AddRange(IEnumerable<Instrument> instruments)
    {
        ArgumentNullException.ThrowIfNull(instruments);
        foreach (var instrument in instruments)
        {
            Add(instrument);
        }
    }

    /// <summary>
    /// The instrument of a symbol as the venue's frames carry it: from the map, else from the venue's unambiguous rule
    /// (<see cref="IVenue.ProductFromSymbol"/>); false when neither knows it.
    /// </summary>
    public bool TryGet(string symbol, out Instrument instrument)
    {
        ArgumentNullException.ThrowIfNull(symbol);
        if (bySymbol.TryGetValue(symbol, out instrument!))
        {
            return true;
        }

        if (Venue.ProductFromSymbol(symbol) is { } product && Products.IsCanonical(product))
        {
            instrument = new Instrument(symbol, product);
            bySymbol[symbol] = instrument;
            return true;
        }

        instrument = null!;
        return false;
    }

    /// <summary>The instrument of a canonical product, if known.</summary>
    public bool TryGetByProduct(string product, out Instrument instrument) => byProduct.TryGetValue(product, out instrument!);
}
