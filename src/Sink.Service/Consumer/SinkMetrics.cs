using System.Diagnostics.Metrics;

namespace BitcoinVolume.Sink.Consumer;

/// <summary>The sink's instruments, on the meter <c>BitcoinVolume.Sink</c>.</summary>
public sealed class SinkMetrics
{
    public const string MeterName = "BitcoinVolume.Sink";

    private readonly Counter<long> _recordsConsumed;
    private readonly Counter<long> _recordsInvalid;
    private readonly Counter<long> _rowsUpserted;
    private readonly Counter<long> _rowsUnchanged;
    private readonly Counter<long> _batches;
    private readonly Counter<long> _upsertErrors;
    private readonly Counter<long> _commitErrors;
    private readonly Histogram<double> _upsertDuration;

    public SinkMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _recordsConsumed = meter.CreateCounter<long>("sink.records.consumed", "{record}", "Records read from volumes.1m.");
        _recordsInvalid = meter.CreateCounter<long>("sink.records.invalid", "{record}", "Records skipped because they could not be decoded (tag: reason).");
        _rowsUpserted = meter.CreateCounter<long>("sink.rows.upserted", "{row}", "Rows inserted or replaced by a newer version.");
        _rowsUnchanged = meter.CreateCounter<long>("sink.rows.unchanged", "{row}", "Rows written whose stored version was the same or newer (no-op).");
        _batches = meter.CreateCounter<long>("sink.batches", "{batch}", "Batches written and committed.");
        _upsertErrors = meter.CreateCounter<long>("sink.upsert.errors", "{error}", "Batch writes that failed after all retries (the batch is retried).");
        _commitErrors = meter.CreateCounter<long>("sink.commit.errors", "{error}", "Kafka offset commits that failed (records are redelivered; writes are idempotent).");
        _upsertDuration = meter.CreateHistogram<double>(
            "sink.upsert.duration", "s", "Duration of one batch transaction.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
    }

    public void RecordConsumed() => _recordsConsumed.Add(1);

    public void RecordInvalid(string reason) => _recordsInvalid.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void RecordBatchWritten(int rows, int changed, TimeSpan duration)
    {
        _rowsUpserted.Add(changed);
        _rowsUnchanged.Add(rows - changed);
        _upsertDuration.Record(duration.TotalSeconds);
    }

    public void RecordBatchCommitted() => _batches.Add(1);

    public void RecordUpsertError() => _upsertErrors.Add(1);

    public void RecordCommitError() => _commitErrors.Add(1);
}
