using System.Diagnostics.Metrics;

namespace BitcoinVolume.Sink.Consumer;

/// <summary>The sink's instruments, on the meter <c>BitcoinVolume.Sink</c>.</summary>
public sealed class SinkMetrics
{
    public const string MeterName = "BitcoinVolume.Sink";

    private readonly Counter<long> recordsConsumed;
    private readonly Counter<long> recordsInvalid;
    private readonly Counter<long> rowsUpserted;
    private readonly Counter<long> rowsUnchanged;
    private readonly Counter<long> batches;
    private readonly Counter<long> upsertErrors;
    private readonly Counter<long> commitErrors;
    private readonly Histogram<double> upsertDuration;
    private readonly Histogram<double> lag;
    private readonly Counter<long> upsertRetries;
    private readonly Counter<long> storeRetries;
    private readonly UpDownCounter<long> paused;
    private readonly UpDownCounter<long> streamClients;
    private readonly Counter<long> streamResyncs;
    private readonly Counter<long> statusInvalid;

    public SinkMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        recordsConsumed = meter.CreateCounter<long>("sink.records.consumed", "{record}", "Records read from volumes.1m.");
        recordsInvalid = meter.CreateCounter<long>("sink.records.invalid", "{record}", "Records skipped because they could not be decoded (tag: reason).");
        rowsUpserted = meter.CreateCounter<long>("sink.rows.upserted", "{row}", "Rows inserted or replaced by a newer version.");
        rowsUnchanged = meter.CreateCounter<long>("sink.rows.unchanged", "{row}", "Rows written whose stored version was the same or newer (no-op).");
        batches = meter.CreateCounter<long>("sink.batches", "{batch}", "Batches written and committed.");
        upsertErrors = meter.CreateCounter<long>("sink.upsert.errors", "{error}", "Batch writes that failed after all retries (the batch is retried).");
        commitErrors = meter.CreateCounter<long>("sink.commit.errors", "{error}", "Kafka offset commits that failed (records are redelivered; writes are idempotent).");
        upsertDuration = meter.CreateHistogram<double>(
            "sink.upsert.duration", "s", "Duration of one batch transaction.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        lag = meter.CreateHistogram<double>(
            "sink.lag", "s",
            "End-to-end lag of each committed row: from min(window end, Kafka record timestamp) to the database commit.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600] });
        upsertRetries = meter.CreateCounter<long>("sink.upsert.retries", "{retry}", "Retries of a failed batch write (tag: store).");
        storeRetries = meter.CreateCounter<long>("sink.store.retries", "{retry}", "Retries inside a store, e.g. BigQuery HTTP 5xx or transient insertErrors (tags: store, reason).");
        paused = meter.CreateUpDownCounter<long>("sink.consumer.paused", "{consumer}", "1 while consumption is paused because the database cannot be written.");
        streamClients = meter.CreateUpDownCounter<long>("sink.stream.clients", "{client}", "Connected /api/volumes/stream (SSE) clients.");
        statusInvalid = meter.CreateCounter<long>("sink.status.invalid", "{record}", "Records of topic status skipped because they could not be read (tag: reason).");
        streamResyncs = meter.CreateCounter<long>("sink.stream.resyncs", "{event}", "Updates dropped for a slow stream client (it was sent a resync event instead).");
    }

    public void RecordConsumed() => recordsConsumed.Add(1);

    public void RecordInvalid(string reason) => recordsInvalid.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void RecordBatchWritten(int rows, int changed, TimeSpan duration)
    {
        rowsUpserted.Add(changed);
        rowsUnchanged.Add(rows - changed);
        upsertDuration.Record(duration.TotalSeconds);
    }

    public void RecordBatchCommitted() => batches.Add(1);

    public void RecordUpsertError() => upsertErrors.Add(1);

    public void RecordLag(TimeSpan lag) => this.lag.Record(Math.Max(0, lag.TotalSeconds));

    public void RecordUpsertRetry(string store) => upsertRetries.Add(1, new KeyValuePair<string, object?>("store", store));

    public void RecordStoreRetry(string store, string reason) =>
        storeRetries.Add(1, new KeyValuePair<string, object?>("store", store), new KeyValuePair<string, object?>("reason", reason));

    public void RecordPaused(bool paused) => this.paused.Add(paused ? 1 : -1);

    public void RecordStreamClient(bool connected) => streamClients.Add(connected ? 1 : -1);

    public void RecordStreamResync() => streamResyncs.Add(1);

    public void RecordCommitError() => commitErrors.Add(1);

    public void RecordStatusInvalid(string reason) => statusInvalid.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
