using System.ComponentModel.DataAnnotations;
using BitcoinVolume.Aggregate.State;
using BitcoinVolume.Aggregate.Windowing;
using BitcoinVolume.Contracts;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Aggregate;

/// <summary>Settings of section <c>Aggregate</c>.</summary>
public sealed class AggregateOptions
{
    public const string Section = "Aggregate";

    /// <summary>Consumer group of the aggregator instances (they share the partitions of <c>trades</c>).</summary>
    public string GroupId { get; set; } = "aggregate";

    /// <summary>
    /// Partition-parallel loops of this instance: each has its own consumer in the group (so its own partitions of
    /// <c>trades</c>), its own producer and commits; all share the one RocksDB state folder. Default: the processor
    /// count. More loops than partitions leave the extra ones idle (members of the group without partitions).
    /// </summary>
    [Range(1, 1024)]
    public int Loops { get; set; } = Environment.ProcessorCount;

    /// <summary>At most this many records are processed per batch (one output flush per batch).</summary>
    [Range(1, 1_000_000)]
    public int BatchSize { get; set; } = 5000;

    /// <summary>
    /// How long a loop waits for the FIRST record of a batch (also how often an idle loop advances the watermarks of idle
    /// live partitions and writes due checkpoints). Once it has one, the batch takes only what the consumer has at once
    /// (up to <see cref="BatchSize"/>) and closes: no fixed wait pads the latency at low load, and at high load the
    /// records that arrived meanwhile make the batches grow.
    /// </summary>
    [Range(0, 60_000)]
    public int BatchMaxWaitMs { get; set; } = 50;

    /// <summary>Folder of this instance's RocksDB state. Every running instance needs its own.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Aggregate:StatePath must name a folder for the RocksDB state.")]
    public string StatePath { get; set; } = "data/aggregate-state";

    /// <summary>
    /// Keep the state when the development broker was restarted (a new, empty in-memory log: another incarnation than
    /// the one a partition's state was built against): windows, dedup state and clock are kept and the partition is read
    /// from the START of the new log, where dedup by trade id makes re-sent trades harmless. Default false: state built
    /// against another log is reported (the partition is blocked, <c>/health</c> unhealthy), never mixed. It only ever
    /// applies to the development broker (<see cref="BitcoinVolume.Contracts.Topics.DevelopmentBrokerIncarnationPrefix"/>);
    /// on a real cluster a changed cluster id is always blocked. The AppHost sets it to true with its development broker.
    /// </summary>
    public bool ContinueAcrossBrokerRestarts { get; set; }

    /// <summary>
    /// When a partition continues on a new development broker log (<see cref="ContinueAcrossBrokerRestarts"/>): its newest
    /// this many windows per stream (both sides counted; 240 = two hours of 1-minute windows) are emitted again, since what
    /// the old broker's <c>volumes.1m</c> held and the sink had not read yet died with it. The sink keeps the highest
    /// version, so a window it already has is unchanged. 0: none.
    /// </summary>
    [Range(0, 1_000_000)]
    public int ReemitWindowsOnNewLog { get; set; } = 240;

    /// <summary>fsync every state commit (survives machine crashes, not only process crashes).</summary>
    public bool SyncStateWrites { get; set; } = true;

    /// <summary>
    /// A partition whose newest trade is at most this far behind the wall clock is "live": while it is idle its
    /// watermark follows the wall clock, so windows become final within grace + a second even when trading stops.
    /// Older data (a replay) is never judged by the wall clock.
    /// </summary>
    public TimeSpan LiveThreshold { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Extra librdkafka consumer settings, e.g. <c>group.protocol</c> = <c>consumer</c>.</summary>
    public Dictionary<string, string> Kafka { get; set; } = [];

    /// <summary>Periodic checkpoints of each partition's state to shared storage, for moving partitions without replaying <c>trades</c> from its start.</summary>
    [ValidateObjectMembers]
    public CheckpointOptions Checkpoints { get; set; } = new();

    /// <summary>Volume at price per base window (<c>Aggregate:Footprint</c>), emitted to <c>footprint.1m</c>.</summary>
    [ValidateObjectMembers]
    public FootprintOptions Footprint { get; set; } = new();
    /// <summary>Large single trades kept as events on <c>trades.large</c> (<c>Aggregate:LargeTrades:MinNotional:&lt;QUOTE&gt;</c>).</summary>
    [ValidateObjectMembers]
    public LargeTradeOptions LargeTrades { get; set; } = new();

    /// <summary>Event-time window rules.</summary>
    [ValidateObjectMembers]
    public WindowingOptions Windowing { get; set; } = new();

    /// <summary>
    /// Size class boundaries per quote currency (<c>Aggregate:SizeClasses:USD = [1000, 10000, 100000, 1000000]</c>), laid
    /// over the defaults (<see cref="SizeClassTable"/>: 1k / 10k / 100k / 1M for USD, USDT, USDC, FDUSD, DAI, EUR, GBP;
    /// 0.01 / 0.1 / 1 / 10 for BTC; none for other quotes). Each base window's buy and sell trades are split by notional
    /// (price × size) into these classes (<see cref="WindowVolume.SizeClasses"/>). A change applies to windows created
    /// after it; a window keeps the boundaries it was created with. Stored in <see cref="WindowingOptions.SizeClasses"/>.
    /// </summary>
    public Dictionary<string, decimal[]?> SizeClasses
    {
        get => Windowing.SizeClasses;
        set => Windowing.SizeClasses = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>
    /// The base window (<c>Aggregate:Window</c>, default <c>1m</c>): a whole number of seconds that divides a minute
    /// (<c>1s</c> … <c>30s</c>) or a whole number of minutes that divides a day (<c>1m</c>, <c>5m</c>, … <c>1d</c>), see
    /// <see cref="WindowSpec"/>. Another value stops the service at start with a message naming the setting, the value and
    /// the rule. It must equal <c>Sink:Window</c>. Stored in (and read from) <see cref="WindowingOptions.Window"/>, which
    /// the aggregator and its state store are given.
    /// </summary>
    public WindowSpec Window
    {
        get => Windowing.Window;
        set => Windowing.Window = value ?? throw new ArgumentNullException(nameof(value));
    }
}

/// <summary>Source-generated validation of <see cref="AggregateOptions"/> (data annotations and <see cref="WindowingOptions"/>' rules).</summary>
[OptionsValidator]
internal sealed partial class AggregateOptionsValidator : IValidateOptions<AggregateOptions>;
