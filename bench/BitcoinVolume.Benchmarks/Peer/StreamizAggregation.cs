using System.Diagnostics;
using BitcoinVolume.Contracts;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.Stream;
using Streamiz.Kafka.Net.Table;

namespace BitcoinVolume.Benchmarks.Peer;

/// <summary>
/// The benchmark peer: Streamiz.Kafka.Net (a Kafka Streams port) running the same windowed aggregation as our aggregator
/// — per product, 1-minute tumbling event-time windows with 5 s grace, buy and sell totals in one value, kept in
/// Streamiz's default RocksDB window store (with its changelog) and every update written to an output topic — so both
/// can be measured on the same broker in the same run.
/// </summary>
/// <remarks>
/// Processing guarantee is AT_LEAST_ONCE: the development broker (librdkafka's mock cluster) "commits" transactions
/// without storing their offsets and hands aborted records to read_committed consumers, so
/// EXACTLY_ONCE would only measure a broken protocol. The mock cannot create topics either: every topic of
/// <see cref="TopicsToCreate"/> must exist before <see cref="Start"/>. The consumer group is the application id and
/// starts from the earliest offset when it has no committed one, and uses the KIP-848 consumer group protocol (see
/// <see cref="Start"/>). A second run on the same broker needs another application id and output topic: the committed
/// offsets and the changelog of the first would otherwise be resumed.
/// </remarks>
public sealed class StreamizAggregation : IAsyncDisposable
{
    /// <summary>Streamiz's application id: its consumer group id and the prefix of its internal topics.</summary>
    public const string ApplicationId = "bench-streamiz";

    /// <summary>The window store's name; its changelog topic is <c>&lt;application id&gt;-peer-windows-changelog</c>.</summary>
    public const string StoreName = "peer-windows";

    /// <summary>The window size, as our aggregator's.</summary>
    public static readonly TimeSpan WindowSize = WindowSpec.Default.Length;

    /// <summary>How long after a window's end late trades are still counted, as our aggregator's.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    private readonly KafkaStream stream;
    private readonly string stateDirectory;
    private long processed;
    private long firstProcessed;
    private long lastProcessed;
    private volatile string state = "CREATED";

    private StreamizAggregation(KafkaStream stream, string stateDirectory)
    {
        this.stream = stream;
        this.stateDirectory = stateDirectory;
        stream.StateChanged += (_, newState) => state = newState.ToString();
    }

    /// <summary>Input records processed so far (counted by a Peek before the aggregation; replays after a rebalance count again).</summary>
    public long Processed => Interlocked.Read(ref processed);

    /// <summary>Time from the first processed record to the latest one; zero before any.</summary>
    public TimeSpan ProcessingTime
    {
        get
        {
            var first = Interlocked.Read(ref firstProcessed);
            return first == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(first, Interlocked.Read(ref lastProcessed));
        }
    }

    /// <summary>Streamiz's state (CREATED, REBALANCING, RUNNING, PENDING_SHUTDOWN, NOT_RUNNING, ERROR): ERROR means it stopped for good.</summary>
    public string State => state;

    /// <summary>The changelog topic Streamiz writes the window store to, named as Streamiz names it.</summary>
    public static string ChangelogTopic(string applicationId = ApplicationId) => $"{applicationId}-{StoreName}-changelog";

    /// <summary>
    /// Every topic Streamiz needs besides the input topic — its window store's changelog and the output topic — with the
    /// input's partition count (Streamiz requires co-partitioned changelogs). There is no repartition topic: the input
    /// key already is the product.
    /// </summary>
    public static IReadOnlyList<TopicSpec> TopicsToCreate(int partitions, string outputTopic, string applicationId = ApplicationId) =>
    [
        new(ChangelogTopic(applicationId), partitions, Compacted: true),
        new(outputTopic, partitions, Compacted: false),
    ];

    /// <summary>
    /// Builds the topology and starts <paramref name="threads"/> stream threads with a fresh state directory. Returns when
    /// Streamiz has started; processing begins about 0.5 s later (a second thread gets its partitions ~3 s later). The
    /// group uses the KIP-848 consumer protocol, which the development broker supports (a real cluster needs Kafka 4).
    /// </summary>
    public static StreamizAggregation Start(
        string bootstrapServers,
        string inputTopic,
        string outputTopic,
        int threads,
        ILoggerFactory? loggerFactory = null,
        string applicationId = ApplicationId)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        var stateDirectory = Directory.CreateTempSubdirectory("streamiz-peer-").FullName;
        var config = new StreamConfig<StringSerDes, TradeSerDes>
        {
            ApplicationId = applicationId,
            BootstrapServers = bootstrapServers,
            NumStreamThreads = threads,
            Guarantee = ProcessingGuarantee.AT_LEAST_ONCE,
            CommitIntervalMs = 100,
            StateDir = stateDirectory,
            AutoOffsetReset = AutoOffsetReset.Earliest, // librdkafka's default is latest
            DefaultTimestampExtractor = new TradeTimeExtractor(),
            CompressionType = CompressionType.Lz4, // the changelog and output carry one value per trade: keep them under the mock's cap
            Logger = loggerFactory ?? NullLoggerFactory.Instance,

            // KIP-848 consumer protocol (the assignor is the broker's, so no partition.assignment.strategy). With the classic
            // protocol the first thread takes every partition, its next commit fails with REBALANCE_IN_PROGRESS when the second
            // thread joins, Streamiz treats that as fenced, closes its tasks dirty and waits ~45 s for the reassignment — and the
            // replayed records are counted twice (at-least-once). With this protocol the partitions move in ~3 s, cleanly.
            GroupProtocol = GroupProtocol.Consumer,
            PartitionAssignmentStrategy = null,
        };

        StreamizAggregation? aggregation = null;
        var builder = new StreamBuilder();
        builder.Stream(inputTopic, new StringSerDes(), new TradeSerDes(), new TradeTimeExtractor())
            .Peek((_, _, _) => aggregation!.Count())
            .GroupByKey()
            .WindowedBy(TumblingWindowOptions.Of(WindowSize, Grace))
            .Aggregate(
                () => PeerVolume.Empty,
                (_, trade, volume) => volume.Add(trade),
                RocksDbWindows.As<string, PeerVolume, StringSerDes, PeerVolumeSerDes>(StoreName, windowSize: WindowSize))
            .ToStream()
            .To(outputTopic, new TimeWindowedSerDes<string>(new StringSerDes(), (long)WindowSize.TotalMilliseconds), new PeerVolumeSerDes());

        var stream = new KafkaStream(builder.Build(), config);
        aggregation = new StreamizAggregation(stream, stateDirectory);
        stream.StartAsync().GetAwaiter().GetResult();
        return aggregation;
    }

    /// <summary>Stops and disposes the Streamiz instance, then deletes its state directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.Run(stream.Dispose).ConfigureAwait(false);
        try
        {
            Directory.Delete(stateDirectory, recursive: true);
        }
        catch (IOException)
        {
            // RocksDB may still hold a file for a moment; the folder is under the temp directory anyway.
        }
    }

    private void Count()
    {
        var now = Stopwatch.GetTimestamp();
        Interlocked.CompareExchange(ref firstProcessed, now, 0);
        Interlocked.Exchange(ref lastProcessed, now);
        Interlocked.Increment(ref processed);
    }
}
