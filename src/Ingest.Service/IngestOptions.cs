using System.ComponentModel.DataAnnotations;
using BitcoinVolume.Ingest.Gaps;
using BitcoinVolume.Ingest.Parsing;
using BitcoinVolume.Ingest.Recovery;
using BitcoinVolume.Ingest.Venues;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Ingest;

/// <summary>
/// Settings of section <c>Ingest</c> (every one is documented with its default in docs/INGEST.md), checked at start by
/// <see cref="IngestOptionsValidator"/> (the data annotations and <see cref="IValidatableObject"/> rules of every nested
/// section) and <see cref="IngestSourceValidator"/> (<see cref="Source"/> names a registered venue's source).
/// </summary>
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
    [ValidateObjectMembers]
    public FrameParserOptions Parser { get; set; } = new();

    /// <summary>Live websocket feeds.</summary>
    [ValidateObjectMembers]
    public LiveOptions Live { get; set; } = new();

    /// <summary>REST backfill of missed trades (live sources only).</summary>
    [ValidateObjectMembers]
    public BackfillOptions Backfill { get; set; } = new();

    /// <summary>Dedup and gap tracking limits.</summary>
    [ValidateObjectMembers]
    public GapOptions Gaps { get; set; } = new();

    /// <summary>Recording of raw frames.</summary>
    [ValidateObjectMembers]
    public RecordOptions Record { get; set; } = new();

    /// <summary>Replay pacing.</summary>
    [ValidateObjectMembers]
    public ReplayOptions Replay { get; set; } = new();

    /// <summary>Restart recovery of dedup and gap state from the tail of `trades` (live sources).</summary>
    [ValidateObjectMembers]
    public RecoveryOptions Recovery { get; set; } = new();

    /// <summary>Durable high-water marks per (venue, product) on local disk (live sources).</summary>
    [ValidateObjectMembers]
    public IngestStateOptions State { get; set; } = new();

    /// <summary>Producer buffering and health.</summary>
    [ValidateObjectMembers]
    public KafkaProducerOptions Kafka { get; set; } = new();

    /// <summary>The products a live source subscribes to.</summary>
    public IReadOnlyList<string> LiveProducts => Products.Length == 0 ? ["BTC-USD"] : Products;
}

/// <summary>
/// Section <c>Ingest:Live</c>: the settings every venue's live source shares (a venue's own endpoints are its options,
/// e.g. <see cref="Venues.Coinbase.CoinbaseOptions"/>).
/// </summary>
public sealed class LiveOptions : IValidatableObject
{
    /// <summary>No frame at all (trade, heartbeat, anything) for this long: the connection is dropped and made again.</summary>
    [Range(typeof(TimeSpan), TimeSpanRange.Zero, TimeSpanRange.Max, MinimumIsExclusive = true)]
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Time allowed for the websocket handshake.</summary>
    [Range(typeof(TimeSpan), TimeSpanRange.Zero, TimeSpanRange.Max, MinimumIsExclusive = true)]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>First backoff delay after a failed connection (exponential, jittered).</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Cap of the backoff delay.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Consecutive failed connections before the source gives up (0 = never give up, the default).</summary>
    [Range(0, int.MaxValue)]
    public int MaxReconnectAttempts { get; set; }

    /// <summary>Consecutive failed connections after which <c>/health</c> reports unhealthy.</summary>
    [Range(1, int.MaxValue)]
    public int UnhealthyAfterFailures { get; set; } = 3;

    /// <summary>
    /// Refusals of one product's subscription (the venue's error answer) after which it is no longer asked for: it stays
    /// reported (health Unhealthy, status <c>refusals</c>) until the service restarts. A session with a refusal counts as a
    /// failed one, so reconnects after a refusal back off.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int MaxSubscriptionRefusals { get; set; } = 3;

    /// <summary>Capacity (frames) of the bounded channel between the socket reader and the parser.</summary>
    [Range(1, 1_000_000)]
    public int FrameBuffer { get; set; } = 10_000;

    /// <inheritdoc/>
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (!(ReconnectDelay > TimeSpan.Zero && MaxReconnectDelay >= ReconnectDelay))
        {
            yield return new("Ingest:Live:ReconnectDelay must be positive and at most Ingest:Live:MaxReconnectDelay", [nameof(ReconnectDelay)]);
        }
    }
}

/// <summary>Section <c>Ingest:Backfill</c>.</summary>
public sealed class BackfillOptions : IValidatableObject
{
    /// <summary>Fetch missed trades from REST (live sources). Off: gaps are still detected, counted and reported unfilled.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Grace period before a gap is fetched: a frame still on its way may fill it.</summary>
    [Range(typeof(TimeSpan), TimeSpanRange.Zero, TimeSpanRange.Max)]
    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The largest <see cref="PageSize"/> accepted; each venue's history clamps it further to its own limit.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>Trades per REST page (Coinbase allows at most 1000).</summary>
    [Range(1, MaxPageSize)]
    public int PageSize { get; set; } = 1000;

    /// <summary>REST requests per second (token bucket; Coinbase's public limit is 10/s).</summary>
    public double RequestsPerSecond { get; set; } = 5;

