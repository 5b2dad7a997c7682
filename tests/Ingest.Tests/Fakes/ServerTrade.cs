using System.Globalization;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Ingest.Tests.Fakes;

/// <summary>A trade as the fake Coinbase knows it: <see cref="MakerSide"/> is Coinbase's (maker) side.</summary>
public sealed record ServerTrade(string Product, long Id, DateTimeOffset Time, decimal Price, decimal Size, string MakerSide)
{
    /// <summary>Deterministic trades <c>[firstId, firstId + count)</c> of a product.</summary>
    public static List<ServerTrade> Generate(string product, long firstId, int count, int seed)
    {
        var random = new Random(seed);
        var start = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
        return Enumerable.Range(0, count).Select(i => new ServerTrade(
            product,
            firstId + i,
            start.AddMilliseconds(i * 137).AddTicks(random.Next(10_000) * 10),
            60_000m + (random.Next(-50_000, 50_000) / 100m),
            random.Next(1, 5_000_000) / 100_000_000m,
            random.Next(2) == 0 ? "buy" : "sell")).ToList();
    }

    /// <summary>What ingest must produce for it: the TAKER's side, the opposite of Coinbase's.</summary>
    public Trade Expected => new(Product, Id, Time, Price, Size, MakerSide == "sell" ? TakerSide.Buy : TakerSide.Sell);

    private string TimeText => Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private string PriceText => Price.ToString(CultureInfo.InvariantCulture);

    private string SizeText => Size.ToString(CultureInfo.InvariantCulture);

    /// <summary>Exchange feed <c>match</c> or <c>last_match</c>.</summary>
    public string ToExchange(string type, long sequence) => string.Create(CultureInfo.InvariantCulture,
        $$"""{"type":"{{type}}","trade_id":{{Id}},"maker_order_id":"m{{Id}}","taker_order_id":"t{{Id}}","side":"{{MakerSide}}","size":"{{SizeText}}","price":"{{PriceText}}","product_id":"{{Product}}","sequence":{{sequence}},"time":"{{TimeText}}"}""");

    /// <summary>An element of an Advanced Trade <c>market_trades</c> event.</summary>
    public string ToAdvanced() => string.Create(CultureInfo.InvariantCulture,
        $$"""{"trade_id":"{{Id}}","product_id":"{{Product}}","price":"{{PriceText}}","size":"{{SizeText}}","side":"{{MakerSide.ToUpperInvariant()}}","time":"{{TimeText}}"}""");

    /// <summary>An element of a REST <c>GET /products/{id}/trades</c> page.</summary>
    public string ToRest() => string.Create(CultureInfo.InvariantCulture,
        $$"""{"time":"{{TimeText}}","trade_id":{{Id}},"price":"{{PriceText}}","size":"{{SizeText}}","side":"{{MakerSide}}"}""");

    /// <summary>A REST page as Coinbase answers <c>?after=&amp;limit=</c>: ids below <paramref name="after"/>, newest first.</summary>
    public static (string Body, long? Before, long? After) Page(IEnumerable<ServerTrade> trades, long? after, long? before, int limit)
    {
        var selected = trades
            .Where(t => (after is null || t.Id < after) && (before is null || t.Id > before))
            .OrderByDescending(t => t.Id);
        var page = (before is null ? selected.Take(limit) : selected.TakeLast(limit)).ToList();
        return ("[" + string.Join(",", page.Select(t => t.ToRest())) + "]", page.Count > 0 ? page[0].Id : null, page.Count > 0 ? page[^1].Id : null);
    }
}
