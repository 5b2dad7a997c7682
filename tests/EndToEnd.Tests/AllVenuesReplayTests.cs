using System.Text.Json;
using Aspire.Hosting.Testing;
using BitcoinVolume.Contracts;
using BitcoinVolume.TestSupport;
using Xunit.Abstractions;

namespace BitcoinVolume.EndToEnd.Tests;

/// <summary>
/// Every venue recording in <c>tests/data/cryptofeed/</c> and the Coinbase recording, replayed together through the
/// AppHost (one folder, cryptofeed recordings recognized by their header): <c>/api/volumes</c> per venue and product,
/// and <c>asset=BTC</c> across venues, equal an oracle computed here from the raw frames (<see cref="CryptofeedTrades"/>,
/// <see cref="RecordedFrames"/>). The recordings span 2021–2026 and share the aggregator's partitions, so retention and
/// the dedup horizon are set to ten years: with the defaults the older recordings would rightly be too late. The large
/// trades (<c>/api/trades/large</c>) are checked too, with thresholds low enough to keep a fifth of each quote's trades.
/// </summary>
public partial class AllVenuesReplayTests(ITestOutputHelper output)
{
    private static readonly string Data = Path.Combine(AppContext.BaseDirectory, "data");

    [Fact]
    public async Task Every_recording_replayed_through_the_apphost_yields_its_per_venue_volumes_and_the_bitcoin_view()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = timeout.Token;
        var folder = Directory.CreateTempSubdirectory("bv-venues-").FullName;
        var database = Path.Combine(folder, "volumes.db");
        var replay = Path.Combine(folder, "replay");
        Directory.CreateDirectory(replay);
        var trades = new List<Trade>();
        foreach (var file in Directory.GetFiles(Path.Combine(Data, "cryptofeed"), "*.jsonl"))
        {
            File.Copy(file, Path.Combine(replay, Path.GetFileName(file)));
            trades.AddRange(CryptofeedTrades.Read(file));
        }

