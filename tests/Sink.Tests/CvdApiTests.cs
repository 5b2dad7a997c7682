using System.Globalization;
using System.Net;
using System.Text.Json;
using BitcoinVolume.Contracts;
using CsCheck;

namespace BitcoinVolume.Sink.Tests;

/// <summary>
/// <c>/api/cvd</c> against an oracle computed here from the windows that were written: window versions arrive duplicated,
/// out of order and with late corrections (the store keeps the highest version), for one product on two venues and for an
/// asset over two quote currencies, and every anchor (range, day, ISO week) over ranges that start inside a day/week.
/// </summary>
public sealed class CvdApiTests : IAsyncLifetime
{
    private const string Product = "CVD-USD";
    private static readonly DateTimeOffset Base = new(2026, 8, 8, 18, 0, 0, TimeSpan.Zero); // Saturday: ranges cross midnight and Monday
    private static readonly string[] PropertyVenues = [Venues.Coinbase, "kraken"];

    private readonly SinkApiFactory factory = new();
    private int week;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await factory.DisposeAsync();

    [Fact]
    public async Task Cvd_of_every_anchor_equals_the_oracle_under_duplicates_disorder_and_late_corrections()
    {
        using var client = factory.CreateClient();
        await Gen.Int.SampleAsync(
            async seed =>
            {
                // Each sample in its own two weeks (its data crosses a Monday), so the week anchor of one never reads another's windows.
                var origin = Base.AddDays(14 * Interlocked.Increment(ref week));
                var random = new Random(seed);
                var latest = await WriteShuffledVersionsAsync(random, origin, Product, PropertyVenues, minutes: 60 * 40);
                foreach (var (interval, minutes) in new[] { ("1m", 1), ("5m", 5), ("1h", 60), ("7m", 7) })
                {
                    foreach (var anchor in new[] { "range", "day", "week" })
                    {
                        if (minutes == 7 && anchor != "range")
                        {
                            continue; // 7m bars straddle midnight: refused (tested below)
                        }

                        var from = origin.AddMinutes(random.Next(0, 60 * 20) + (random.Next(2) * 0.5));
                        var to = from.AddMinutes(random.Next(1, 60 * 20));
                        var query = $"product={Product}&interval={interval}&anchor={anchor}&from={Iso(from)}&to={Iso(to)}";
                        var actual = await GetCvdAsync(client, query);
                        var expected = Oracle(latest, TimeSpan.FromMinutes(minutes), anchor, from, to, withQuote: true);
                        Assert.Equal(expected, actual);

                        // The same deltas as /api/volumes' net, to the last digit.
                        using var volumes = JsonDocument.Parse(await client.GetStringAsync(
                            $"/api/volumes?product={Product}&interval={interval}&from={Iso(from)}&to={Iso(to)}"));
                        var nets = volumes.RootElement.EnumerateArray()
                            .Select(r => (r.GetProperty("start").GetString(), r.GetProperty("net").GetRawText())).Distinct().ToList();
                        Assert.Equal(nets, actual.Select(b => (b.Start, b.DeltaBase)).ToList());
                    }
                }
            },
            iter: 6,
            threads: 1);
    }

    [Fact]
    public async Task Asset_cvd_sums_base_over_quote_currencies_and_leaves_quote_null_when_they_differ()
    {
        using var client = factory.CreateClient();
        var random = new Random(17);
        var origin = Base.AddDays(700);
        var usd = await WriteShuffledVersionsAsync(random, origin, "CVA-USD", [Venues.Coinbase], minutes: 180);
        var usdt = await WriteShuffledVersionsAsync(random, origin, "CVA-USDT", ["binance"], minutes: 180);
        var from = origin.AddMinutes(30);
        var to = origin.AddMinutes(170);

        var both = await GetCvdAsync(client, $"asset=CVA&interval=5m&anchor=day&from={Iso(from)}&to={Iso(to)}");
        Assert.Equal(Oracle([.. usd, .. usdt], TimeSpan.FromMinutes(5), "day", from, to, withQuote: false), both);
        Assert.All(both, b => Assert.Null(b.DeltaQuote));

        var one = await GetCvdAsync(client, $"asset=CVA&venue=coinbase&interval=5m&anchor=day&from={Iso(from)}&to={Iso(to)}");
        Assert.Equal(Oracle(usd, TimeSpan.FromMinutes(5), "day", from, to, withQuote: true), one);
        Assert.All(one, b => Assert.NotNull(b.DeltaQuote));
    }

