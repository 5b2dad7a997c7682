using System.Text.Json;

namespace BitcoinVolume.Ingest.Tests.Venues;

/// <summary>A cryptofeed format-2 recording (tests/data/cryptofeed) read plainly, for the venue parser tests.</summary>
internal static class CryptofeedRecording
{
    /// <summary>The file of a venue (<c>KRAKEN</c>, <c>BITSTAMP</c>…) in the test output.</summary>
    public static string File(string exchange) => Path.Combine(AppContext.BaseDirectory, "data", "cryptofeed", exchange + ".jsonl");

    /// <summary>Every record, in file order (the recorder writes each connection's records together).</summary>
    public static List<Record> Read(string exchange) => [.. System.IO.File.ReadLines(File(exchange)).Select((line, i) =>
    {
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        return new Record(
            i,
            root.GetProperty("t").GetString()!,
            root.TryGetProperty("conn", out var conn) ? conn.GetString() : null,
            root.TryGetProperty("ts", out var ts) ? ts.GetDouble() : 0,
            root.TryGetProperty("url", out var url) ? url.GetString() : root.TryGetProperty("addr", out var addr) ? addr.GetString() : null,
            root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.String ? data.GetString() : null);
    })];

    /// <summary>The received frames, ordered by receive time over all connections (how the book and the trades interleave).</summary>
    public static List<Record> ReceivedInTimeOrder(string exchange) => [.. Read(exchange).Where(r => r.Type == "recv").OrderBy(r => r.Ts).ThenBy(r => r.Line)];

    /// <summary>One line: <c>t</c>, <c>conn</c>, <c>ts</c>, <c>url</c>/<c>addr</c>, <c>data</c>.</summary>
    public sealed record Record(int Line, string Type, string? Conn, double Ts, string? Url, string? Data);
}

/// <summary>A price-level book kept from a venue's book messages, for the side-rule checks.</summary>
internal sealed class TestBook
{
    private readonly SortedDictionary<decimal, decimal> bids = [];
    private readonly SortedDictionary<decimal, decimal> asks = [];

    public decimal? BestBid => bids.Count == 0 ? null : bids.Keys.Max();

    public decimal? BestAsk => asks.Count == 0 ? null : asks.Keys.Min();

    /// <summary>Sets a level (size 0 removes it).</summary>
    public void Set(bool bid, decimal price, decimal size)
    {
        var side = bid ? bids : asks;
        if (size == 0)
        {
            side.Remove(price);
        }
        else
        {
            side[price] = size;
        }
    }

    /// <summary>What the touch says of a trade at <paramref name="price"/>: buy (at/through the ask), sell (at/through the bid) or null (inside the spread).</summary>
    public Contracts.TakerSide? SideAtTouch(decimal price) =>
        price >= BestAsk ? Contracts.TakerSide.Buy : price <= BestBid ? Contracts.TakerSide.Sell : null;
}

/// <summary>Random byte mutations of real frames (flip, cut, duplicate), for the never-throws tests.</summary>
internal static class Fuzz
{
    public static void Mutations(IReadOnlyList<string> seeds, int count, Func<byte[], Parsing.FrameResult> parse)
    {
        var random = new Random(20260412);
        for (var i = 0; i < count; i++)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(seeds[random.Next(seeds.Count)]).ToList();
            for (var m = random.Next(1, 4); m > 0 && bytes.Count > 0; m--)
            {
                var at = random.Next(bytes.Count);
                switch (random.Next(3))
                {
                    case 0:
                        bytes[at] = (byte)random.Next(256);
                        break;
                    case 1:
                        bytes.RemoveRange(at, bytes.Count - at);
                        break;
                    default:
                        bytes.InsertRange(at, bytes.GetRange(at, Math.Min(8, bytes.Count - at)));
                        break;
                }
            }

            var result = parse([.. bytes]);
            Assert.True(result.Kind is Parsing.FrameKind.Invalid or Parsing.FrameKind.Trades or Parsing.FrameKind.Ignored or Parsing.FrameKind.Heartbeat);
        }
    }
}
