using System.Net;
using System.Net.Sockets;

namespace BitcoinVolume.TestSupport;

/// <summary>Loopback ports for the servers a test starts.</summary>
public static class TestPorts
{
    /// <summary>A TCP port that was free a moment ago (the OS picks it; another process could still take it first).</summary>
    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
