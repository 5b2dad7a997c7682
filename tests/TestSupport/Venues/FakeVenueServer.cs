using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BitcoinVolume.TestSupport;

/// <summary>
/// The base of the fake venues: one local server (Kestrel on a free loopback port) with websocket paths and REST routes.
/// A venue fake subclasses it, declares its endpoints in <see cref="MapEndpoints"/> (<see cref="MapWebSocket"/> for each
/// websocket path, <c>endpoints.MapGet(…)</c> for REST), and scripts each connection it is given
/// (<see cref="FakeVenueConnection"/>: read the subscribe, answer it, send trades as the venue's frames, drop, stall).
/// Its static <c>StartAsync</c> constructs it and calls <see cref="StartServerAsync"/>.
/// </summary>
public abstract class FakeVenueServer : IAsyncDisposable
{
    private readonly CancellationTokenSource stopping = new();
    private WebApplication? app;
    private int connections;
    private long framesSent;

    /// <summary>http://127.0.0.1:port/ (REST routes are below it).</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Websocket connections accepted so far (over all paths).</summary>
    public int Connections => Volatile.Read(ref connections);

    /// <summary>Text frames sent so far (over all connections).</summary>
    public long FramesSent => Interlocked.Read(ref framesSent);

    /// <summary>Cancelled when the server stops.</summary>
    protected CancellationToken Stopping => stopping.Token;

    /// <summary>The websocket URL of <paramref name="path"/> (e.g. <c>/ws</c>) on this server.</summary>
    public Uri WebSocketUrl(string path) => new($"ws://{BaseUrl.Authority}{path}");

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await OnStoppingAsync();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Starts the server with the endpoints of <see cref="MapEndpoints"/>; <see cref="BaseUrl"/> is set when it returns.</summary>
    protected async Task StartServerAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        app = builder.Build();
        app.UseWebSockets();
        MapEndpoints(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl = new Uri(address.EndsWith('/') ? address : address + "/");
    }

    /// <summary>Declares the fake's websocket paths (<see cref="MapWebSocket"/>) and REST routes.</summary>
    protected abstract void MapEndpoints(IEndpointRouteBuilder endpoints);

    /// <summary>Accepts websocket connections on <paramref name="path"/> and gives each to <paramref name="serve"/> to script.</summary>
    protected void MapWebSocket(IEndpointRouteBuilder endpoints, string path, Func<FakeVenueConnection, Task> serve) =>
        endpoints.Map(path, context => AcceptAsync(context, serve));

    /// <summary>Runs after <see cref="Stopping"/> is cancelled and before the server stops (e.g. to wait for a background task).</summary>
    protected virtual Task OnStoppingAsync() => Task.CompletedTask;

    private async Task AcceptAsync(HttpContext context, Func<FakeVenueConnection, Task> serve)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token, context.RequestAborted);
        var connection = new FakeVenueConnection(Interlocked.Increment(ref connections), context, socket, closed, () => Interlocked.Increment(ref framesSent));
        try
        {
            await serve(connection);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
            // The client went away, or the fake dropped or stalled the connection until it did.
        }
        finally
        {
            await connection.EndAsync();
        }
    }
}
