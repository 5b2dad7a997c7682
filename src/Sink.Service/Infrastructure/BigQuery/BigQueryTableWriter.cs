using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using BitcoinVolume.Sink.Consumer;

namespace BitcoinVolume.Sink.Infrastructure.BigQuery;

/// <summary>
/// Appends rows to one BigQuery table through the REST <c>tabledata.insertAll</c> (streaming insert) API: the one piece of
/// HTTP, auth, retry and <c>insertErrors</c> handling behind every BigQuery store (volumes, footprint, large trades).
/// <para>
/// Rows go in requests of at most <see cref="BigQueryOptions.MaxRowsPerRequest"/>, each with the bearer token of the
/// <see cref="IAccessTokenSource"/>. Retries (bounded by <see cref="BigQueryOptions.RetryAttempts"/>, exponential backoff with
/// jitter, each one logged and counted in <c>sink.store.retries</c>): HTTP 408/429/5xx, transport errors and timeouts resend
/// the request; rows that come back in <c>insertErrors</c> with a transient reason (<c>backendError</c>, <c>internalError</c>,
/// <c>timeout</c>, <c>rateLimitExceeded</c>, or <c>stopped</c> — not inserted because another row failed) are resent alone.
/// An invalid row or any other 4xx fails at once with <see cref="BigQueryInsertException"/>.
/// </para>
/// </summary>
internal sealed partial class BigQueryTableWriter
{
    /// <summary>RFC 3339 UTC with microseconds, the TIMESTAMP text of <c>inserted_at</c> and trade times.</summary>
    public const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    private static readonly HashSet<string> TransientReasons =
        new(["backendError", "internalError", "timeout", "rateLimitExceeded", "stopped"], StringComparer.Ordinal);

    private readonly HttpClient http;
    private readonly BigQueryOptions options;
    private readonly Uri insertAllUri;
    private readonly IAccessTokenSource tokens;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly SinkMetrics? metrics;
    private readonly string storeName;

