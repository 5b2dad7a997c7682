using System.Net;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Footprint;
using BitcoinVolume.Sink.Infrastructure.BigQuery;
using BitcoinVolume.Sink.LargeTrades;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static BitcoinVolume.Sink.Tests.TestData;

namespace BitcoinVolume.Sink.Tests;

/// <summary>
/// The footprint and large-trade BigQuery stores against the same local Kestrel stand-in for Google's token endpoint and
/// <c>tabledata.insertAll</c> (a REST-contract test, not real BigQuery): exact bodies, insertIds, auth, table URLs, retries.
/// </summary>
public sealed partial class BigQueryContractTests
{
    private const string FootprintTable = "footprint_versions";
    private const string LargeTradesTable = "big_trades";

    private BigQueryOptions Options(int retries) => new()
    {
        ProjectId = Project,
        Dataset = Dataset,
        Table = Table,
        FootprintTable = FootprintTable,
        LargeTradesTable = LargeTradesTable,
        BaseUrl = BaseUrl,
        RetryAttempts = retries,
        RetryDelayMs = 1,
    };

    private BigQueryFootprintStore FootprintStore(int retries = 3) => new(new HttpClient(), Options(retries), new ServiceAccountTokenSource(keyFile));

    private BigQueryLargeTradeStore LargeTradeStore(int retries = 3) => new(new HttpClient(), Options(retries), new ServiceAccountTokenSource(keyFile));

    private static FootprintWindow Footprint(long version = 5, string venue = Venues.Coinbase, DateTimeOffset? start = null) =>
        new(venue, "BTC-USD", start ?? T0, 0.01m, 2, [new(90_000.01m, 0.00000001m, 0m, 1, 0), new(90_010.50m, 0m, 123456789.123456789012m, 0, 1)], version, version % 2 == 1);

    private static LargeTrade Large(string tradeId = "987654321", string venue = "binance") =>
        new(venue, "BTC-USDT", tradeId, new DateTimeOffset(2026, 8, 9, 21, 4, 5, 123, TimeSpan.Zero).AddTicks(4560), TakerSide.Sell, 90_123.45m, 1.23456789m, 111_263.51049259m, "USDT");

