using BitcoinVolume.TestSupport;
using Microsoft.AspNetCore.Hosting;

namespace BitcoinVolume.Ingest.Tests.Fakes;

/// <summary>The settings of a live test host against a <see cref="FakeCoinbase"/>: its URLs, and fast stalls, reconnects and backfill.</summary>
internal static class FastLiveSettings
{
    public static IWebHostBuilder UseFastLiveSettings(this IWebHostBuilder web, FakeCoinbase coinbase) => web
        .UseSetting("Ingest:Live:ExchangeUrl", coinbase.ExchangeUrl.ToString())
        .UseSetting("Ingest:Live:RestUrl", coinbase.BaseUrl.ToString())
        .UseSetting("Ingest:Live:StallTimeout", "00:00:01")
        .UseSetting("Ingest:Live:ReconnectDelay", "00:00:00.05")
        .UseSetting("Ingest:Live:MaxReconnectDelay", "00:00:00.2")
        .UseSetting("Ingest:Backfill:Delay", "00:00:00.2")
        .UseSetting("Ingest:Backfill:RetryDelay", "00:00:00.2")
        .UseSetting("Ingest:Backfill:PollInterval", "00:00:00.05")
        .UseSetting("Ingest:Backfill:RequestsPerSecond", "50");

    /// <summary>Sets <c>Ingest:Products</c> to <paramref name="products"/> (indexed keys, as configuration binds arrays).</summary>
    public static IWebHostBuilder UseProducts(this IWebHostBuilder web, IReadOnlyList<string> products)
    {
        ArgumentNullException.ThrowIfNull(web);
        ArgumentNullException.ThrowIfNull(products);
        for (var i = 0; i < products.Count; i++)
        {
            web.UseSetting($"Ingest:Products:{i}", products[i]);
        }

        return web;
    }
}
