using BitcoinVolume.Ingest.Venues.Binance;
using BitcoinVolume.Ingest.Venues.Bitstamp;
using BitcoinVolume.Ingest.Venues.Bybit;
using BitcoinVolume.Ingest.Venues.Coinbase;
using BitcoinVolume.Ingest.Venues.Gemini;
using BitcoinVolume.Ingest.Venues.Kraken;
using BitcoinVolume.Ingest.Venues.Okx;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BitcoinVolume.Ingest.Venues;

public static class VenueServiceExtensions
{
    /// <summary>
    /// Registers the <see cref="VenueRegistry"/> and every venue ingest knows. Adding a venue = a folder under
    /// <c>Venues/</c> with its <see cref="IVenue"/> and an <c>AddXVenue()</c> call here (docs/INGEST.md, "Adding a venue").
    /// </summary>
    public static IServiceCollection AddIngestVenues(this IServiceCollection services)
    {
        services.TryAddSingleton<VenueRegistry>();
        services.AddCoinbaseVenue();
        services.AddBinanceVenue();
        services.AddBinanceUsVenue();
        services.AddOkxVenue();
        services.AddKrakenVenue();
        services.AddBitstampVenue();
        services.AddBybitVenue();
        services.AddGeminiVenue();
        return services;
    }
}