    [Fact]
    public async Task Footprint_rows_are_posted_to_the_footprint_table_with_exact_levels_and_the_latest_version_per_key()
    {
        Respond(_ => Ok());

        var sent = await FootprintStore().UpsertAsync([Footprint(version: 4), Footprint(version: 7, venue: "kraken"), Footprint(version: 5), Footprint(version: 3)], default);

        Assert.Equal(2, sent);
        var (path, authorization, contentType, body) = Assert.Single(Requests);
        Assert.Equal($"/bigquery/v2/projects/{Project}/datasets/{Dataset}/tables/{FootprintTable}/insertAll", path);
        Assert.Equal("Bearer ya29.test-token-1", authorization);
        Assert.StartsWith("application/json", contentType, StringComparison.Ordinal);
        Assert.Equal("bigquery#tableDataInsertAllRequest", body.GetProperty("kind").GetString());
        Assert.Equal(["BTC-USD|2026-08-09T21:04:00Z#5", "kraken|BTC-USD|2026-08-09T21:04:00Z#7"], InsertIds(body));

        var json = body.GetProperty("rows")[0].GetProperty("json");
        Assert.Equal(
            ["venue", "product", "window_start", "tick", "trades", "levels", "version", "final", "inserted_at"],
            json.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("coinbase", json.GetProperty("venue").GetString());
        Assert.Equal("BTC-USD", json.GetProperty("product").GetString());
        Assert.Equal("2026-08-09T21:04:00Z", json.GetProperty("window_start").GetString());
        Assert.Equal("0.01", json.GetProperty("tick").GetString());
        Assert.Equal(2, json.GetProperty("trades").GetInt64());
        Assert.Equal(5, json.GetProperty("version").GetInt64());
        Assert.True(json.GetProperty("final").GetBoolean());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", json.GetProperty("inserted_at").GetString());
        var levels = json.GetProperty("levels").EnumerateArray().ToArray();
        Assert.Equal(2, levels.Length);
        Assert.Equal(["price", "buy_base", "sell_base", "buy_trades", "sell_trades"], levels[0].EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(JsonValueKind.String, levels[0].GetProperty("price").ValueKind);
        Assert.Equal("90000.01", levels[0].GetProperty("price").GetString());
        Assert.Equal("0.00000001", levels[0].GetProperty("buy_base").GetString());
        Assert.Equal("0", levels[0].GetProperty("sell_base").GetString());
        Assert.Equal(1, levels[0].GetProperty("buy_trades").GetInt64());
        Assert.Equal(0, levels[0].GetProperty("sell_trades").GetInt64());
        Assert.Equal("90010.50", levels[1].GetProperty("price").GetString());
        Assert.Equal("123456789.123456789012", levels[1].GetProperty("sell_base").GetString());
        Assert.Equal(1, levels[1].GetProperty("sell_trades").GetInt64());
    }

    [Fact]
    public async Task Large_trade_rows_are_posted_to_the_large_trades_table_keyed_venue_product_trade_id()
    {
        Respond(_ => Ok());

        var sent = await LargeTradeStore().UpsertAsync([Large(), Large(tradeId: "a-b-c", venue: "okx"), Large()], default);

        Assert.Equal(2, sent); // a key twice in a batch is sent once
        var (path, authorization, _, body) = Assert.Single(Requests);
        Assert.Equal($"/bigquery/v2/projects/{Project}/datasets/{Dataset}/tables/{LargeTradesTable}/insertAll", path);
        Assert.Equal("Bearer ya29.test-token-1", authorization);
        Assert.Equal(["binance|BTC-USDT|987654321", "okx|BTC-USDT|a-b-c"], InsertIds(body));
        var json = body.GetProperty("rows")[0].GetProperty("json");
        Assert.Equal(
            ["venue", "product", "trade_id", "time", "price", "size", "notional", "side", "quote", "inserted_at"],
            json.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("binance", json.GetProperty("venue").GetString());
        Assert.Equal("BTC-USDT", json.GetProperty("product").GetString());
        Assert.Equal("987654321", json.GetProperty("trade_id").GetString());
        Assert.Equal("2026-08-09T21:04:05.123456Z", json.GetProperty("time").GetString());
        Assert.Equal(JsonValueKind.String, json.GetProperty("price").ValueKind);
        Assert.Equal("90123.45", json.GetProperty("price").GetString());
        Assert.Equal("1.23456789", json.GetProperty("size").GetString());
        Assert.Equal("111263.51049259", json.GetProperty("notional").GetString());
        Assert.Equal("sell", json.GetProperty("side").GetString());
        Assert.Equal("USDT", json.GetProperty("quote").GetString());
        Assert.Equal("a-b-c", body.GetProperty("rows")[1].GetProperty("json").GetProperty("trade_id").GetString());
    }

    [Fact]
    public async Task Footprint_and_large_trade_writes_retry_a_503_and_a_transient_insertError_then_succeed()
    {
        Respond(
            _ => (503, """{"error":{"code":503,"message":"Service unavailable"}}"""),
            _ => (200, """{"insertErrors":[{"index":1,"errors":[{"reason":"backendError","message":"try again"}]}]}"""),
            _ => Ok());
        await FootprintStore().UpsertAsync([Footprint(start: T0), Footprint(start: T0.AddMinutes(1))], default);

        Respond(
            _ => (503, "{}"),
            _ => (200, """{"insertErrors":[{"index":0,"errors":[{"reason":"timeout","message":""}]}]}"""),
            _ => Ok());
        await LargeTradeStore().UpsertAsync([Large("1"), Large("2")], default);

        var ids = Requests.Select(r => InsertIds(r.Body)).ToList();
        Assert.Equal(6, ids.Count);
        Assert.Equal(["BTC-USD|2026-08-09T21:04:00Z#5", "BTC-USD|2026-08-09T21:05:00Z#5"], ids[0]);
        Assert.Equal(ids[0], ids[1]); // the 503: the same request again
        Assert.Equal(["BTC-USD|2026-08-09T21:05:00Z#5"], ids[2]); // only the row that failed transiently
        Assert.Equal(["binance|BTC-USDT|1", "binance|BTC-USDT|2"], ids[3]);
        Assert.Equal(ids[3], ids[4]);
        Assert.Equal(["binance|BTC-USDT|1"], ids[5]);
    }

    [Fact]
    public async Task A_non_transient_insertError_fails_footprint_and_large_trade_writes_at_once()
    {
        Respond(
            _ => (200, """{"insertErrors":[{"index":0,"errors":[{"reason":"invalid","location":"levels.price","message":"Invalid BIGNUMERIC"}]}]}"""),
            _ => (200, """{"insertErrors":[{"index":0,"errors":[{"reason":"invalid","location":"notional","message":"Invalid BIGNUMERIC"}]}]}"""));

        var footprint = await Assert.ThrowsAsync<BigQueryInsertException>(() => FootprintStore().UpsertAsync([Footprint()], default));
        var large = await Assert.ThrowsAsync<BigQueryInsertException>(() => LargeTradeStore().UpsertAsync([Large()], default));

        Assert.Equal(2, Requests.Count); // no retry of either
        Assert.False(footprint.Transient);
        Assert.Contains("BTC-USD|2026-08-09T21:04:00Z#5", footprint.Message, StringComparison.Ordinal);
        Assert.False(large.Transient);
        Assert.Contains("binance|BTC-USDT|987654321: invalid", large.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Through_the_service_bigquery_writes_footprint_and_large_trades_and_their_routes_answer_501()
    {
        await using var factory = ServiceOnBigQuery();
        using var client = factory.CreateClient();

        var footprints = factory.Services.GetRequiredService<IFootprintStore>();
        var trades = factory.Services.GetRequiredService<ILargeTradeStore>();
        Assert.IsType<BigQueryFootprintStore>(footprints);
        Assert.IsType<BigQueryLargeTradeStore>(trades);
        foreach (var path in new[]
        {
            "/api/footprint?product=BTC-USD&from=2026-08-09T21:04:00Z&to=2026-08-09T21:07:00Z",
            "/api/trades/large?product=BTC-USD&from=2026-08-09T21:04:00Z&to=2026-08-09T21:07:00Z",
        })
        {
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.Empty(Requests); // the routes never reach the store
        await Assert.ThrowsAsync<NotSupportedException>(() => footprints.ReadAsync(Venues.Coinbase, "BTC-USD", T0, T0.AddMinutes(1), default));
        Respond(_ => Ok(), _ => Ok());
        await footprints.UpsertAsync([Footprint()], default);
        await trades.UpsertAsync([Large()], default);
        Assert.Equal(
            [$"/bigquery/v2/projects/{Project}/datasets/{Dataset}/tables/footprint/insertAll", $"/bigquery/v2/projects/{Project}/datasets/{Dataset}/tables/large_trades/insertAll"],
            Requests.Select(r => r.Path).ToArray());
    }

    [Fact]
    public void With_bigquery_and_the_consumer_on_footprint_1m_and_trades_large_are_consumed()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sink:Store"] = "bigquery",
            ["ConnectionStrings:kafka"] = "127.0.0.1:9",
        });

        builder.AddSinkServices();

        var hosted = builder.Services.Where(d => d.ServiceType == typeof(IHostedService)).Select(d => d.ImplementationType?.Name).ToList();
        Assert.Contains(nameof(FootprintConsumer), hosted);
        Assert.Contains(nameof(LargeTradesConsumer), hosted);
        Assert.Contains("VolumesConsumer", hosted);
    }
}
