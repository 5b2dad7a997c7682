using System.Threading.RateLimiting;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Gaps;
using BitcoinVolume.Ingest.Producing;
using BitcoinVolume.Ingest.Venues;

namespace BitcoinVolume.Ingest.Backfill;

/// <summary>
/// Fills gaps from the venue's REST history (<see cref="ITradeHistory"/>): takes the gaps the <see cref="TradeGate"/> has
/// had open for <see cref="BackfillOptions.Delay"/>, pages the history from the gap's newest id down (ids below a cursor,
/// <see cref="BackfillOptions.PageSize"/> clamped to the venue's <see cref="ITradeHistory.MaxPageSize"/>; the venue's
/// own cursor when it gives one, else the page's oldest id), rate-limited by a token bucket
/// (<see cref="BackfillOptions.RequestsPerSecond"/>), and produces every returned trade the gate still misses (so
/// overlap with the live stream or other pages is never produced twice). What is still missing after a fetch is tried
/// again after <see cref="BackfillOptions.RetryDelay"/>, at most <see cref="BackfillOptions.MaxAttempts"/> times, then
/// reported unfilled. Every failed request is logged and counted (<c>ingest.backfill.requests{outcome=error}</c>).
/// </summary>
public sealed class Backfiller(
    TradeGate gate,
    ITradeHistory history,
    ITradeOutput output,
    GapReporter reporter,
    BackfillOptions options,
    IngestMetrics metrics,
    IngestStatus status,
    ILogger<Backfiller> logger,
    TimeProvider timeProvider)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var rate = options.RequestsPerSecond > 0 ? options.RequestsPerSecond : 1;
        using var limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, (int)Math.Ceiling(rate)),
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1 / rate),
            QueueLimit = 1,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await reporter.FlushAsync(output, cancellationToken).ConfigureAwait(false);
                var due = gate.TakeDueGaps(options.Delay, max: 64);
                foreach (var work in due)
                {
                    await FillAsync(work, limiter, cancellationToken).ConfigureAwait(false);
                }

                await reporter.FlushAsync(output, cancellationToken).ConfigureAwait(false);
                if (due.Count == 0)
                {
                    await Task.Delay(options.PollInterval, timeProvider, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>One fetch of one gap (all its pages); returns the trades produced.</summary>
    public async Task<int> FillAsync(GapWork work, RateLimiter limiter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limiter);
        var (stream, range) = (work.Stream, work.Range);
        var product = StreamKey.Parse(stream).Product;
        var pageSize = Math.Clamp(options.PageSize, 1, history.MaxPageSize);
        var cursor = range.Last + 1;
        var maxPages = (range.Count / pageSize) + 2;
        var produced = 0;
        string? failure = null;
        try
        {
            for (var pages = 0; cursor > range.First && pages < maxPages; pages++)
            {
                using var lease = await limiter.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
                var limit = (int)Math.Min(pageSize, cursor - range.First);
                var page = await history.GetTradesAsync(product, cursor, limit, cancellationToken).ConfigureAwait(false);
                metrics.BackfillRequest("ok");
                if (page.Invalid is { } invalid)
                {
                    failure = $"REST page had a bad trade ({invalid})";
                    logger.BackfillPageInvalid(stream, range, failure);
                }

                var oldest = long.MaxValue;
                foreach (var trade in page.Trades)
                {
                    oldest = Math.Min(oldest, trade.TradeId);
                    if (!range.Contains(trade.TradeId))
                    {
                        continue;
                    }

                    if (gate.Admit(stream, trade.TradeId, time: trade.Time) == Admission.FillsGap)
                    {
                        await output.PublishAsync(trade, cancellationToken).ConfigureAwait(false);
                        produced++;
                    }
                    else
                    {
                        metrics.Duplicate("backfill_overlap");
                    }
                }

                if (page.Trades.Count == 0)
                {
                    break;
                }

                var next = page.Next is { } after && after < cursor ? after : oldest;
                if (next >= cursor)
                {
                    break;
                }

                cursor = next;
                if ((pages + 1) % 10 == 0)
                {
                    logger.BackfillProgress(stream, range, range.Last + 1 - cursor, range.Count, produced);
                }
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            failure = e.Message;
            metrics.BackfillRequest("error");
            logger.BackfillAttemptFailed(stream, range, work.Attempts + 1, e.Message);
        }

        metrics.Backfilled(produced);
        metrics.Trades(produced, "backfill");
        status.CountBackfilled(produced);
        status.CountTrades(produced);
        if (produced > 0)
        {
            logger.Backfilled(stream, range, produced, range.Count);
        }

        gate.CompleteFetch(stream, range, options.MaxAttempts, options.RetryDelay, failure ?? "REST did not return these trade ids");
        return produced;
    }
}