    [Theory]
    [InlineData("product=CVB-USD&from=2026-08-09T00:00Z&to=2026-08-10T00:00Z&anchor=month", "anchor")]
    [InlineData("product=CVB-USD&from=2026-08-09T00:00Z&to=2026-08-10T00:00Z&anchor=day&interval=7m", "interval")]
    [InlineData("product=CVB-USD&from=2026-08-09T00:00Z&to=2026-08-10T00:00Z&interval=1M", "interval")]
    [InlineData("product=CVB-USD&from=2026-08-10T00:00Z&to=2026-08-09T00:00Z", "to")]
    [InlineData("product=CVB-USD&from=yesterday&to=2026-08-09T00:00Z", "from")]
    [InlineData("product=NOPE-USD&from=2026-08-09T00:00Z&to=2026-08-10T00:00Z", "product")]
    [InlineData("from=2026-08-09T00:00Z&to=2026-08-10T00:00Z", "product")]
    [InlineData("product=CVB-USD&asset=CVB&from=2026-08-09T00:00Z&to=2026-08-10T00:00Z", "asset")]
    [InlineData("product=CVB-USD&venue=Bad!&from=2026-08-09T00:00Z&to=2026-08-10T00:00Z", "venue")]
    [InlineData("product=CVB-USD&from=2026-08-09T00:00Z&to=2027-09-09T00:00Z", "to")]
    public async Task Bad_input_is_a_400_problem_naming_the_parameter(string query, string parameter)
    {
        await factory.Store.UpsertAsync([TestData.Window(product: "CVB-USD")]);
        using var client = factory.CreateClient();
        using var response = await client.GetAsync($"/api/cvd?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(parameter, out _), problem.RootElement.GetRawText());
    }

    [Fact]
    public async Task The_openapi_document_describes_the_cvd_routes()
    {
        using var client = factory.CreateClient();
        var document = await client.GetStringAsync("/openapi/v1.json");
        Assert.Contains("\"/api/cvd\"", document, StringComparison.Ordinal);
        Assert.Contains("\"/api/cvd/stream\"", document, StringComparison.Ordinal);
        Assert.Contains("cvdBase", document, StringComparison.Ordinal);
    }

    internal static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Rows of <c>/api/cvd</c> as (start, deltaBase, cvdBase, deltaQuote, cvdQuote) texts: exact decimals compared as written.</summary>
    internal static async Task<List<CvdRow>> GetCvdAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync($"/api/cvd?{query}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{query}: {(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        return [.. json.RootElement.EnumerateArray().Select(CvdRow.Of)];
    }

    /// <summary>
    /// The oracle: latest version per window, then per bar Σ buy − Σ sell, running sums restarted at each anchor start
    /// (range: the first bar at or after from; day: 00:00 UTC; week: Monday 00:00 UTC), bars with rows in [from, to).
    /// </summary>
    internal static List<CvdRow> Oracle(IEnumerable<WindowVolume> latest, TimeSpan length, string anchor, DateTimeOffset from, DateTimeOffset to, bool withQuote)
    {
        static DateTimeOffset Floor(DateTimeOffset t, TimeSpan l) => DateTimeOffset.UnixEpoch.AddTicks((t - DateTimeOffset.UnixEpoch).Ticks / l.Ticks * l.Ticks);
        var first = Floor(from, length) == from ? from : Floor(from, length) + length;
        var end = Floor(to, length) == to ? to : Floor(to, length) + length;
        DateTimeOffset AnchorOf(DateTimeOffset bar) => anchor switch
        {
            "range" => first,
            "day" => Floor(bar, TimeSpan.FromDays(1)),
            _ => Floor(bar, TimeSpan.FromDays(1)).AddDays(-(((int)bar.UtcDateTime.DayOfWeek + 6) % 7)),
        };

        var result = new List<CvdRow>();
        decimal cvd = 0, cvdQuote = 0;
        DateTimeOffset? period = null;
        foreach (var bar in latest.GroupBy(w => Floor(w.WindowStart, length)).Where(g => g.Key < end && (anchor != "range" || g.Key >= first)).OrderBy(g => g.Key))
        {
            var a = AnchorOf(bar.Key);
            if (a != period)
            {
                (period, cvd, cvdQuote) = (a, 0, 0);
            }

            var delta = bar.Sum(w => w.Side == TakerSide.Buy ? w.BaseVolume : -w.BaseVolume);
            var deltaQuote = bar.Sum(w => w.Side == TakerSide.Buy ? w.QuoteVolume : -w.QuoteVolume);
            cvd += delta;
            cvdQuote += deltaQuote;
            if (bar.Key >= first)
            {
                result.Add(new CvdRow(Iso(bar.Key), Text(delta), Text(cvd), withQuote ? Text(deltaQuote) : null, withQuote ? Text(cvdQuote) : null));
            }
        }

        return result;
    }

    /// <summary>
    /// Writes 1 to 3 versions of random windows of <paramref name="product"/> on <paramref name="venues"/> over
    /// <paramref name="minutes"/> minutes from <paramref name="origin"/>, each version sent 1 to 3 times, all shuffled, in
    /// batches of random size; returns the highest version of each window (what the store must keep).
    /// </summary>
    internal async Task<List<WindowVolume>> WriteShuffledVersionsAsync(Random random, DateTimeOffset origin, string product, string[] venues, int minutes)
    {
        var all = new List<WindowVolume>();
        var latest = new List<WindowVolume>();
        for (var minute = 0; minute < minutes; minute++)
        {
            foreach (var venue in venues)
            {
                foreach (var side in new[] { TakerSide.Buy, TakerSide.Sell })
                {
                    if (random.Next(4) == 0)
                    {
                        continue;
                    }

                    WindowVolume? w = null;
                    var versions = random.Next(1, 4);
                    for (var version = 1; version <= versions; version++)
                    {
                        var baseVolume = random.Next(1, 500_000_000) / 100_000_000m;
                        var price = 60_000m + (random.Next(0, 1_000_000) / 100m);
                        w = TestData.Window(product, side, origin.AddMinutes(minute), version: version * 2, trades: version, baseVolume: baseVolume,
                            quoteVolume: baseVolume * price, venue: venue, final: version == versions);
                        for (var copies = random.Next(1, 4); copies > 0; copies--)
                        {
                            all.Add(w);
                        }
                    }

                    latest.Add(w!);
                }
            }
        }

        var shuffled = all.OrderBy(_ => random.Next()).ToList();
        for (var i = 0; i < shuffled.Count;)
        {
            var size = random.Next(1, 400);
            await factory.Store.UpsertAsync(shuffled.GetRange(i, Math.Min(size, shuffled.Count - i)));
            i += size;
        }

        return latest;
    }

    private static string Text(decimal value) => JsonSerializer.Serialize(value);

    internal sealed record CvdRow(string? Start, string DeltaBase, string CvdBase, string? DeltaQuote, string? CvdQuote)
    {
        public static CvdRow Of(JsonElement e) => new(
            e.GetProperty("start").GetString(),
            e.GetProperty("deltaBase").GetRawText(),
            e.GetProperty("cvdBase").GetRawText(),
            e.GetProperty("deltaQuote").ValueKind == JsonValueKind.Null ? null : e.GetProperty("deltaQuote").GetRawText(),
            e.GetProperty("cvdQuote").ValueKind == JsonValueKind.Null ? null : e.GetProperty("cvdQuote").GetRawText());
    }
}
