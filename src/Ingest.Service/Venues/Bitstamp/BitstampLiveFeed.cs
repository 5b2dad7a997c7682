using System.Text;

namespace BitcoinVolume.Ingest.Venues.Bitstamp;

/// <summary>
/// Bitstamp websocket v2: one <c>{"event":"bts:subscribe","data":{"channel":"live_trades_btcusd"}}</c> per product
/// (answered by <c>bts:subscription_succeeded</c> or <c>bts:error</c>); <c>{"event":"bts:heartbeat"}</c> every
/// <see cref="BitstampOptions.PingInterval"/> (answered by <c>bts:heartbeat</c>: the only traffic on a quiet pair); no
/// fixed maximum age (Bitstamp documents one of 90 days), and <c>bts:request_reconnect</c> — the server asking for a
/// new connection (e.g. before maintenance) — ends the session and makes a new one at once.
/// </summary>
public sealed class BitstampLiveFeed(BitstampOptions options, Func<string, string> symbolOf) : ILiveFeed
{
    private static readonly ReadOnlyMemory<byte> HeartbeatMessage = "{\"event\":\"bts:heartbeat\"}"u8.ToArray();

    public string Name => BitstampVenue.LiveSource;

    public Uri Url => options.Url;

    public LivePing Ping { get; } = options.PingInterval > TimeSpan.Zero ? new LivePing(options.PingInterval, HeartbeatMessage) : LivePing.None;

    public TimeSpan MaxConnectionAge => Timeout.InfiniteTimeSpan;

    public IReadOnlyList<ReadOnlyMemory<byte>> SubscribeMessages(IReadOnlyList<string> products)
    {
        ArgumentNullException.ThrowIfNull(products);
        return [.. products.Select(p => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(
            $$$"""{"event":"bts:subscribe","data":{"channel":"{{{BitstampFrameParser.TradesChannelPrefix}}}{{{symbolOf(p)}}}"}}"""))];
    }

    /// <summary><c>{"event":"bts:request_reconnect",…}</c>.</summary>
    public bool IsReconnectRequest(ReadOnlySpan<byte> frame) =>
        frame.IndexOf("\"bts:request_reconnect\""u8) >= 0 && frame.IndexOf("\"event\""u8) >= 0;
}
