namespace BitcoinVolume.Contracts;

/// <summary>
/// The Kafka topics that connect the services. Names and partition counts are the contract:
/// the development broker creates exactly these, Terraform provisions exactly these, and
/// services create missing ones (idempotently) on a real cluster.
/// </summary>
public static class Topics
{
    /// <summary>Normalized trades (<see cref="Trade"/>), key = <see cref="StreamKey.Of"/>(venue, product), value = JSON.</summary>
    public const string Trades = "trades";

    /// <summary>Frames that could not be turned into trades (<see cref="DeadLetter"/>), key = reason.</summary>
    public const string TradesDeadLetter = "trades.dlq";

    /// <summary>Trades older than the aggregator's retention horizon, value = <see cref="Trade"/>.</summary>
    public const string TradesLate = "trades.late";

    /// <summary>
    /// Single trades at or above the aggregator's notional threshold of their quote currency (<see cref="LargeTrade"/>),
    /// key = <see cref="LargeTrade.Key"/> (<c>venue|product|tradeId</c>). Compacted: the key is the trade's identity.
    /// </summary>
    public const string TradesLarge = "trades.large";

    /// <summary>Full 1-minute window values (<see cref="WindowVolume"/>), key = <see cref="WindowVolume.Key"/> (venue, product, side, window start). Compacted.</summary>
    public const string Volumes1m = "volumes.1m";

    /// <summary>
    /// Full volume-at-price values of a base window (<see cref="FootprintWindow"/>), key = <see cref="FootprintWindow.Key"/>
    /// (venue, product, window start). Its own topic, since a window's levels are larger than its bar. Compacted.
    /// </summary>
    public const string Footprint1m = "footprint.1m";

    /// <summary>
    /// What the services report about themselves (<see cref="StatusReport"/>), key = <see cref="StatusReport.Key"/>
    /// (<c>service|instance</c>). Compacted: the latest report of every publisher stays; the sink reads it whole.
    /// </summary>
    public const string Status = "status";

    /// <summary>
    /// The development broker's incarnation (a contract between src/DevBroker and the aggregator): at start the
    /// development broker creates ONE topic named this prefix + 32 lowercase hex digits, a random id it generates for that
    /// run. Its in-memory log dies with it, so the suffix names the log: a restarted development broker has another one,
    /// a real cluster has no such topic. Not part of <see cref="All"/> (never provisioned, never read or written).
    /// </summary>
    public const string DevelopmentBrokerIncarnationPrefix = "_devbroker.incarnation.";

    /// <summary>The incarnation id in a topic name of <see cref="DevelopmentBrokerIncarnationPrefix"/>, else null.</summary>
    public static string? IncarnationOf(string topic) =>
        topic is not null && topic.StartsWith(DevelopmentBrokerIncarnationPrefix, StringComparison.Ordinal) && topic.Length > DevelopmentBrokerIncarnationPrefix.Length
            ? topic[DevelopmentBrokerIncarnationPrefix.Length..]
            : null;

    /// <summary>Every topic with its partition count.</summary>
    public static IReadOnlyList<TopicSpec> All { get; } =
    [
        new(Trades, 6, Compacted: false),
        new(TradesDeadLetter, 1, Compacted: false),
        new(TradesLate, 1, Compacted: false),
        new(Volumes1m, 6, Compacted: true),
        new(Footprint1m, 6, Compacted: true),
        new(Status, 1, Compacted: true),
        new(TradesLarge, 1, Compacted: true),
    ];
}

/// <summary>A topic name, its partition count and whether it is log-compacted.</summary>
public sealed record TopicSpec(string Name, int Partitions, bool Compacted);
