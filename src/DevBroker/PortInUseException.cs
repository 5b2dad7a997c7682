using System.Net;

namespace BitcoinVolume.DevBroker;

/// <summary>The development broker's fixed port is taken by another process (or another broker).</summary>
public sealed class PortInUseException(IPAddress address, int port, Exception innerException)
    : InvalidOperationException(
        $"The development Kafka broker cannot listen on {new IPEndPoint(address, port)}: the port is already in use " +
        $"({innerException.Message}). Another development broker or a real Kafka broker is probably running there: stop it, " +
        "or set DevBroker:Port (environment variable DevBroker__Port) to another port (0 picks a free one).", innerException)
{
    /// <summary>The address the broker tried to listen on.</summary>
    public IPAddress Address { get; } = address;

    /// <summary>The port that is taken.</summary>
    public int Port { get; } = port;
}