        var coinbase = Path.Combine(Data, "coinbase-exchange-matches-2021-04-17.ndjson");
        File.Copy(coinbase, Path.Combine(replay, Path.GetFileName(coinbase)));
        trades.AddRange(RecordedFrames.Trades(coinbase));
        Assert.Equal(512, trades.Count(t => t.Venue == Venues.Gemini)); // spot only: the perpetuals' 300 are another market
        var expected = WindowOracle.ComputeByVenue(trades, WindowSpec.Default);
        Assert.Equal(
            [Venues.Binance, Venues.BinanceUs, Venues.Bitstamp, Venues.Coinbase, Venues.Gemini, Venues.Kraken, Venues.Okx],
            expected.Keys.Select(k => k.Venue).Distinct().Order(StringComparer.Ordinal));

        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            [
                $"--Ingest:Source=replay:{replay}",
                $"--DevBroker:Port={TestPorts.FreeTcpPort()}",
                $"--ConnectionStrings:volumes=Data Source={database}",
                $"--Aggregate:StatePath={Path.Combine(folder, "aggregate-state")}", // its own: data/aggregate-state outlives runs
                "--Aggregate:Windowing:Retention=3650.00:00:00",
                "--Aggregate:Windowing:DedupHorizon=3650.00:00:00",
                .. LargeTradeArguments(trades),
            ],
            ct);
        await using var app = await appHost.BuildAsync(ct);
        await app.StartAsync(ct);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("sink", ct);
        using var http = app.CreateHttpClient("sink");

        var streams = expected.Values.GroupBy(w => (w.Venue, w.Product)).ToList();
        var total = trades.Count;
        while (true)
        {
            var served = 0L;
            foreach (var stream in streams)
            {
                served += (await RowsAsync(http, $"product={stream.Key.Product}&venue={stream.Key.Venue}", stream, ct)).Sum(r => r.GetProperty("trades").GetInt64());
            }

            if (served >= total)
            {
                break;
            }

            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss} API has {served} of {total} trades");
            await Task.Delay(1000, ct);
        }

        // Size classes (issue 17) straight from the raw frames' trades: per (venue, product, minute), both sides, by notional.
        var tradesByMinute = trades.ToLookup(t => (t.Venue, t.Product, WindowSpec.Default.StartOf(t.Time).UtcDateTime));
        foreach (var stream in streams)
        {
            var rows = (await RowsAsync(http, $"product={stream.Key.Product}&venue={stream.Key.Venue}", stream, ct))
                .ToDictionary(r => (r.GetProperty("start").GetDateTime(), r.GetProperty("side").GetString()));
            Assert.Equal(stream.Count(), rows.Count);
            foreach (var want in stream)
            {
                var got = rows[(want.Start, want.Side == TakerSide.Buy ? "buy" : "sell")];
                var where = $"{want.Venue} {want.Product} {want.Start:O} {want.Side}";
                Assert.True(stream.Key.Venue == got.GetProperty("venue").GetString(), where);
                Assert.True(want.Trades == got.GetProperty("trades").GetInt64(), where);
                Assert.True(want.BaseVolume == got.GetProperty("baseVolume").GetDecimal(), where);
                Assert.True(want.QuoteVolume == got.GetProperty("quoteVolume").GetDecimal(), where);
                Assert.True((want.Open, want.High, want.Low, want.Close) == (got.GetProperty("open").GetDecimal(), got.GetProperty("high").GetDecimal(), got.GetProperty("low").GetDecimal(), got.GetProperty("close").GetDecimal()), where);
                var classes = ClassesOf(tradesByMinute[(want.Venue, want.Product, want.Start)], SizeClassOracle.DefaultBoundariesOf(Products.QuoteOf(want.Product)));
                Assert.True(classes == SizeClassesOf(got.GetProperty("sizeClasses")), $"{where}: sizeClasses {got.GetProperty("sizeClasses")} != oracle {classes}");
            }
        }

        // The bitcoin view: every venue's BTC-base windows summed per (window, side), quote volumes only per venue.
        var btc = expected.Values.Where(w => Products.BaseOf(w.Product) == "BTC").ToList();
        Assert.NotEmpty(btc);
        foreach (var span in btc.GroupBy(w => w.Start.Year))
        {
            var rows = await RowsAsync(http, "asset=BTC", span, ct);
            var want = span.GroupBy(w => (w.Start, Side: w.Side == TakerSide.Buy ? "buy" : "sell")).ToDictionary(g => g.Key);
            Assert.Equal(want.Count, rows.Count);
            foreach (var row in rows)
            {
                var key = (row.GetProperty("start").GetDateTime(), row.GetProperty("side").GetString()!);
                var parts = want[key];
                Assert.Equal(parts.Sum(w => w.Trades), row.GetProperty("trades").GetInt64());
                Assert.Equal(parts.Sum(w => w.BaseVolume), row.GetProperty("baseVolume").GetDecimal());
                var byVenue = ByVenue(row);
                Assert.Equal(parts.Select(w => w.Venue).Distinct().Order(StringComparer.Ordinal), byVenue.Keys.Order(StringComparer.Ordinal));
                foreach (var venue in parts.GroupBy(w => w.Venue))
                {
                    Assert.Equal(venue.Sum(w => w.Trades), byVenue[venue.Key].GetProperty("trades").GetInt64());
                    Assert.Equal(venue.Sum(w => w.BaseVolume), byVenue[venue.Key].GetProperty("baseVolume").GetDecimal());
                }

                // Size classes per quote currency: the minute's BTC trades of every stream of that quote (both sides).
                var minuteTrades = trades.Where(t => Products.BaseOf(t.Product) == "BTC" && WindowSpec.Default.StartOf(t.Time).UtcDateTime == key.Item1).ToList();
                var byQuote = row.GetProperty("sizeClassesByQuote").EnumerateArray().ToDictionary(q => q.GetProperty("quote").GetString()!, q => SizeClassesOf(q.GetProperty("sizeClasses")), StringComparer.Ordinal);
                var quotes = minuteTrades.Select(t => Products.QuoteOf(t.Product)).Where(q => SizeClassOracle.DefaultBoundariesOf(q) is not null).Distinct().Order(StringComparer.Ordinal).ToArray();
                Assert.Equal(quotes, byQuote.Keys.Order(StringComparer.Ordinal));
                foreach (var quote in quotes)
                {
                    Assert.Equal(ClassesOf(minuteTrades.Where(t => Products.QuoteOf(t.Product) == quote), SizeClassOracle.DefaultBoundariesOf(quote)), byQuote[quote]);
                }
            }
        }

        await AssertLargeTradesAsync(http, trades, ct);
        output.WriteLine($"{expected.Count} windows of {streams.Count} (venue, product) streams and the BTC view equal the oracle");
        await FootprintEqualsTheOracleAsync(http, trades, ct);
    }

    /// <summary>
    /// <c>/api/footprint</c> of every (venue, product): the 1-minute levels equal an oracle bucketed here from the raw frames'
    /// trades (level = floor(price / tick) × tick, tick the documented default or the magnitude of the stream's first trade),
    /// and the 1-hour bars equal the merge of the oracle's minute levels, POC included.
    /// </summary>
    private async Task FootprintEqualsTheOracleAsync(HttpClient http, List<Trade> trades, CancellationToken ct)
    {
        // The recordings hold each trade once (the volumes oracle above counts them as they are).
        var streams = trades.GroupBy(t => (t.Venue, t.Product)).ToList();
        foreach (var stream in streams)
        {
            var tick = OracleTick(stream.Key.Product, stream.First().Price);
            var first = stream.Min(t => t.Time);
            var from = new DateTimeOffset(first.Year, first.Month, first.Day, first.Hour, 0, 0, TimeSpan.Zero); // an hour start: the 1h bars start in range
            var to = WindowSpec.Default.StartOf(stream.Max(t => t.Time)).AddHours(1);
            var query = $"product={stream.Key.Product}&venue={stream.Key.Venue}&from={from:yyyy-MM-ddTHH:mm:ssZ}&to={to:yyyy-MM-ddTHH:mm:ssZ}";
            foreach (var (interval, length) in new[] { ("1m", TimeSpan.FromMinutes(1)), ("1h", TimeSpan.FromHours(1)) })
            {
                var want = stream.GroupBy(t => new DateTimeOffset(t.Time.UtcTicks - (t.Time.UtcTicks % length.Ticks), TimeSpan.Zero)).OrderBy(g => g.Key)
                    .Select(bar => (
                        Start: bar.Key.UtcDateTime,
                        Levels: bar.GroupBy(t => Math.Floor(t.Price / tick) * tick).OrderBy(l => l.Key).Select(l => (
                            l.Key, l.Where(t => t.Side == TakerSide.Buy).Sum(t => t.Size), l.Where(t => t.Side == TakerSide.Sell).Sum(t => t.Size),
                            (long)l.Count(t => t.Side == TakerSide.Buy), (long)l.Count(t => t.Side == TakerSide.Sell))).ToList()))
                    .ToList();
                var got = await FootprintAsync(http, $"{query}&interval={interval}", want.Sum(b => b.Levels.Sum(l => l.Item4 + l.Item5)), ct);
                var where = $"{stream.Key.Venue} {stream.Key.Product} {interval}";
                Assert.True(want.Count == got.Count, $"{where}: {got.Count} bars, expected {want.Count}");
                for (var i = 0; i < want.Count; i++)
                {
                    Assert.Equal(want[i].Start, got[i].GetProperty("start").GetDateTime());
                    Assert.Equal(tick, got[i].GetProperty("tick").GetDecimal());
                    var levels = got[i].GetProperty("levels").EnumerateArray().Select(l => (
                        l.GetProperty("price").GetDecimal(), l.GetProperty("buyBase").GetDecimal(), l.GetProperty("sellBase").GetDecimal(),
                        l.GetProperty("buyTrades").GetInt64(), l.GetProperty("sellTrades").GetInt64())).ToList();
                    Assert.True(want[i].Levels.SequenceEqual(levels), $"{where} {want[i].Start:O}: levels differ");
                    var max = want[i].Levels.Max(l => l.Item2 + l.Item3);
                    Assert.Equal(want[i].Levels.First(l => l.Item2 + l.Item3 == max).Key, got[i].GetProperty("poc").GetDecimal());
                }
            }
        }

        output.WriteLine($"footprint of {streams.Count} streams (1m and the 1h rollup) equals the oracle");
    }

    /// <summary>The documented tick: BTC-USD/USDT/USDC/EUR 10, ETH-* 1, else the power of ten three orders below the first price.</summary>
    private static decimal OracleTick(string product, decimal firstPrice)
    {
        if (product is "BTC-USD" or "BTC-USDT" or "BTC-USDC" or "BTC-EUR")
        {
            return 10m;
        }

        if (product.StartsWith("ETH-", StringComparison.Ordinal))
        {
            return 1m;
        }

        var text = firstPrice.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var integerDigits = decimal.Truncate(firstPrice).ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
        var exponent = firstPrice >= 1 ? integerDigits - 1 : -(text[(text.IndexOf('.', StringComparison.Ordinal) + 1)..].TakeWhile(c => c == '0').Count() + 1);
        var tick = 1m;
        for (var e = exponent - 3; e < 0; e++)
        {
            tick /= 10;
        }

        for (var e = 0; e < exponent - 3; e++)
        {
            tick *= 10;
        }

        return tick;
    }

    /// <summary>The footprint bars of the query once the API holds <paramref name="trades"/> trades (the consumer may lag the volumes).</summary>
    private static async Task<List<JsonElement>> FootprintAsync(HttpClient http, string query, long trades, CancellationToken ct)
    {
        while (true)
        {
            using var response = await http.GetAsync(new Uri($"/api/footprint?{query}", UriKind.Relative), ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            Assert.True(response.IsSuccessStatusCode, text);
            using var json = JsonDocument.Parse(text);
            var bars = json.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
            if (bars.Sum(b => b.GetProperty("trades").GetInt64()) >= trades)
            {
                return bars;
            }

            await Task.Delay(500, ct);
        }
    }

    /// <summary>The oracle's classes of one bar's trades (both sides) as text, or null without boundaries.</summary>
    private static string? ClassesOf(IEnumerable<Trade> inBar, decimal[]? bounds)
    {
        var list = inBar.ToList();
        var buy = SizeClassOracle.Classes(list.Where(t => t.Side == TakerSide.Buy), bounds);
        var sell = SizeClassOracle.Classes(list.Where(t => t.Side == TakerSide.Sell), bounds);
        return buy is null ? null : string.Join(';', buy.Zip(sell!, (b, s) => FormattableString.Invariant($"{b.Min}|{b.Max}|{b.Trades}|{b.BaseVolume}|{s.Trades}|{s.BaseVolume}")));
    }

    /// <summary>The served <c>sizeClasses</c> as the same text (decimals compared by value: parsed, then printed), or null.</summary>
    private static string? SizeClassesOf(JsonElement classes) =>
        classes.ValueKind == JsonValueKind.Null
            ? null
            : string.Join(';', classes.EnumerateArray().Select(c => FormattableString.Invariant(
                $"{c.GetProperty("min").GetDecimal()}|{(c.GetProperty("max").ValueKind == JsonValueKind.Null ? null : c.GetProperty("max").GetDecimal())}|{c.GetProperty("buyTrades").GetInt64()}|{c.GetProperty("buyBase").GetDecimal()}|{c.GetProperty("sellTrades").GetInt64()}|{c.GetProperty("sellBase").GetDecimal()}")));

    private static async Task<List<JsonElement>> RowsAsync(HttpClient http, string query, IEnumerable<OracleWindow> windows, CancellationToken ct)
    {
        var from = windows.Min(w => w.Start);
        var to = windows.Max(w => w.Start).AddMinutes(1);
        using var response = await http.GetAsync(new Uri($"/api/volumes?{query}&interval=1m&from={from:yyyy-MM-ddTHH:mm:ssZ}&to={to:yyyy-MM-ddTHH:mm:ssZ}", UriKind.Relative), ct);
        if (!response.IsSuccessStatusCode)
        {
            return []; // an unknown product (no rows yet) is a 400: not there yet
        }

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return [.. json.RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    /// <summary>A row's <c>byVenue</c>, by venue id (an array of objects with <c>venue</c>, or an object keyed by venue).</summary>
    private static Dictionary<string, JsonElement> ByVenue(JsonElement row)
    {
        var byVenue = row.GetProperty("byVenue");
        return byVenue.ValueKind == JsonValueKind.Array
            ? byVenue.EnumerateArray().ToDictionary(v => v.GetProperty("venue").GetString()!, StringComparer.Ordinal)
            : byVenue.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
    }
}
