using System.Reflection;
using System.Text;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Live;
using BitcoinVolume.Sink.Model;
using Microsoft.AspNetCore.Http.Metadata;

namespace BitcoinVolume.Sink.Apis;

/// <summary>
/// Writes a Server-Sent Events stream of <see cref="VolumeUpdate"/>s of the windows <paramref name="filter"/> accepts (one
/// product or one base asset, on the selected venues) until the client leaves or the
/// service stops: <c>event: volume</c> per committed window, <c>event: resync</c> when updates had to be dropped for this
/// client, and a comment line as keep-alive. <c>window</c> is the base window of the stored windows (it gives their ends).
/// </summary>
public sealed class VolumeStreamResult(
    VolumeUpdateHub hub, string description, Func<WindowVolume, bool> filter, int buffer, TimeSpan heartbeat, WindowSpec window)
    : IResult, IEndpointMetadataProvider
{
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
        using var subscription = hub.Subscribe(description, filter, buffer);
        var body = response.Body;
        try
        {
            await WriteAsync(body, $"retry: 3000\n: following {description}\n\n", token);
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

                var text = new StringBuilder();
                if (subscription.TakeOverflow())
                {
                    while (subscription.Reader.TryRead(out _))
                    {
                    }

                    text.Append("event: resync\ndata: {}\n\n");
                }

                while (text.Length < 64 * 1024 && subscription.Reader.TryRead(out var volume))
                {
                    var update = VolumeUpdate.FromWindow(volume, window);
                    text.Append("id: ").Append(volume.Key).Append('#').Append(volume.Version).Append('\n');
                    text.Append("event: volume\ndata: ");
                    text.Append(JsonSerializer.Serialize(update, SinkJsonContext.Default.VolumeUpdate));
                    text.Append("\n\n");
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

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(VolumeUpdate), ["text/event-stream"]));
    }

    private static async Task WriteAsync(Stream body, string text, CancellationToken token)
    {
        await body.WriteAsync(Encoding.UTF8.GetBytes(text), token);
        await body.FlushAsync(token);
    }
}
