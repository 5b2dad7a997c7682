using System.Diagnostics.Metrics;
using BitcoinVolume.Aggregate.Windowing;

namespace BitcoinVolume.Aggregate;

/// <summary>The service's OpenTelemetry instruments (meter <c>BitcoinVolume.Aggregate</c>).</summary>
public sealed class AggregateMetrics
{
    public const string MeterName = "BitcoinVolume.Aggregate";

    private readonly Counter<long> records;
    private readonly Counter<long> outcomes;
    private readonly Counter<long> windowsEmitted;
    private readonly Counter<long> largeTrades;
    private readonly Counter<long> badRecords;
    private readonly Counter<long> gapMarkers;
    private readonly Counter<long> fallenBehind;
    private readonly Histogram<int> batchSize;
    private readonly Histogram<double> commitDuration;
    private readonly Counter<long> checkpointsWritten;
    private readonly Counter<long> checkpointsRestored;
    private readonly Counter<long> checkpointsFailed;
    private readonly Histogram<double> checkpointDuration;
    private readonly Histogram<long> checkpointSize;
    private readonly Histogram<double> resumeDuration;
    private Func<double>? checkpointAge;
    private Func<double>? watermarkLag;
    private Func<long>? stateSize;

    public AggregateMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        records = meter.CreateCounter<long>("aggregate.records", "{record}", "Trade records consumed.");
        outcomes = meter.CreateCounter<long>("aggregate.trades", "{trade}", "Trades by outcome: counted, correction, duplicate (dedup hit), too_late (to trades.late).");
        windowsEmitted = meter.CreateCounter<long>("aggregate.windows.emitted", "{window}", "Window values produced to volumes.1m.");
        largeTrades = meter.CreateCounter<long>("aggregate.trades.large", "{trade}", "Large single trades produced to trades.large (Aggregate:LargeTrades:MinNotional).");
        badRecords = meter.CreateCounter<long>("aggregate.records.bad", "{record}", "Records on trades that could not be read (dead-lettered).");
        gapMarkers = meter.CreateCounter<long>("aggregate.gap_markers", "{marker}", "Gap markers applied, by state: open, filled, unfilled.");
        fallenBehind = meter.CreateCounter<long>("aggregate.partitions.fallen_behind", "{partition}", "Partitions whose stored offset is no longer on the broker (or is ahead of it).");
        batchSize = meter.CreateHistogram<int>("aggregate.batch.size", "{record}", "Records per processed batch.");
        commitDuration = meter.CreateHistogram<double>("aggregate.commit.duration", "s", "Output flush + state commit time per batch.");
        meter.CreateObservableGauge("aggregate.watermark.lag", () => watermarkLag?.Invoke() ?? 0, "s", "Wall clock minus the oldest partition watermark.");
        checkpointsWritten = meter.CreateCounter<long>("aggregate.checkpoints.written", "{checkpoint}", "Partition checkpoints written to Aggregate:Checkpoints:Path.");
        checkpointsRestored = meter.CreateCounter<long>("aggregate.checkpoints.restored", "{checkpoint}", "Partitions restored from a checkpoint on assignment.");
        checkpointsFailed = meter.CreateCounter<long>("aggregate.checkpoints.failed", "{checkpoint}", "Checkpoints that could not be written, read (unreadable: skipped for an older one) or deleted, by operation.");
        checkpointDuration = meter.CreateHistogram<double>("aggregate.checkpoint.duration", "s", "Time to export and write one partition checkpoint.");
        checkpointSize = meter.CreateHistogram<long>("aggregate.checkpoint.size", "By", "Bytes of one partition checkpoint.");
        resumeDuration = meter.CreateHistogram<double>("aggregate.partition.resume.duration", "s", "Assignment of a partition (state loaded or restored) until it caught up with the end of the log.");
        meter.CreateObservableGauge("aggregate.checkpoint.age", () => checkpointAge?.Invoke() ?? 0, "s", "Wall clock minus the oldest last checkpoint of the owned partitions: how much input a move would replay.");
        meter.CreateObservableGauge("aggregate.state.size", () => stateSize?.Invoke() ?? 0, "By", "Approximate RocksDB live data size.");
    }

    public void Observe(Func<double> lag, Func<long> size)
    {
        watermarkLag = lag;
        stateSize = size;
    }

    /// <summary>The checkpoint age gauge reads <paramref name="age"/>.</summary>
    public void ObserveCheckpointAge(Func<double> age) => checkpointAge = age;

    public void CheckpointWritten(long bytes, TimeSpan duration)
    {
        checkpointsWritten.Add(1);
        checkpointSize.Record(bytes);
        checkpointDuration.Record(duration.TotalSeconds);
    }

    public void CheckpointRestored() => checkpointsRestored.Add(1);

    public void CheckpointFailed(string operation) => checkpointsFailed.Add(1, new KeyValuePair<string, object?>("operation", operation));

    public void Resumed(TimeSpan duration) => resumeDuration.Record(duration.TotalSeconds);

    public void LargeTrade() => largeTrades.Add(1);

    public void Batch(int size)
    {
        records.Add(size);
        batchSize.Record(size);
    }

    public void Outcome(ApplyOutcome outcome) => outcomes.Add(1, new KeyValuePair<string, object?>("outcome", outcome switch
    {
        ApplyOutcome.Counted => "counted",
        ApplyOutcome.Correction => "correction",
        ApplyOutcome.Duplicate => "duplicate",
        _ => "too_late",
    }));

    public void WindowsEmitted(int count) => windowsEmitted.Add(count);

    public void BadRecord() => badRecords.Add(1);

    public void GapMarker(Contracts.GapState state) => gapMarkers.Add(1, new KeyValuePair<string, object?>("state", state switch
    {
        Contracts.GapState.Open => "open",
        Contracts.GapState.Filled => "filled",
        _ => "unfilled",
    }));

    public void FallenBehind() => fallenBehind.Add(1);

    public void Commit(TimeSpan duration) => commitDuration.Record(duration.TotalSeconds);
}
