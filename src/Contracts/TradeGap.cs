using System.Text;
using System.Text.Json.Serialization;
using Confluent.Kafka;

namespace BitcoinVolume.Contracts;

/// <summary>What ingest knows about a gap (<see cref="TradeGap.State"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<GapState>))]
public enum GapState
{
    /// <summary>Trades may be missing and ingest is still trying (a backfill is pending, or it will know at the next trade).</summary>
    [JsonStringEnumMemberName("open")]
    Open,

    /// <summary>The hole's trades are all on <see cref="Topics.Trades"/> now (before this marker, on the same partition).</summary>
    [JsonStringEnumMemberName("filled")]
    Filled,

    /// <summary>Ingest gave up: the trades will not come (backfill failed or impossible on this venue).</summary>
    [JsonStringEnumMemberName("unfilled")]
    Unfilled,
}

/// <summary>
/// A gap marker: ingest's knowledge that trades of one (venue, product) stream are (or were) missing, carried IN BAND on
/// <see cref="Topics.Trades"/> with the same key as the stream's trades (<see cref="Key"/> = <see cref="StreamKey.Of"/>), so it
/// lands on the same partition, ordered with them: a <see cref="GapState.Filled"/> marker comes after the backfilled trades.
/// A consumer tells a marker from a trade by the Kafka header <see cref="KindHeader"/> = <see cref="KindValue"/> (a trade has
/// no such header); a consumer that ignores headers must not read these records as trades. Markers of one gap share
/// <see cref="Id"/>; the latest one says what is known (its range replaces the earlier one's).
/// </summary>
/// <param name="Venue">Venue id (<see cref="Venues"/>).</param>
/// <param name="Product">Canonical product id.</param>
/// <param name="Id">Identity of the gap within its stream (e.g. <c>ids:1041-1060</c>, <c>sequence_gap:…</c>, <c>disconnect:…</c>).</param>
/// <param name="State">Open, filled or unfilled.</param>
/// <param name="From">Earliest event time the missing trades can have: the time of the last trade before the hole (or the disconnect).</param>
/// <param name="To">Latest event time they can have: the time of the first trade after the hole (or the reconnect, or when it was seen).</param>
/// <param name="Cause">Machine-readable cause: <c>trade_id_gap</c>, <c>heartbeat_gap</c>, <c>sequence_gap</c>, <c>disconnect</c>, <c>restart</c>.</param>
/// <param name="Reason">Human-readable: what is missing and why (what a window's <see cref="WindowVolume.IncompleteReason"/> shows).</param>
public sealed record TradeGap(string Venue, string Product, string Id, GapState State, DateTimeOffset From, DateTimeOffset To, string Cause, string Reason)
{
    /// <summary>The Kafka header that marks a record of <see cref="Topics.Trades"/> as a gap marker.</summary>
    public const string KindHeader = "bv-kind";

    /// <summary>The value of <see cref="KindHeader"/> on a gap marker.</summary>
    public const string KindValue = "trade-gap";

    /// <summary>Cause: a jump of contiguous trade ids.</summary>
    public const string TradeIdGap = "trade_id_gap";

    /// <summary>Cause: a heartbeat named a trade id above the last one seen.</summary>
    public const string HeartbeatGap = "heartbeat_gap";

    /// <summary>Cause: a skipped per-connection sequence number (Coinbase Advanced Trade <c>sequence_num</c>).</summary>
    public const string SequenceGap = "sequence_gap";

    /// <summary>Cause: the connection dropped on a venue whose trades cannot be backfilled (ids not contiguous, no history).</summary>
    public const string Disconnect = "disconnect";

    /// <summary>
    /// Cause: ingest was down (stopped, killed, restarted); the trades between the last one it delivered before
    /// (<see cref="From"/>: the time of its stored mark) and the first one after the restart (<see cref="To"/>) were not
    /// received live. Filled when the backfill fetched them, unfilled when the venue cannot backfill.
    /// </summary>
    public const string Restart = "restart";

    private static readonly byte[] KindBytes = Encoding.UTF8.GetBytes(KindValue);

    /// <summary>First missing trade id, when known (trade-id gaps).</summary>
    public long? FirstTradeId { get; init; }

    /// <summary>Last missing trade id, when known.</summary>
    public long? LastTradeId { get; init; }

    /// <summary>The Kafka key: the stream's, as its trades'.</summary>
    [JsonIgnore]
    public string Key => StreamKey.Of(Venue, Product);

    /// <summary>True when the gap still makes windows incomplete (open or unfilled).</summary>
    [JsonIgnore]
    public bool Unresolved => State != GapState.Filled;

    /// <summary>The headers that mark a record as a gap marker.</summary>
    public static Headers MarkerHeaders(Headers? headers = null)
    {
        headers ??= [];
        headers.Add(KindHeader, KindBytes);
        return headers;
    }

    /// <summary>True when a record of <see cref="Topics.Trades"/> with these headers is a gap marker (not a trade).</summary>
    public static bool IsMarker(Headers? headers) =>
        headers is not null && headers.TryGetLastBytes(KindHeader, out var kind) && kind.AsSpan().SequenceEqual(KindBytes);
}
