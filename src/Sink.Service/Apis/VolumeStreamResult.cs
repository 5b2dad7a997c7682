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
/// product or one base asset, on the selected venues): <c>event: volume</c> per committed window (see
/// <see cref="ServerSentEventsResult{T}"/> for resync and keep-alive). <c>window</c> is the base window of the stored
/// windows (it gives their ends).
/// </summary>
public sealed class VolumeStreamResult(
    VolumeUpdateHub hub, string description, Func<WindowVolume, bool> filter, int buffer, TimeSpan heartbeat, WindowSpec window)
    : ServerSentEventsResult<WindowVolume>(description, heartbeat), IEndpointMetadataProvider
{
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(VolumeUpdate), ["text/event-stream"]));
    }

    protected override UpdateSubscription<WindowVolume> Subscribe() => hub.Subscribe(Description, filter, buffer);

    protected override ValueTask AppendAsync(StringBuilder text, IReadOnlyList<WindowVolume> updates, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(updates);
        foreach (var volume in updates)
        {
            var update = VolumeUpdate.FromWindow(volume, window);
            text.Append("id: ").Append(volume.Key).Append('#').Append(volume.Version).Append('\n');
            text.Append("event: volume\ndata: ");
            text.Append(JsonSerializer.Serialize(update, SinkJsonContext.Default.VolumeUpdate));
            text.Append("\n\n");
        }

        return ValueTask.CompletedTask;
    }
}
