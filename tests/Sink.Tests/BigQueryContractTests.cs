using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Infrastructure.BigQuery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static BitcoinVolume.Sink.Tests.TestData;

namespace BitcoinVolume.Sink.Tests;

/// <summary>
/// CONTRACT tests of the BigQuery store against a local Kestrel server that plays Google's OAuth token endpoint and
/// BigQuery's <c>tabledata.insertAll</c> — not real BigQuery. They check the request shape, the service-account auth
/// (a signed JWT exchanged for a bearer token), insertId determinism and the handling of 5xx answers and partial
/// <c>insertErrors</c>.
/// </summary>
public sealed partial class BigQueryContractTests : IAsyncLifetime
{
    private const string Project = "test-project";
    private const string Dataset = "market";
    private const string Table = "volumes_1m_versions";
    private const string ClientEmail = "sink@test-project.iam.gserviceaccount.com";

    private readonly RSA key = RSA.Create(2048);
    private readonly ConcurrentQueue<Func<JsonElement, (int Status, string Body)>> script = new();
    private readonly ConcurrentQueue<(string Path, string? Authorization, string ContentType, JsonElement Body)> requestLog = new();
    private readonly ConcurrentQueue<string> tokenErrors = new();
    private readonly string keyFile = Path.Combine(Path.GetTempPath(), $"bq-key-{Guid.NewGuid():N}.json");
    private WebApplication server = null!;
    private int tokensIssued;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        server = builder.Build();
        server.MapPost("/token", HandleTokenAsync);
        server.MapPost("/bigquery/v2/projects/{project}/datasets/{dataset}/tables/{table}/insertAll", HandleInsertAllAsync);
        await server.StartAsync();
        var address = server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl = new Uri(address + "/bigquery/v2/");

