using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Consumer;

namespace BitcoinVolume.Sink.Infrastructure.BigQuery;

/// <summary>
/// <see cref="IVolumeStore"/> that appends every version of every window to a BigQuery table through the REST
/// <c>tabledata.insertAll</c> (streaming insert) API. Each row carries its version and a deterministic <c>insertId</c>
/// (<c>key#version</c>), so a replayed batch is de-duplicated by BigQuery (best effort) and, whatever slips through, the
/// latest-version view (<see cref="BigQuerySql"/>) still returns exactly one row per window: copies of the same version
/// are identical. Reads are not served by this store (<see cref="SupportsQueries"/> is false; the API answers 501).
/// <para>
/// Retries (bounded by <see cref="BigQueryOptions.RetryAttempts"/>, exponential backoff with jitter, each one logged and
/// counted in <c>sink.store.retries</c>): HTTP 408/429/5xx, transport errors and timeouts resend the request; rows that
/// come back in <c>insertErrors</c> with a transient reason (<c>backendError</c>, <c>internalError</c>, <c>timeout</c>,
/// <c>rateLimitExceeded</c>, or <c>stopped</c> — not inserted because another row failed) are resent alone. An invalid row
/// or any other 4xx fails the batch at once with <see cref="BigQueryInsertException"/> (nothing is committed to Kafka).
/// </para>
/// </summary>
public sealed partial class BigQueryVolumeStore : IVolumeStore
{
    private static readonly HashSet<string> TransientReasons =
        new(["backendError", "internalError", "timeout", "rateLimitExceeded", "stopped"], StringComparer.Ordinal);

    private readonly HttpClient http;
    private readonly BigQueryOptions options;
    private readonly IAccessTokenSource tokens;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly SinkMetrics? metrics;

    public BigQueryVolumeStore(
        HttpClient http, BigQueryOptions options, IAccessTokenSource tokens, TimeProvider? timeProvider = null, ILogger? logger = null, SinkMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(tokens);
        options.Validate();
        this.http = http;
        this.options = options;
        this.tokens = tokens;
        this.timeProvider = timeProvider ?? TimeProvider.System;
        this.logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        this.metrics = metrics;
    }

    public string Name => "bigquery";

    public bool SupportsQueries => false;

    /// <summary>The row id BigQuery de-duplicates on: the window's Kafka key and its version.</summary>
    public static string InsertIdOf(WindowVolume window)
    {
        ArgumentNullException.ThrowIfNull(window);
        return $"{window.Key}#{window.Version.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>Sends the latest version of each window (in requests of at most <see cref="BigQueryOptions.MaxRowsPerRequest"/> rows); returns the number of rows sent.</summary>
    public async Task<int> UpsertAsync(IReadOnlyList<WindowVolume> windows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.Count == 0)
        {
            return 0;
        }

        var insertedAt = timeProvider.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        var rows = WindowBatch.LatestPerKey(windows).Select(w => ToRow(w, insertedAt)).ToList();
        foreach (var chunk in rows.Chunk(options.MaxRowsPerRequest))
        {
            await InsertChunkAsync(chunk, cancellationToken).ConfigureAwait(false);
        }

        return rows.Count;
    }

    public Task<IReadOnlyList<WindowVolume>> GetWindowRowsAsync(
        string venue, string product, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, CancellationToken cancellationToken = default) =>
        throw NoQueries();

    public Task<IReadOnlyList<StoredStream>> GetStreamsAsync(CancellationToken cancellationToken = default) => throw NoQueries();

    public Task<(DateTimeOffset First, DateTimeOffset Last)?> GetExtentAsync(string venue, string product, CancellationToken cancellationToken = default) =>
        throw NoQueries();

    /// <summary>No cheap probe without extra permissions: the health of writes is reported by the consumer.</summary>
    public Task PingAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    private static InsertAllRow ToRow(WindowVolume w, string insertedAt) => new(
        InsertIdOf(w),
        new VolumeRow(
            w.Venue,
            w.Product,
            WindowBatch.SideToText(w.Side),
            w.WindowStart.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            w.Trades,
            Text(w.BaseVolume),
            Text(w.QuoteVolume),
            Text(w.Open),
            Text(w.High),
            Text(w.Low),
            Text(w.Close),
            w.FirstTradeId,
            w.LastTradeId,
            w.Version,
            w.Final,
            insertedAt,
            w.Complete,
            w.IncompleteReason,
            w.SizeClasses is { } classes ? [.. classes.Select(c => new SizeClassRow(Text(c.Min), c.Max is { } max ? Text(max) : null, c.Trades, Text(c.BaseVolume)))] : []));

    private static NotSupportedException NoQueries() =>
        new("The BigQuery store does not serve queries: query the latest-version view in BigQuery (docs/SINK.md).");

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private async Task InsertChunkAsync(IReadOnlyList<InsertAllRow> chunk, CancellationToken cancellationToken)
    {
        var pending = chunk;
        for (var attempt = 0; ; attempt++)
        {
            var (status, response, failure) = await PostAsync(pending, cancellationToken).ConfigureAwait(false);
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

                LogRequestRetry(retryReason, failure, pending.Count, attempt + 1, options.RetryAttempts);
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
                LogRowsRetry(failed.Count, pending.Count, summary, attempt + 1, options.RetryAttempts);
                pending = failed.Select(i => pending[i]).ToList();
            }

            metrics?.RecordStoreRetry(Name, retryReason);
            await Task.Delay(Backoff(attempt), timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(HttpStatusCode? Status, InsertAllResponse? Response, string? Failure)> PostAsync(
        IReadOnlyList<InsertAllRow> rows, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.RequestTimeoutSeconds));
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, options.InsertAllUri)
            {
                Content = JsonContent.Create(
                    new InsertAllRequest("bigquery#tableDataInsertAllRequest", SkipInvalidRows: false, IgnoreUnknownValues: false, rows),
                    BigQueryJsonContext.Default.InsertAllRequest),
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "BigQuery insertAll failed ({Reason}: {Failure}) for {Rows} rows; retry {Attempt} of {MaxAttempts}.")]
    private partial void LogRequestRetry(string reason, string failure, int rows, int attempt, int maxAttempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "BigQuery rejected {Failed} of {Rows} rows with transient errors ({Summary}); resending them, retry {Attempt} of {MaxAttempts}.")]
    private partial void LogRowsRetry(int failed, int rows, string summary, int attempt, int maxAttempts);
}
