using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Venues;

namespace BitcoinVolume.Ingest.Tests.Fakes;

/// <summary>A venue that only declares things (for the registry and the gap policy); it creates nothing.</summary>
public sealed class FakeVenue(string id, IReadOnlyList<LiveSourceName> sources, bool contiguous = true, HistoryCoverage history = HistoryCoverage.Full) : IVenue
{
    public FakeVenue(string id, params string[] sources)
        : this(id, [.. sources.Select(s => new LiveSourceName(s))])
    {
    }

    public string Id => id;

    public IReadOnlyList<LiveSourceName> LiveSources => sources;

    public bool ContiguousTradeIds => contiguous;

    public HistoryCoverage History => history;

    public string SymbolOf(string product) => product;

    public string? ProductFromSymbol(string symbol) => null;

    public IReadOnlyList<Instrument> ParseInstruments(Uri url, string body) => [];

    public bool ServesEndpoint(Uri address) => false;

    public IFrameParser CreateParser(FrameParserOptions options, TimeProvider timeProvider, SymbolMap symbols) => throw new NotSupportedException();

    public ILiveFeed CreateLiveFeed(string source) => throw new NotSupportedException();

    public ITradeHistory CreateHistory(FrameParserOptions parserOptions, TimeProvider timeProvider, SymbolMap symbols) => throw new NotSupportedException();
}
