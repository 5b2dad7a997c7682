using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace BitcoinVolume.DevBroker;

/// <summary>
/// Accepts TCP connections on a fixed endpoint and pipes each one, byte for byte in both directions, to an upstream
/// endpoint (the mock broker's random port). When either side closes or fails, both sockets are closed.
/// </summary>
internal sealed class TcpForwarder : IAsyncDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly TcpListener listener;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentDictionary<long, Task> connections = new();
    private IPEndPoint? upstream;
    private Task acceptLoop = Task.CompletedTask;
    private long nextConnectionId;
    private int disposed;

    private TcpForwarder(TcpListener listener, ILogger logger)
    {
        this.listener = listener;
        this.logger = logger;
        LocalEndPoint = (IPEndPoint)listener.LocalEndpoint;
    }

    /// <summary>The bound listening endpoint (with the real port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Connections currently being forwarded.</summary>
    public int ActiveConnections => connections.Count;

    /// <summary>Binds and listens on <paramref name="address"/>:<paramref name="port"/>; accepting starts with <see cref="Start"/>.</summary>
    /// <exception cref="PortInUseException">The port is already taken.</exception>
    public static TcpForwarder Bind(IPAddress address, int port, ILogger logger)
    {
        var listener = new TcpListener(address, port);
        try
        {
            listener.Start(backlog: 512);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            listener.Dispose();
            throw new PortInUseException(address, port, ex);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        return new TcpForwarder(listener, logger);
    }

    /// <summary>Starts accepting connections and forwarding them to <paramref name="upstreamEndPoint"/>.</summary>
    public void Start(IPEndPoint upstreamEndPoint)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        upstream = upstreamEndPoint;
        acceptLoop = Task.Run(() => AcceptLoopAsync(stopping.Token));
    }

    private async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex) when (!cancellationToken.IsCancellationRequested)
            {
                // E.g. a connection reset while still in the backlog, or out of file descriptors: keep serving.
                DevBrokerLog.AcceptFailed(logger, ex, ex.SocketErrorCode);
                await Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None);
                continue;
            }
            catch (SocketException)
            {
                return;
            }

            var id = Interlocked.Increment(ref nextConnectionId);
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var connection = Task.Run(async () =>
            {
                await started.Task;
                try
                {
                    await ForwardAsync(id, client, cancellationToken);
                }
                finally
                {
                    connections.TryRemove(id, out _);
                }
            }, CancellationToken.None);
            connections[id] = connection;
            started.SetResult();
        }
    }

    private async Task ForwardAsync(long id, Socket client, CancellationToken cancellationToken)
    {
        using var server = new Socket(upstream!.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using (client)
        {
            try
            {
                client.NoDelay = true;
                server.NoDelay = true;
                await server.ConnectAsync(upstream, cancellationToken);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                if (!cancellationToken.IsCancellationRequested)
                {
                    DevBrokerLog.UpstreamUnreachable(logger, id, client.RemoteEndPoint?.ToString(), upstream, ex.Message);
                }

                return;
            }

            DevBrokerLog.ConnectionOpened(logger, id, client.RemoteEndPoint?.ToString(), upstream);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var toServer = PumpAsync(client, server, linked.Token);
            var toClient = PumpAsync(server, client, linked.Token);
            await Task.WhenAny(toServer, toClient);

            // Either side closed (or failed): close both so the other pump ends too.
            await linked.CancelAsync();
            CloseQuietly(client);
            CloseQuietly(server);
            await Task.WhenAll(toServer, toClient);
            DevBrokerLog.ConnectionClosed(logger, id);
        }
    }

    private static async Task PumpAsync(Socket from, Socket to, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                if (read == 0)
                {
                    return;
                }

                var sent = 0;
                while (sent < read)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, cancellationToken);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The peer went away or we are stopping: the caller closes both sockets.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void CloseQuietly(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }

        socket.Close();
    }

    /// <summary>Stops listening, closes every forwarded connection and waits for them to end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await stopping.CancelAsync();
        listener.Stop();
        listener.Dispose();
        await acceptLoop;
        await Task.WhenAll(connections.Values);
        stopping.Dispose();
    }
}