    public BigQueryTableWriter(
        HttpClient http, BigQueryOptions options, string table, IAccessTokenSource tokens, string storeName, TimeProvider? timeProvider, ILogger? logger, SinkMetrics? metrics)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(tokens);
        options.Validate();
        this.http = http;
        this.options = options;
        insertAllUri = options.InsertAllUriOf(table);
        this.tokens = tokens;
        this.storeName = storeName;
        this.timeProvider = timeProvider ?? TimeProvider.System;
        this.logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        this.metrics = metrics;
    }

    /// <summary>The sink clock as TIMESTAMP text (the <c>inserted_at</c> column).</summary>
    public string Now() => timeProvider.GetUtcNow().UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);

    /// <summary>A decimal as NUMERIC/BIGNUMERIC text: exact (a JSON number would be read as a double).</summary>
    public static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Sends <paramref name="rows"/> in requests of at most <see cref="BigQueryOptions.MaxRowsPerRequest"/> rows.</summary>
    public async Task InsertAsync<TRow>(
        IReadOnlyList<InsertAllRow<TRow>> rows, JsonTypeInfo<InsertAllRequest<TRow>> requestType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        foreach (var chunk in rows.Chunk(options.MaxRowsPerRequest))
        {
            await InsertChunkAsync(chunk, requestType, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task InsertChunkAsync<TRow>(
        IReadOnlyList<InsertAllRow<TRow>> chunk, JsonTypeInfo<InsertAllRequest<TRow>> requestType, CancellationToken cancellationToken)
    {
        var pending = chunk;
        for (var attempt = 0; ; attempt++)
        {
            var (status, response, failure) = await PostAsync(pending, requestType, cancellationToken).ConfigureAwait(false);
            string retryReason;
            if (failure is not null)
            {
                if (!IsTransient(status))
                {
                    throw new BigQueryInsertException(
                        $"BigQuery insertAll failed with HTTP {(int?)status}: {failure}", (int?)status, transient: false);
                }

                retryReason = status is { } s ? $"http_{(int)s}" : "transport";
                if (attempt >= options.RetryAttempts)
                {
                    throw new BigQueryInsertException(
                        $"BigQuery insertAll still failing after {attempt} retries ({retryReason}): {failure}", (int?)status, transient: true);
                }

                LogRequestRetry(insertAllUri.AbsolutePath, retryReason, failure, pending.Count, attempt + 1, options.RetryAttempts);
            }
            else
            {
                var errors = response?.InsertErrors ?? [];
                if (errors.Count == 0)
                {
                    return;
                }

                var reasons = errors.SelectMany(e => e.Errors ?? []).Select(e => e.Reason ?? "unknown").ToList();
                var summary = string.Join("; ", errors.Take(5).Select(e =>
                    $"row {pending.ElementAtOrDefault(e.Index)?.InsertId ?? e.Index.ToString(CultureInfo.InvariantCulture)}: " +
                    string.Join(", ", (e.Errors ?? []).Select(p => $"{p.Reason} {p.Message}"))));
                if (reasons.Count == 0 || reasons.Any(r => !TransientReasons.Contains(r)))
                {
                    throw new BigQueryInsertException(
                        $"BigQuery rejected {errors.Count} of {pending.Count} rows: {summary}", (int)HttpStatusCode.OK, transient: false);
                }

                retryReason = "insert_errors";
                if (attempt >= options.RetryAttempts)
                {
                    throw new BigQueryInsertException(
                        $"BigQuery still rejects {errors.Count} rows after {attempt} retries: {summary}", (int)HttpStatusCode.OK, transient: true);
                }

                var failed = errors.Select(e => e.Index).Where(i => i >= 0 && i < pending.Count).Distinct().Order().ToList();
                LogRowsRetry(insertAllUri.AbsolutePath, failed.Count, pending.Count, summary, attempt + 1, options.RetryAttempts);
                pending = failed.Select(i => pending[i]).ToList();
            }

            metrics?.RecordStoreRetry(storeName, retryReason);
            await Task.Delay(Backoff(attempt), timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(HttpStatusCode? Status, InsertAllResponse? Response, string? Failure)> PostAsync<TRow>(
        IReadOnlyList<InsertAllRow<TRow>> rows, JsonTypeInfo<InsertAllRequest<TRow>> requestType, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.RequestTimeoutSeconds));
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, insertAllUri)
            {
                Content = JsonContent.Create(
                    new InsertAllRequest<TRow>("bigquery#tableDataInsertAllRequest", SkipInvalidRows: false, IgnoreUnknownValues: false, rows),
                    requestType),
            };
            if (await tokens.GetAccessTokenAsync(timeout.Token).ConfigureAwait(false) is { Length: > 0 } token)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            using var response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return (response.StatusCode, null, ErrorMessage(body) ?? response.ReasonPhrase ?? "no message");
            }

            try
            {
                return (response.StatusCode, JsonSerializer.Deserialize(body, BigQueryJsonContext.Default.InsertAllResponse), null);
            }
            catch (JsonException e)
            {
                return (HttpStatusCode.BadGateway, null, "unreadable insertAll response: " + e.Message);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, null, $"no answer within {options.RequestTimeoutSeconds} s");
        }
        catch (HttpRequestException e)
        {
            return (null, null, e.Message);
        }
    }

    private static string? ErrorMessage(string body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, BigQueryJsonContext.Default.ErrorResponse)?.Error?.Message;
        }
        catch (JsonException)
        {
            return body.Length > 200 ? body[..200] : body;
        }
    }

    /// <summary>No status (transport error or timeout), 408, 429 and 5xx are worth retrying; any other 4xx is not.</summary>
    private static bool IsTransient(HttpStatusCode? status) =>
        status is not { } code || code is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)code >= 500;

    private TimeSpan Backoff(int attempt)
    {
        var baseDelay = options.RetryDelayMs * Math.Pow(2, Math.Min(attempt, 10));
        var jitter = 0.8 + (Random.Shared.NextDouble() * 0.4);
        return TimeSpan.FromMilliseconds(Math.Min(baseDelay * jitter, 30_000));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "BigQuery insertAll to {Table} failed ({Reason}: {Failure}) for {Rows} rows; retry {Attempt} of {MaxAttempts}.")]
    private partial void LogRequestRetry(string table, string reason, string failure, int rows, int attempt, int maxAttempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "BigQuery {Table} rejected {Failed} of {Rows} rows with transient errors ({Summary}); resending them, retry {Attempt} of {MaxAttempts}.")]
    private partial void LogRowsRetry(string table, int failed, int rows, string summary, int attempt, int maxAttempts);
}