    /// <summary>Fetches of one gap before it is reported unfilled.</summary>
    [Range(1, int.MaxValue)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Wait before a gap that is still (partly) missing is fetched again.</summary>
    [Range(typeof(TimeSpan), TimeSpanRange.Zero, TimeSpanRange.Max)]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gaps larger than this are reported unfilled at once instead of being fetched.</summary>
    public long MaxGapTrades { get; set; } = 100_000;

    /// <summary>How often the backfiller looks for due gaps.</summary>
    [Range(typeof(TimeSpan), TimeSpanRange.Zero, TimeSpanRange.Max, MinimumIsExclusive = true)]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <inheritdoc/>
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        // Not [Range]: it has no long overload, and its double form cannot say "> 0, infinity allowed".
        if (!(RequestsPerSecond > 0))
        {
            yield return new("Ingest:Backfill:RequestsPerSecond must be positive", [nameof(RequestsPerSecond)]);
        }

        if (MaxGapTrades <= 0)
        {
            yield return new("Ingest:Backfill:MaxGapTrades must be positive", [nameof(MaxGapTrades)]);
        }
    }
}

/// <summary>Section <c>Ingest:Record</c>.</summary>
public sealed class RecordOptions : IValidatableObject
{
    /// <summary>Folder to record every raw frame into (rotating NDJSON files); unset = no recording.</summary>
    public string? Path { get; set; }

    /// <summary>A file is closed and a new one started past this size.</summary>
    public long MaxFileBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>A file is closed and a new one started after this long.</summary>
    [Range(typeof(TimeSpan), TimeSpanRange.Zero, TimeSpanRange.Max, MinimumIsExclusive = true)]
    public TimeSpan MaxFileAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Recording files kept; the oldest are deleted (0 = keep all).</summary>
    [Range(0, int.MaxValue)]
    public int MaxFiles { get; set; } = 168;

    /// <summary>Write each frame's receive time to a sidecar <c>.times</c> file (needed to replay at the recorded pace).</summary>
    public bool ReceiveTimes { get; set; } = true;

    /// <summary>How often buffered frames are flushed to disk.</summary>
    [Range(typeof(TimeSpan), TimeSpanRange.Zero, TimeSpanRange.Max, MinimumIsExclusive = true)]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <inheritdoc/>
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        // Not [Range]: it has no long overload.
        if (MaxFileBytes <= 0)
        {
            yield return new("Ingest:Record:MaxFileBytes must be positive", [nameof(MaxFileBytes)]);
        }
    }
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
public sealed class ReplayOptions : IValidatableObject
{
    public ReplayPace Pace { get; set; } = ReplayPace.Full;

    /// <summary>With the recorded pace: 2 replays twice as fast as recorded.</summary>
    public double Speed { get; set; } = 1;

    /// <inheritdoc/>
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        // Not [Range]: its double form cannot say "> 0, infinity allowed".
        if (!(Speed > 0))
        {
            yield return new("Ingest:Replay:Speed must be positive", [nameof(Speed)]);
        }
    }
}

/// <summary>Section <c>Ingest:Kafka</c>.</summary>
public sealed class KafkaProducerOptions
{
    /// <summary>Messages the producer buffers while Kafka is slow or down; then the reader is held back.</summary>
    [Range(1, int.MaxValue)]
    public int MaxBufferedMessages { get; set; } = 100_000;

    /// <summary>Kilobytes the producer buffers (librdkafka queue.buffering.max.kbytes).</summary>
    [Range(1, int.MaxValue)]
    public int MaxBufferedKbytes { get; set; } = 64 * 1024;

    /// <summary>Messages waiting and no acknowledgement for this long: <c>/health</c> reports unhealthy.</summary>
    [Range(typeof(TimeSpan), TimeSpanRange.Zero, TimeSpanRange.Max, MinimumIsExclusive = true)]
    public TimeSpan UnhealthyAfter { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>At shutdown, how long to wait for Kafka to acknowledge what is buffered (what is not is lost with the process).</summary>
    public TimeSpan FlushTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Bounds of <see cref="TimeSpan"/> settings for <see cref="RangeAttribute"/>, which takes them as strings (a positive
/// one is <c>[Range(typeof(TimeSpan), Zero, Max, MinimumIsExclusive = true)]</c>). The source-generated validator words
/// a <see cref="RangeAttribute"/> failure itself and ignores <c>ErrorMessage</c> (dotnet/runtime#123137), so none is set:
/// the message names the setting by its path and the accepted values, e.g. "The field IngestOptions.Live.FrameBuffer
/// must be between 1 and 1000000."
/// </summary>
internal static class TimeSpanRange
{
    public const string Zero = "00:00:00";

    /// <summary><see cref="TimeSpan.MaxValue"/>.</summary>
    public const string Max = "10675199.02:48:05.4775807";
}

/// <summary>
/// Source-generated validation of <see cref="IngestOptions"/>: the data annotations of every nested section
/// (<see cref="ValidateObjectMembersAttribute"/>) and their <see cref="IValidatableObject"/> rules.
/// </summary>
[OptionsValidator]
internal sealed partial class IngestOptionsValidator : IValidateOptions<IngestOptions>;

/// <summary>
/// Checks that <c>Ingest:Source</c> parses and names a live source of a registered venue (or is a replay/synthetic
/// source). A separate hand-written validator, registered beside <see cref="IngestOptionsValidator"/>, because the set of
/// valid names is not a constant: it comes from the <see cref="VenueRegistry"/> in the container, which neither a data
/// annotation nor <see cref="IValidatableObject.Validate"/> on the options class can reach.
/// </summary>
internal sealed class IngestSourceValidator(VenueRegistry venues, IConfiguration configuration) : IValidateOptions<IngestOptions>
{
    public ValidateOptionsResult Validate(string? name, IngestOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            venues.Resolve(options.Source);
            var problems = Pipeline.VenuePlan.Problems(configuration).ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
        catch (ArgumentException e)
        {
            return ValidateOptionsResult.Fail(e.Message);
        }
    }
}
