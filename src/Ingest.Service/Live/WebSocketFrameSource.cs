using System.Buffers;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using BitcoinVolume.Ingest.Sources;
using BitcoinVolume.Ingest.Venues;
using Polly;
using Polly.Retry;

namespace BitcoinVolume.Ingest.Live;

/// <summary>
/// A venue's live websocket feed as a stream of raw frames — the shared part of every venue's live source; what is
/// particular to the venue (URL, subscribe messages, pings, maximum connection age, server-requested reconnects) comes
/// from its <see cref="ILiveFeed"/>. The socket is read on its own task and frames are handed to the parser through a
/// bounded channel (<see cref="LiveOptions.FrameBuffer"/>): a slow consumer holds the reader back instead of growing
/// memory. A watchdog drops the connection when no frame at all (trade, heartbeat, anything) arrives within
/// <see cref="LiveOptions.StallTimeout"/>; every session end is logged with its cause, counted (<c>ingest.reconnects</c>)
/// and followed by a new connection through <see cref="ReconnectPolicy"/>. Missed trades are not this class's business:
/// the gate sees the trade id jump and the backfiller fetches them.
/// </summary>
public sealed class WebSocketFrameSource(
    ILiveFeed feed,
    IReadOnlyList<string> products,
    LiveOptions options,
    int maxFrameBytes,
    IngestStatus status,
    IngestMetrics metrics,
    ILogger logger,
    TimeProvider timeProvider) : IFrameSource
{
    private const int ReceiveBufferBytes = 64 * 1024;
    private readonly HashSet<string> givenUp = new(StringComparer.Ordinal);
    private long connections;

    private Uri Url => feed.Url;

    private string FeedName => feed.Name;

    public string Description => $"{FeedName} {Url} [{string.Join(",", products)}]";

    public async IAsyncEnumerable<RawFrame> ReadFramesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<RawFrame>(new BoundedChannelOptions(Math.Max(1, options.FrameBuffer))
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        metrics.ObserveFrameBuffer(() => channel.Reader.Count);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reader = Task.Run(() => ReadLoopAsync(channel.Writer, stop.Token), CancellationToken.None);
        try
        {
            await foreach (var frame in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return frame;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Sessions, one after the other, until cancelled or the policy gives up.</summary>
    private async Task ReadLoopAsync(ChannelWriter<RawFrame> writer, CancellationToken cancellationToken)
    {
        status.LiveSource();
        var pipeline = ReconnectPolicy.Create(options, OnRetryAsync, timeProvider, $"{FeedName}-reconnect");
        Exception? error = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var outcome = await pipeline.ExecuteAsync(
                    static (state, token) => new ValueTask<SessionOutcome>(state.Self.RunSessionAsync(state.Writer, token)),
                    (Self: this, Writer: writer),
                    cancellationToken).ConfigureAwait(false);
                if (outcome.Cause == ReconnectCauses.Rejected)
                {
                    error = new InvalidOperationException($"{FeedName}: {outcome.Detail}");
                    break;
                }

                if (!outcome.Healthy)
                {
                    error = new InvalidOperationException(
                        $"{FeedName}: gave up after {options.MaxReconnectAttempts} failed connections in a row (Ingest:Live:MaxReconnectAttempts); last: {outcome.Cause}: {outcome.Detail}");
                    break;
                }

                // A healthy session ended (dropped, stalled, closed): reconnect at once; the backoff starts over.
                status.SourceDisconnected(outcome.Cause, failed: false, outcome.Detail);
                metrics.Reconnect(outcome.Cause);
                logger.ConnectionEnded(FeedName, outcome.Cause, outcome.Detail, outcome.Frames);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            error = e;
        }

        writer.TryComplete(error);
    }

    private ValueTask OnRetryAsync(OnRetryArguments<SessionOutcome> args)
    {
        var cause = args.Outcome.Result?.Cause ?? ReconnectCauses.Error;
        var detail = args.Outcome.Result?.Detail ?? args.Outcome.Exception?.Message ?? "unknown";
        status.SourceDisconnected(cause, failed: true, detail);
        metrics.Reconnect(cause);
        logger.ConnectionFailed(FeedName, cause, detail, args.AttemptNumber + 1, args.RetryDelay.TotalSeconds);
        return ValueTask.CompletedTask;
    }

    /// <summary>One connection: connect, subscribe, read until it ends. Never throws except for cancellation.</summary>
    private async Task<SessionOutcome> RunSessionAsync(ChannelWriter<RawFrame> writer, CancellationToken cancellationToken)
    {
        var connection = Interlocked.Increment(ref connections);
        var origin = $"{FeedName}#{connection}";
        var started = timeProvider.GetTimestamp();
        var frames = 0L;
        var subscribing = Subscribable();
        if (subscribing.Count == 0)
        {
            return new SessionOutcome(true, ReconnectCauses.Rejected,
                $"the venue refused every product's subscription {options.MaxSubscriptionRefusals} times (Ingest:Live:MaxSubscriptionRefusals): " +
                string.Join("; ", status.Refusals.Select(r => $"{r.Product}: {r.Reason}")), 0);
        }

        var refusedBefore = status.SubscriptionRefusals;
        using var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(20);
        socket.Options.SetRequestHeader("User-Agent", "BitcoinVolume-Ingest/1.0");
        try
        {
            using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connectTimeout.CancelAfter(options.ConnectTimeout);
                try
                {
                    await socket.ConnectAsync(Url, connectTimeout.Token).ConfigureAwait(false);
                    foreach (var message in feed.SubscribeMessages(subscribing))
                    {
                        await socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, connectTimeout.Token).ConfigureAwait(false);
                    }
                }
                catch (Exception e) when (e is WebSocketException or HttpRequestException or IOException
                    || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    return new SessionOutcome(false, ReconnectCauses.ConnectFailed, e is OperationCanceledException ? $"no handshake within {options.ConnectTimeout}" : WhyNotConnected(e), 0);
                }
            }

            status.SourceConnected();
            logger.Connected(origin, Url, string.Join(",", subscribing));
            using var connected = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var pings = feed.Ping.Enabled ? PingAsync(socket, origin, connected.Token) : Task.CompletedTask;
            try
            {
                var (cause, detail) = await ReceiveAsync(socket, writer, origin, () => frames++, cancellationToken).ConfigureAwait(false);

                // In band, after the session's last frame: the pipeline marks the windows the loss can touch (gap markers).
                await writer.WriteAsync(RawFrame.EndOfSession(origin, timeProvider.GetUtcNow(), cause), cancellationToken).ConfigureAwait(false);

                // Ended by the venue's rules (maximum age, a reconnect it asked for), not by trouble: reconnect at once. A
                // session in which the venue refused a subscription is a failure (the reconnect backs off: no hot loop).
                var healthy = (cause is ReconnectCauses.MaxConnectionAge or ReconnectCauses.ReconnectRequested
                    || (frames > 0 && timeProvider.GetElapsedTime(started) >= options.StallTimeout))
                    && status.SubscriptionRefusals == refusedBefore;
                return new SessionOutcome(healthy, cause, detail, frames);
            }
            finally
            {
                await connected.CancelAsync().ConfigureAwait(false);
                await pings.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await CloseQuietlyAsync(socket).ConfigureAwait(false);
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.SessionError(e, origin);
            return new SessionOutcome(false, ReconnectCauses.Error, e.Message, frames);
        }
    }

    /// <summary>
    /// The products to subscribe on the next connection: all but those the venue refused
    /// <see cref="LiveOptions.MaxSubscriptionRefusals"/> times since they last traded (given up once, logged, reported).
    /// </summary>
    private List<string> Subscribable()
    {
        var subscribable = new List<string>(products.Count);
        foreach (var product in products)
        {
            var refused = status.RefusalsOf(product);
            if (refused < options.MaxSubscriptionRefusals)
            {
                subscribable.Add(product);
            }
            else if (givenUp.Add(product))
            {
                status.GiveUp(product);
                logger.SubscriptionGivenUp(FeedName, product, refused);
            }
        }

        return subscribable;
    }

    /// <summary>Reads messages until the connection ends; returns why it ended.</summary>
    private async Task<(string Cause, string Detail)> ReceiveAsync(ClientWebSocket socket, ChannelWriter<RawFrame> writer, string origin, Action counted, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferBytes);
        var message = new ArrayBufferWriter<byte>(ReceiveBufferBytes);
        using var age = feed.MaxConnectionAge == Timeout.InfiniteTimeSpan ? null : new CancellationTokenSource(feed.MaxConnectionAge, timeProvider);
        using var watchdog = age is null
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken)
            : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, age.Token);
        long? lastSequence = null; // per connection
        try
        {
            while (true)
            {
                message.ResetWrittenCount();
                var cut = false;
                ValueWebSocketReceiveResult result;
                do
                {
                    // The watchdog runs only while waiting for the socket, not while the channel holds us back.
                    watchdog.CancelAfter(options.StallTimeout);
                    try
                    {
                        result = await socket.ReceiveAsync(buffer.AsMemory(), watchdog.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (age?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
                    {
                        return (ReconnectCauses.MaxConnectionAge, $"connection reached its maximum age of {feed.MaxConnectionAge}");
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        return (ReconnectCauses.Stalled, $"no frame for {options.StallTimeout.TotalSeconds:0.###} s (Ingest:Live:StallTimeout)");
                    }
                    catch (WebSocketException e)
                    {
                        return (ReconnectCauses.ConnectionLost, e.Message);
                    }

                    watchdog.CancelAfter(Timeout.InfiniteTimeSpan);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        await CloseQuietlyAsync(socket).ConfigureAwait(false);
                        return (ReconnectCauses.ClosedByServer, $"{socket.CloseStatus} {socket.CloseStatusDescription}".Trim());
                    }

                    // Keep at most maxFrameBytes + 1 bytes: enough for the parser to dead-letter it as oversized.
                    var room = maxFrameBytes + 1 - message.WrittenCount;
                    var take = Math.Min(room, result.Count);
                    if (take > 0)
                    {
                        buffer.AsSpan(0, take).CopyTo(message.GetSpan(take));
                        message.Advance(take);
                    }

                    cut |= take < result.Count;
                }
                while (!result.EndOfMessage);

                if (cut)
                {
                    logger.FrameCut(origin, maxFrameBytes);
                }

                counted();
                await writer.WriteAsync(new RawFrame(message.WrittenSpan.ToArray(), origin, timeProvider.GetUtcNow()), cancellationToken).ConfigureAwait(false);
                if (feed.IsReconnectRequest(message.WrittenSpan))
                {
                    await CloseQuietlyAsync(socket).ConfigureAwait(false);
                    return (ReconnectCauses.ReconnectRequested, "the server asked for a reconnect");
                }

                // A skipped sequence number: frames were lost (the frame itself was handed on). Lower or repeated
                // numbers (out of order) are not a loss and do not move the expectation back.
                if (!cut && feed.SequenceOf(message.WrittenSpan) is { } sequence)
                {
                    if (lastSequence is { } last && sequence > last + 1)
                    {
                        status.CountSequenceGap();
                        metrics.SequenceGap(FeedName);
                        logger.SequenceGap(origin, last, sequence, sequence - last - 1);
                        await CloseQuietlyAsync(socket).ConfigureAwait(false);
                        return (ReconnectCauses.SequenceGap, $"sequence {sequence} after {last}: {sequence - last - 1} frame(s) lost");
                    }

                    lastSequence = Math.Max(sequence, lastSequence ?? long.MinValue);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Sends the feed's application-level ping every interval until the session ends (a failed send ends the pings; the receive loop sees the connection go).</summary>
    private async Task PingAsync(ClientWebSocket socket, string origin, CancellationToken cancellationToken)
    {
        var ping = feed.Ping;
        try
        {
            while (true)
            {
                await Task.Delay(ping.Interval, timeProvider, cancellationToken).ConfigureAwait(false);
                await socket.SendAsync(ping.Message, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            logger.PingNotSent(origin, e.Message);
        }
    }

    /// <summary>A failed connect in words: the socket's message and what lies under it ("Unable to connect to the remote server: Connection refused (127.0.0.1:9)").</summary>
    private static string WhyNotConnected(Exception e) =>
        e.GetBaseException() is var root && root != e && !string.IsNullOrEmpty(root.Message) && root.Message != e.Message ? $"{e.Message}: {root.Message}" : e.Message;

    private static async Task CloseQuietlyAsync(ClientWebSocket socket)
    {
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
            {
                // Best effort (a ping may be sending at the same moment); the socket is disposed right after.
            }
        }
    }
}