        await File.WriteAllTextAsync(keyFile, JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["project_id"] = Project,
            ["private_key_id"] = "test-key-1",
            ["private_key"] = key.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = ClientEmail,
            ["client_id"] = "1234567890",
            ["token_uri"] = address + "/token",
        }));
    }

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        key.Dispose();
        File.Delete(keyFile);
    }

    private Uri BaseUrl { get; set; } = null!;

    private BigQueryVolumeStore Store(int retries = 3, int maxRowsPerRequest = 500) => new(
        new HttpClient(),
        new BigQueryOptions
        {
            ProjectId = Project,
            Dataset = Dataset,
            Table = Table,
            BaseUrl = BaseUrl,
            RetryAttempts = retries,
            RetryDelayMs = 1,
            MaxRowsPerRequest = maxRowsPerRequest,
        },
        new ServiceAccountTokenSource(keyFile));

    /// <summary>The sink's web app with <c>Sink:Store=bigquery</c> pointed at the local stand-in.</summary>
    private SinkApiFactory ServiceOnBigQuery() => new(new Dictionary<string, string>
    {
        ["Sink:Store"] = "bigquery",
        ["Sink:BigQuery:ProjectId"] = Project,
        ["Sink:BigQuery:Dataset"] = Dataset,
        ["Sink:BigQuery:BaseUrl"] = BaseUrl.ToString(),
        ["Sink:BigQuery:CredentialsPath"] = keyFile,
    });

    private static (int, string) Ok() => (200, """{"kind":"bigquery#tableDataInsertAllResponse"}""");

    private void Respond(params Func<JsonElement, (int Status, string Body)>[] answers)
    {
        foreach (var answer in answers)
        {
            script.Enqueue(answer);
        }
    }

    private List<(string Path, string? Authorization, string ContentType, JsonElement Body)> Requests => [.. requestLog];

    private static string[] InsertIds(JsonElement body) =>
        body.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("insertId").GetString()!).ToArray();

    [Fact]
    public async Task Rows_are_posted_to_insertAll_with_a_service_account_bearer_token_and_exact_decimal_strings()
    {
        Respond(_ => Ok(), _ => Ok());
        var buy = Window(version: 4, baseVolume: 0.00000001m, quoteVolume: 123456789.123456789012m, open: 1.50m, final: true);
        var sell = Window(side: TakerSide.Sell, version: 2);
        var olderBuy = Window(version: 3, trades: 1);
        var store = Store();

        Assert.Equal(2, await store.UpsertAsync([sell, olderBuy, buy]));
        await store.UpsertAsync([Window(start: T0.AddMinutes(1))]);

        var requests = Requests;
        Assert.Equal(2, requests.Count);
        var (path, authorization, contentType, body) = requests[0];
        Assert.Equal($"/bigquery/v2/projects/{Project}/datasets/{Dataset}/tables/{Table}/insertAll", path);
        Assert.Equal("Bearer ya29.test-token-1", authorization);
        Assert.Equal("Bearer ya29.test-token-1", requests[1].Authorization); // cached until it expires
        Assert.Equal(1, tokensIssued);
        Assert.Empty(tokenErrors);
        Assert.StartsWith("application/json", contentType, StringComparison.Ordinal);
        Assert.Equal("bigquery#tableDataInsertAllRequest", body.GetProperty("kind").GetString());
        Assert.False(body.GetProperty("skipInvalidRows").GetBoolean());
        Assert.False(body.GetProperty("ignoreUnknownValues").GetBoolean());

        var rows = body.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal(2, rows.Length); // the latest version per window only
        Assert.Equal(["BTC-USD|buy|2026-08-09T21:04:00Z#4", "BTC-USD|sell|2026-08-09T21:04:00Z#2"], InsertIds(body));
        var json = rows[0].GetProperty("json");
        Assert.Equal(
            ["venue", "product", "side", "window_start", "trades", "base_volume", "quote_volume", "open", "high", "low", "close",
             "first_trade_id", "last_trade_id", "version", "final", "inserted_at", "complete", "incomplete_reason", "size_classes"],
            json.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("coinbase", json.GetProperty("venue").GetString());
        Assert.Equal("BTC-USD", json.GetProperty("product").GetString());
        Assert.Equal("buy", json.GetProperty("side").GetString());
        Assert.Equal("2026-08-09T21:04:00Z", json.GetProperty("window_start").GetString());
        Assert.Equal(JsonValueKind.String, json.GetProperty("base_volume").ValueKind); // NUMERIC as text: exact
        Assert.Equal("0.00000001", json.GetProperty("base_volume").GetString());
        Assert.Equal("123456789.123456789012", json.GetProperty("quote_volume").GetString());
        Assert.Equal("1.50", json.GetProperty("open").GetString());
        Assert.Equal(4, json.GetProperty("version").GetInt64());
        Assert.True(json.GetProperty("final").GetBoolean());
        Assert.Equal(3, json.GetProperty("trades").GetInt64());
        Assert.EndsWith("Z", json.GetProperty("inserted_at").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InsertIds_are_deterministic_key_and_version()
    {
        Respond(_ => Ok(), _ => Ok(), _ => Ok());
        var store = Store();
        WindowVolume[] batch = [Window(version: 7), Window(product: "ETH-USD", side: TakerSide.Sell, start: T0.AddMinutes(3), version: 1)];

        await store.UpsertAsync(batch);
        await store.UpsertAsync(batch.Reverse().ToArray()); // a replay, in another order
        await store.UpsertAsync([Window(version: 8)]);

        var ids = Requests.Select(r => InsertIds(r.Body)).ToList();
        Assert.Equal(["BTC-USD|buy|2026-08-09T21:04:00Z#7", "ETH-USD|sell|2026-08-09T21:07:00Z#1"], ids[0]);
        Assert.Equal(ids[0], ids[1]);
        Assert.Equal(["BTC-USD|buy|2026-08-09T21:04:00Z#8"], ids[2]);
        Assert.Equal(ids[0][0], BigQueryVolumeStore.InsertIdOf(Window(version: 7, trades: 99))); // key + version only
    }

    [Fact]
    public async Task Server_errors_are_retried_with_the_same_rows_and_insertIds_then_succeed()
    {
        Respond(_ => (503, """{"error":{"code":503,"message":"Service unavailable"}}"""), _ => (500, "oops"), _ => (429, "{}"), _ => Ok());

        await Store(retries: 3).UpsertAsync([Window(), Window(side: TakerSide.Sell)]);

        var requests = Requests;
        Assert.Equal(4, requests.Count);
        Assert.All(requests, r => Assert.Equal(InsertIds(requests[0].Body), InsertIds(r.Body)));
        Assert.All(requests, r => Assert.Equal("Bearer ya29.test-token-1", r.Authorization));
    }

    [Fact]
    public async Task Retries_are_bounded_and_the_failure_says_so()
    {
        for (var i = 0; i < 10; i++)
        {
            Respond(_ => (503, """{"error":{"code":503,"message":"backend down"}}"""));
        }

        var error = await Assert.ThrowsAsync<BigQueryInsertException>(() => Store(retries: 2).UpsertAsync([Window()]));

        Assert.Equal(3, Requests.Count); // 1 try + 2 retries
        Assert.True(error.Transient);
        Assert.Equal(503, error.StatusCode);
        Assert.Contains("backend down", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rows_rejected_with_transient_insertErrors_are_resent_alone()
    {
        Respond(
            _ => (200, """
                {"kind":"bigquery#tableDataInsertAllResponse","insertErrors":[
                  {"index":1,"errors":[{"reason":"backendError","location":"","message":"try again"}]},
                  {"index":2,"errors":[{"reason":"stopped","location":"","message":""}]}]}
                """),
            _ => Ok());
        WindowVolume[] batch = [Window(start: T0), Window(start: T0.AddMinutes(1)), Window(start: T0.AddMinutes(2))];

        Assert.Equal(3, await Store().UpsertAsync(batch));

        var requests = Requests;
        Assert.Equal(2, requests.Count);
        Assert.Equal(InsertIds(requests[0].Body)[1..], InsertIds(requests[1].Body));
    }

    [Fact]
    public async Task Invalid_rows_fail_the_batch_at_once_naming_the_row_and_reason()
    {
        Respond(_ => (200, """{"insertErrors":[{"index":0,"errors":[{"reason":"invalid","location":"base_volume","message":"Invalid NUMERIC value"}]}]}"""));

        var error = await Assert.ThrowsAsync<BigQueryInsertException>(() => Store().UpsertAsync([Window()]));

        Assert.Single(Requests);
        Assert.False(error.Transient);
        Assert.Contains("BTC-USD|buy|2026-08-09T21:04:00Z#1", error.Message, StringComparison.Ordinal);
        Assert.Contains("invalid", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_errors_are_not_retried()
    {
        Respond(_ => (404, """{"error":{"code":404,"message":"Not found: Table test-project:market.volumes_1m_versions"}}"""));

        var error = await Assert.ThrowsAsync<BigQueryInsertException>(() => Store().UpsertAsync([Window()]));

        Assert.Single(Requests);
        Assert.False(error.Transient);
        Assert.Contains("Not found: Table", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Large_batches_are_split_into_requests_of_at_most_MaxRowsPerRequest()
    {
        Respond(_ => Ok(), _ => Ok(), _ => Ok());

        await Store(maxRowsPerRequest: 2).UpsertAsync(Enumerable.Range(0, 5).Select(i => Window(start: T0.AddMinutes(i))).ToList());

        Assert.Equal([2, 2, 1], Requests.Select(r => r.Body.GetProperty("rows").GetArrayLength()).ToArray());
    }

    [Fact]
    public async Task Through_the_service_bigquery_is_chosen_by_configuration_and_queries_answer_501()
    {
        await using var factory = ServiceOnBigQuery();
        using var client = factory.CreateClient();

        Assert.IsType<BigQueryVolumeStore>(factory.Store);
        foreach (var path in new[] { "/api/volumes?product=BTC-USD&from=2026-08-09T21:04:00Z&to=2026-08-09T21:07:00Z", "/api/products" })
        {
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Respond(_ => Ok());
        await factory.Store.UpsertAsync([Window()]);
        Assert.Equal("Bearer ya29.test-token-1", Assert.Single(Requests).Authorization);
    }

    [Fact]
    public void The_latest_version_view_keeps_one_row_per_window()
    {
        var sql = BigQuerySql.CreateLatestView(Project, Dataset, Table);

        Assert.Contains($"FROM `{Project}.{Dataset}.{Table}`", sql, StringComparison.Ordinal);
        Assert.Contains("QUALIFY ROW_NUMBER() OVER (PARTITION BY venue, product, side, window_start ORDER BY version DESC", sql, StringComparison.Ordinal);
        Assert.Contains("IFNULL(venue, 'coinbase')", sql, StringComparison.Ordinal);
        Assert.Contains("BIGNUMERIC", BigQuerySql.CreateTable(Project, Dataset, Table), StringComparison.Ordinal);
        Assert.Contains("CLUSTER BY venue, product", BigQuerySql.CreateTable(Project, Dataset, Table), StringComparison.Ordinal);
    }

    /// <summary>Google's OAuth token endpoint for a service account: checks the JWT bearer assertion, issues a token.</summary>
    private async Task<IResult> HandleTokenAsync(HttpRequest request)
    {
        var form = await request.ReadFormAsync();
        var error = CheckAssertion(form["grant_type"].ToString(), form["assertion"].ToString());
        if (error is not null)
        {
            tokenErrors.Enqueue(error);
            return Results.Json(new Dictionary<string, string> { ["error"] = "invalid_grant", ["error_description"] = error }, statusCode: 400);
        }

        var n = Interlocked.Increment(ref tokensIssued);
        return Results.Text($$"""{"access_token":"ya29.test-token-{{n}}","expires_in":3600,"token_type":"Bearer"}""", "application/json");
    }

    private string? CheckAssertion(string grantType, string assertion)
    {
        if (grantType != "urn:ietf:params:oauth:grant-type:jwt-bearer")
        {
            return $"grant_type {grantType}";
        }

        var parts = assertion.Split('.');
        if (parts.Length != 3)
        {
            return "assertion is not a JWT";
        }

        var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        if (!key.VerifyData(signed, Base64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            return "bad signature";
        }

        using var claims = JsonDocument.Parse(Base64Url(parts[1]));
        var root = claims.RootElement;
        if (root.GetProperty("iss").GetString() != ClientEmail)
        {
            return "iss is not the service account";
        }

        return root.GetProperty("scope").GetString()!.Split(' ').Contains(BigQueryOptions.InsertScope) ? null : "scope lacks bigquery.insertdata";
    }

    private static byte[] Base64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '='));
    }

    private async Task<IResult> HandleInsertAllAsync(HttpRequest request)
    {
        using var body = await JsonDocument.ParseAsync(request.Body);
        var root = body.RootElement.Clone();
        requestLog.Enqueue((request.Path, request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null, request.ContentType ?? string.Empty, root));
        var (status, text) = script.TryDequeue(out var answer) ? answer(root) : (500, "no scripted answer left");
        return Results.Text(text, "application/json", statusCode: status);
    }
}
