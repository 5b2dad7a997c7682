using System.Net;
using System.Net.Sockets;

namespace BitcoinVolume.DevBroker;

/// <summary>The development broker's log messages (source-generated).</summary>
internal static partial class DevBrokerLog
{
    [LoggerMessage(1, LogLevel.Warning,
        "This is a DEVELOPMENT Kafka broker (librdkafka {Version} mock cluster, 1 broker), NOT for production: everything " +
        "is kept in memory only, at most ~5 MiB per partition (older data is dropped), and nothing survives a restart. " +
        "Use a real Kafka cluster (set ConnectionStrings__kafka) for anything that matters.")]
    public static partial void NotForProduction(ILogger logger, string version);

    [LoggerMessage(2, LogLevel.Information,
        "Development Kafka broker ready: bootstrap.servers={BootstrapServers} (forwarded to the mock broker at {MockEndPoint}; librdkafka loaded from {Library})")]
    public static partial void Ready(ILogger logger, string bootstrapServers, IPEndPoint mockEndPoint, string library);

    [LoggerMessage(3, LogLevel.Information, "Development Kafka broker topics: {Topics}")]
    public static partial void TopicsCreated(ILogger logger, string topics);

    [LoggerMessage(4, LogLevel.Information, "Development Kafka broker on {BootstrapServers} stopped; its data is gone.")]
    public static partial void Stopped(ILogger logger, string bootstrapServers);

    [LoggerMessage(5, LogLevel.Critical, "The development Kafka broker could not start: {Reason}")]
    public static partial void StartFailed(ILogger logger, string reason);

    [LoggerMessage(6, LogLevel.Warning, "Development broker forwarder: accept failed ({Error}).")]
    public static partial void AcceptFailed(ILogger logger, Exception exception, SocketError error);

    [LoggerMessage(7, LogLevel.Warning, "Development broker forwarder: connection {Id} from {Client} could not reach the mock broker at {Upstream}: {Error}")]
    public static partial void UpstreamUnreachable(ILogger logger, long id, string? client, IPEndPoint? upstream, string error);

    [LoggerMessage(8, LogLevel.Debug, "Development broker forwarder: connection {Id} {Client} -> {Upstream}")]
    public static partial void ConnectionOpened(ILogger logger, long id, string? client, IPEndPoint? upstream);

    [LoggerMessage(9, LogLevel.Debug, "Development broker forwarder: connection {Id} closed")]
    public static partial void ConnectionClosed(ILogger logger, long id);

    [LoggerMessage(EventId = 10, Message = "librdkafka {Facility}: {Message}")]
    public static partial void Librdkafka(ILogger logger, LogLevel level, string? facility, string? message);

    [LoggerMessage(11, LogLevel.Information, "Development broker incarnation {Incarnation} (topic {Topic}): its log is in memory and starts empty; state built against another incarnation belongs to another log.")]
    public static partial void Incarnation(ILogger logger, string incarnation, string topic);
}
