using BitcoinVolume.Ingest.Gaps;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Recovery;

namespace BitcoinVolume.Ingest;

/// <summary>Settings of section <c>Ingest</c> (every one is documented with its default in docs/INGEST.md).</summary>
public sealed class IngestOptions
{
    public const string Section = "Ingest";

    /// <summary>
    /// <c>live</c> (default, = <c>coinbase-exchange</c>), <c>coinbase-advanced</c>, <c>replay:PATH</c> (file, folder or
    /// glob) or <c>synthetic:k=v,…</c>.
    /// </summary>
    public string Source { get; set; } = "live";

    /// <summary>
    /// Products to take. Live sources subscribe to these (default BTC-USD); a replay or synthetic source keeps every
    /// product unless this is set, and then keeps only these.
    /// </summary>
    public string[] Products { get; set; } = [];

    /// <summary>Parser limits.</summary>
    public FrameParserOptions Parser { get; set; } = new();

    /// <summary>Live websocket feeds.</summary>
    public LiveOptions Live { get; set; } = new();

    /// <summary>REST backfill of missed trades (live sources only).</summary>
    public BackfillOptions Backfill { get; set; } = new();

    /// <summary>Dedup and gap tracking limits.</summary>
    public GapOptions Gaps { get; set; } = new();

    /// <summary>Recording of raw frames.</summary>
    public RecordOptions Record { get; set; } = new();

    /// <summary>Replay pacing.</summary>
    public ReplayOptions Replay { get; set; } = new();

    /// <summary>Restart recovery of dedup and gap state from the tail of `trades` (live sources).</summary>
    public RecoveryOptions Recovery { get; set; } = new();

    /// <summary>Producer buffering and health.</summary>
    public KafkaProducerOptions Kafka { get; set; } = new();

    /// <summary>The products a live source subscribes to.</summary>
    public IReadOnlyList<string> LiveProducts => Products.Length == 0 ? ["BTC-USD"] : Products;
}

/// <summary>
/// Section <c>Ingest:Live</c>: the settings every venue's live source shares (a venue's own endpoints are its options,
/// e.g. <see cref="Venues.Coinbase.CoinbaseOptions"/>).
/// </summary>
public sealed class LiveOptions
{
    /// <summary>No frame at all (trade, heartbeat, anything) for this long: the connection is dropped and made again.</summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Time allowed for the websocket handshake.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>First backoff delay after a failed connection (exponential, jittered).</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Cap of the backoff delay.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Consecutive failed connections before the source gives up (0 = never give up, the default).</summary>
    public int MaxReconnectAttempts { get; set; }

    /// <summary>Consecutive failed connections after which <c>/health</c> reports unhealthy.</summary>
    public int UnhealthyAfterFailures { get; set; } = 3;

    /// <summary>Capacity (frames) of the bounded channel between the socket reader and the parser.</summary>
    public int FrameBuffer { get; set; } = 10_000;
}

/// <summary>Section <c>Ingest:Backfill</c>.</summary>
public sealed class BackfillOptions
{
    /// <summary>Fetch missed trades from REST (live sources). Off: gaps are still detected, counted and reported unfilled.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Grace period before a gap is fetched: a frame still on its way may fill it.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The largest <see cref="PageSize"/> accepted; each venue's history clamps it further to its own limit.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>Trades per REST page (Coinbase allows at most 1000).</summary>
    public int PageSize { get; set; } = 1000;

    /// <summary>REST requests per second (token bucket; Coinbase's public limit is 10/s).</summary>
    public double RequestsPerSecond { get; set; } = 5;

    /// <summary>Fetches of one gap before it is reported unfilled.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Wait before a gap that is still (partly) missing is fetched again.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gaps larger than this are reported unfilled at once instead of being fetched.</summary>
    public long MaxGapTrades { get; set; } = 100_000;

    /// <summary>How often the backfiller looks for due gaps.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);
}

/// <summary>Section <c>Ingest:Record</c>.</summary>
public sealed class RecordOptions
{
    /// <summary>Folder to record every raw frame into (rotating NDJSON files); unset = no recording.</summary>
    public string? Path { get; set; }

    /// <summary>A file is closed and a new one started past this size.</summary>
    public long MaxFileBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>A file is closed and a new one started after this long.</summary>
    public TimeSpan MaxFileAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Recording files kept; the oldest are deleted (0 = keep all).</summary>
    public int MaxFiles { get; set; } = 168;

    /// <summary>Write each frame's receive time to a sidecar <c>.times</c> file (needed to replay at the recorded pace).</summary>
    public bool ReceiveTimes { get; set; } = true;

    /// <summary>How often buffered frames are flushed to disk.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>How a replay is paced.</summary>
public enum ReplayPace
{
    /// <summary>As fast as the pipeline takes frames.</summary>
    Full,

    /// <summary>At the recorded pace (from the sidecar receive times), divided by <see cref="ReplayOptions.Speed"/>.</summary>
    Recorded,
}

/// <summary>Section <c>Ingest:Replay</c>.</summary>
public sealed class ReplayOptions
{
    public ReplayPace Pace { get; set; } = ReplayPace.Full;

    /// <summary>With the recorded pace: 2 replays twice as fast as recorded.</summary>
    public double Speed { get; set; } = 1;
}

/// <summary>Section <c>Ingest:Kafka</c>.</summary>
public sealed class KafkaProducerOptions
{
    /// <summary>Messages the producer buffers while Kafka is slow or down; then the reader is held back.</summary>
    public int MaxBufferedMessages { get; set; } = 100_000;

    /// <summary>Kilobytes the producer buffers (librdkafka queue.buffering.max.kbytes).</summary>
    public int MaxBufferedKbytes { get; set; } = 64 * 1024;

    /// <summary>Messages waiting and no acknowledgement for this long: <c>/health</c> reports unhealthy.</summary>
    public TimeSpan UnhealthyAfter { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>At shutdown, how long to wait for Kafka to acknowledge what is buffered (what is not is lost with the process).</summary>
    public TimeSpan FlushTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
