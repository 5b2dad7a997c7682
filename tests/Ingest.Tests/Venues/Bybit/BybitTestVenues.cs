using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Venues;
using BitcoinVolume.Ingest.Venues.Bybit;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Ingest.Tests.Venues.Bybit;

/// <summary>The two Bybit venues with default options, and their parsers over the configured products.</summary>
internal static class BybitTestVenues
{
    public static readonly DateTimeOffset Now = new(2023, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static BybitSpotVenue Spot(HttpClient? http = null) => new(Options.Create(new BybitSpotOptions()), new Clients(http));

    public static BybitLinearVenue Linear(HttpClient? http = null) => new(Options.Create(new BybitLinearOptions()), new Clients(http));

    public static BybitFrameParser Parser(IVenue venue, params string[] products) =>
        (BybitFrameParser)venue.CreateParser(new FrameParserOptions(), new FixedClock(Now), SymbolMap.ForProducts(venue, products.Length == 0 ? ["BTC-USDT"] : products));

    public sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class Clients(HttpClient? http) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => http ?? throw new InvalidOperationException("no REST in this test");
    }
}
