namespace BitcoinVolume.Ingest.Venues;

/// <summary>
/// What is particular to one venue's websocket feed; the shared <see cref="Live.WebSocketFrameSource"/> does the rest
/// for every venue: connect (with a timeout), send <see cref="SubscribeMessages"/>, read frames on their own task into a
/// bounded channel, the stall watchdog, the reconnect policy (backoff, jitter, cap, give-up), counting and logging each
/// session end by cause, and — when a feed asks for them here — pings, a maximum connection age and reconnects the
/// server requests. Subscribe acknowledgements and error replies are ordinary frames: the venue's
/// <see cref="IFrameParser"/> skips the former and dead-letters the latter.
/// </summary>
public interface ILiveFeed
{
    /// <summary>The source name (<c>Ingest:Source</c>), e.g. <c>coinbase-exchange</c>: in logs and in each frame's origin (<c>NAME#connection</c>).</summary>
    string Name { get; }

    /// <summary>The websocket URL.</summary>
    Uri Url { get; }

    /// <summary>
    /// Application-level ping: the message to send every <see cref="LivePing.Interval"/> while connected (e.g. Bybit
    /// <c>{"op":"ping"}</c> every 20 s, OKX text <c>ping</c>), or <see cref="LivePing.None"/> when the protocol-level
    /// websocket keep-alive is enough.
    /// </summary>
    LivePing Ping { get; }

    /// <summary>
    /// The longest a connection may stay open (Binance ends connections at 24 h): the session is ended and a new one made
    /// (a healthy reconnect; the trade-id gap it may leave is backfilled). <see cref="Timeout.InfiniteTimeSpan"/> = no limit.
    /// </summary>
    TimeSpan MaxConnectionAge { get; }

    /// <summary>The messages to send after connecting, for these canonical (<c>BASE-QUOTE</c>) products; the feed maps them to its symbols.</summary>
    IReadOnlyList<ReadOnlyMemory<byte>> SubscribeMessages(IReadOnlyList<string> products);

    /// <summary>
    /// True when the frame is the server asking the client to reconnect (Bitstamp <c>bts:request_reconnect</c>): the frame
    /// is still handed on, then the session ends and a new one is made at once.
    /// </summary>
    bool IsReconnectRequest(ReadOnlySpan<byte> frame);

    /// <summary>
    /// The frame's number in a per-connection sequence that counts every frame (Coinbase Advanced Trade
    /// <c>sequence_num</c>), or null when the frame has none or the feed numbers nothing per connection (the default).
    /// A number above the next expected one means frames were lost: the source counts it, logs it and ends the
    /// connection (<see cref="Live.ReconnectCauses.SequenceGap"/>), so the new connection's snapshot and the gate's
    /// trade-id check recover or report what the lost frames held.
    /// </summary>
    long? SequenceOf(ReadOnlySpan<byte> frame) => null;
}

/// <summary>An application-level ping of a websocket feed.</summary>
/// <param name="Interval">How often to send it while connected; <see cref="TimeSpan.Zero"/> = never.</param>
/// <param name="Message">The text message.</param>
public sealed record LivePing(TimeSpan Interval, ReadOnlyMemory<byte> Message)
{
    /// <summary>No application-level ping.</summary>
    public static readonly LivePing None = new(TimeSpan.Zero, ReadOnlyMemory<byte>.Empty);

    public bool Enabled => Interval > TimeSpan.Zero;
}
