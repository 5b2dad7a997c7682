using System.Text;
using BitcoinVolume.Sink.Live;

namespace BitcoinVolume.Sink.Apis;

/// <summary>
/// A Server-Sent Events stream of the updates of one <see cref="UpdateSubscription{T}"/> until the client leaves or the
/// service stops: what <see cref="AppendAsync"/> writes for each drained group of updates, <c>event: resync</c> when updates
/// had to be dropped for this client, and a comment line as keep-alive every <paramref name="heartbeat"/>.
/// </summary>
public abstract class ServerSentEventsResult<T>(string description, TimeSpan heartbeat) : IResult
    where T : class
{
    private const int MaxGroup = 1000;

    /// <summary>What the stream follows, e.g. <c>BTC-USD on spot</c>.</summary>
    public string Description => description;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        httpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();

        var stopping = httpContext.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted, stopping);
        var token = cancellation.Token;
        using var subscription = Subscribe();
        var body = response.Body;
        try
        {
            await WriteAsync(body, $"retry: 3000\n: following {description}\n\n", token);
            var text = new StringBuilder();
            await AppendInitialAsync(text, token);
            if (text.Length > 0)
            {
                await WriteAsync(body, text.ToString(), token);
            }

            var group = new List<T>(MaxGroup);
            while (!token.IsCancellationRequested)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(token);
                idle.CancelAfter(heartbeat);
                bool ready;
                try
                {
                    ready = await subscription.Reader.WaitToReadAsync(idle.Token);
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested)
                {
                    await WriteAsync(body, ": keep-alive\n\n", token);
                    continue;
                }

                if (!ready)
                {
                    break;
                }

                text.Clear();
                if (subscription.TakeOverflow())
                {
                    while (subscription.Reader.TryRead(out _))
                    {
                    }

                    text.Append("event: resync\ndata: {}\n\n");
                }

                group.Clear();
                while (group.Count < MaxGroup && subscription.Reader.TryRead(out var update))
                {
                    group.Add(update);
                }

                if (group.Count > 0)
                {
                    await AppendAsync(text, group, token);
                }

                await WriteAsync(body, text.ToString(), token);
            }
        }
        catch (OperationCanceledException)
        {
            // Client gone or service stopping.
        }
        catch (IOException)
        {
            // Connection reset.
        }
    }

    /// <summary>Subscribes to the updates the stream sends.</summary>
    protected abstract UpdateSubscription<T> Subscribe();

    /// <summary>Appends the events of <paramref name="updates"/> (in arrival order) to <paramref name="text"/>.</summary>
    protected abstract ValueTask AppendAsync(StringBuilder text, IReadOnlyList<T> updates, CancellationToken token);

    /// <summary>Events sent once after subscribing, before any update (none by default).</summary>
    protected virtual ValueTask AppendInitialAsync(StringBuilder text, CancellationToken token) => ValueTask.CompletedTask;

    private static async Task WriteAsync(Stream body, string text, CancellationToken token)
    {
        await body.WriteAsync(Encoding.UTF8.GetBytes(text), token);
        await body.FlushAsync(token);
    }
}
