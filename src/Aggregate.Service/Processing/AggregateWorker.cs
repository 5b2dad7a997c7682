using BitcoinVolume.Aggregate.State;
using BitcoinVolume.Contracts;
using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Aggregate.Processing;

/// <summary>
/// Consumes <c>trades</c> in <see cref="AggregateOptions.Loops"/> partition-parallel loops (<see cref="AggregateLoop"/>,
/// each with its own consumer in the one group, its own producer and its own partitions; one RocksDB store shared by all)
/// and keeps one aggregator per assigned partition (<see cref="PartitionOwnership"/>). Each loop:
/// fill a batch → <see cref="BatchProcessor"/> (apply → produce the FULL value of every changed window to
/// <c>volumes.1m</c> → flush → commit the partitions' state AND next input offsets to RocksDB in one atomic write) →
/// commit the group offsets (informational only). The topics were created at start (Kafka's topic provisioning). On assignment <see cref="PartitionRebalancer"/> seeks to the stored
/// offset. A crash at any point replays at most the uncommitted batch, which re-emits the same values: the sink keeps the
/// highest version, so nothing is lost or counted twice.
/// <para>
/// A partition this instance has no state for (first start, or moved here from a lost instance) is restored from its
/// newest checkpoint when <c>Aggregate:Checkpoints:Path</c> is set (<see cref="PartitionCheckpointer"/>, written every
/// interval between batches) and resumed at the checkpoint's next offset, else rebuilt from the start of the partition.
/// If the broker no longer has the records needed (retention), the partition is blocked and reported — never silently
/// skipped. A loop that fails stops the others (and the service); the gauges report the worst loop.
/// </para>
/// </summary>
public sealed class AggregateWorker(
    IConfiguration configuration,
    IOptions<AggregateOptions> options,
    AggregateMetrics metrics,
    AggregateStatus status,
    TimeProvider clock,
    ILogger<AggregateWorker> logger) : BackgroundService
{
    /// <summary>How long a blocked partition revoked from one of several loops stays reported (<see cref="AggregateStatus.UseLoops"/>).</summary>
    private static readonly TimeSpan ReleasedBlockGrace = TimeSpan.FromSeconds(30);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var store = new PartitionStateStore(settings.StatePath, settings.SyncStateWrites);
        logger.StateOpened(store.Path, settings.SyncStateWrites);

        var log = LogIdentityProbe.Discover(configuration, logger, stoppingToken);
        logger.InputLog(log, settings.ContinueAcrossBrokerRestarts && log.IsDevelopmentBroker
            ? "kept across development broker restarts (Aggregate:ContinueAcrossBrokerRestarts): read from the start of the new log"
            : "blocked and reported");
        var checkpoints = settings.Checkpoints.Enabled ? new FolderCheckpointStorage(settings.Checkpoints.Path!) : null;
        var loops = Enumerable.Range(0, settings.Loops)
            .Select(i => new AggregateLoop(i, configuration, settings, store, log, checkpoints, metrics, status, clock, logger))
            .ToList();
        metrics.Observe(() => loops.Max(l => l.WatermarkLagSeconds), () => store.ApproximateSize);
        if (checkpoints is null)
        {
            logger.CheckpointsDisabled();
        }
        else
        {
            logger.CheckpointsEnabled(checkpoints.Location, settings.Checkpoints.Interval, settings.Checkpoints.Retain);
            metrics.ObserveCheckpointAge(() => loops.Max(l => l.CheckpointAgeSeconds));
        }

        status.UseLoops(settings.Loops, ReleasedBlockGrace);
        logger.LoopsStarting(settings.Loops, Environment.ProcessorCount);
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var running = loops.Select(loop => Task.Factory.StartNew(() =>
        {
            try
            {
                loop.Run(stopping.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                logger.LoopFailed(e, settings.Loops);
                stopping.Cancel(); // one failed loop stops them all: the service stops and /health says so, never half running
                throw;
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();

        // The store is disposed only after every loop has closed its consumer.
        Task.WhenAll(running).GetAwaiter().GetResult();
    }
}
