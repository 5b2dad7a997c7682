using BitcoinVolume.Ingest;

namespace Microsoft.AspNetCore.Builder;

public static class IngestApi
{
    /// <summary><c>GET /api/ingest/status</c>: what the worker is doing, and whether a replay has finished.</summary>
    public static IEndpointRouteBuilder MapIngestApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/ingest/status", (IngestStatus status) => TypedResults.Ok(new IngestStatusResponse(status.State, status.Finished)));
        return app;
    }
}

public sealed record IngestStatusResponse(string State, bool Finished);

[System.Text.Json.Serialization.JsonSerializable(typeof(IngestStatusResponse))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
public sealed partial class IngestApiJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
