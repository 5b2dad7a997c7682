using System.ComponentModel;
using System.Reflection;
using System.Text;
using System.Text.Json;
using BitcoinVolume.Sink.Alerts;
using BitcoinVolume.Sink.Infrastructure;
using BitcoinVolume.Sink.Live;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Sink.Apis;

/// <summary>
/// Alerts: the rules (<c>GET/POST /api/alerts/rules</c>, <c>DELETE /api/alerts/rules/{id}</c>), the fired alerts
/// (<c>GET /api/alerts</c>), their live stream (<c>GET /api/alerts/stream</c>, SSE) and the delivery status
/// (<c>GET /api/alerts/status</c>). A store that serves no queries (BigQuery) answers 501: alerts need to read the volumes.
/// </summary>
public static class AlertsApi
{
    public static IEndpointRouteBuilder MapAlertsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/alerts").WithTags("Alerts");

        api.MapGet("/rules", GetRulesAsync)
            .WithName("GetAlertRules")
            .WithSummary("The alert rules in force: from the settings (Sink:Alerts:Rules, read-only) and posted to the API")
            .ProducesProblem(StatusCodes.Status501NotImplemented);

        api.MapPost("/rules", PostRuleAsync)
            .WithName("PostAlertRule")
            .WithSummary("Adds (or replaces, by id) an alert rule: imbalance, delta or cvd-cross")
            .WithDescription(
                "Body: {id, kind: imbalance|delta|cvd-cross, product | asset, venue (default spot), interval (default the base window), " +
                "percent + bars (imbalance: |Σ(buy − sell)/Σ(buy + sell)| over the last `bars` bars ≥ percent %), delta (|buy − sell| base ≥ delta), " +
                "level + anchor day|week (cvd-cross), webhooks (names of Sink:Alerts:Webhooks; default all)}. 400 problem details per field " +
                "when invalid; 409 when the id is a settings rule. Kept in the store: survives a restart.")
            .Accepts<AlertRule>("application/json")
            .Produces<AlertRuleEntry>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status501NotImplemented);

        api.MapDelete("/rules/{id}", DeleteRuleAsync)
            .WithName("DeleteAlertRule")
            .WithSummary("Removes a rule posted to the API (settings rules cannot be removed here: 409)")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        api.MapGet("/", GetAlertsAsync)
            .WithName("GetAlerts")
            .WithSummary("The latest fired alerts (latest revision of each id), newest bar first")
            .ProducesProblem(StatusCodes.Status501NotImplemented);

        api.MapGet("/stream", StreamAlerts)
            .WithName("StreamAlerts")
            .WithSummary("Live alerts (Server-Sent Events)")
            .WithDescription(
                "text/event-stream: `event: alert` per stored alert or correction, `id: <alert id>#<revision>`, data an AlertEvent " +
                "(kind alert | correction). `event: resync` when the client was too slow (re-read /api/alerts).");

        api.MapGet("/status", GetStatusAsync)
            .WithName("GetAlertStatus")
            .WithSummary("Alerts fired and corrected, pending deliveries, and per webhook: delivered, failed, retries, last error");

        return app;
    }

    public static async Task<Results<Ok<AlertRuleEntry[]>, ProblemHttpResult>> GetRulesAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (Unavailable(services) is { } problem)
        {
            return problem;
        }

        var rules = await services.GetRequiredService<AlertRuleSet>().GetAsync(cancellationToken);
        return TypedResults.Ok(rules.Select(r => new AlertRuleEntry(r.Source, r.Definition)).ToArray());
    }

    public static async Task<Results<Created<AlertRuleEntry>, ValidationProblem, ProblemHttpResult>> PostRuleAsync(
        HttpRequest request, IServiceProvider services, IOptions<AlertOptions> options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        if (Unavailable(services) is { } problem)
        {
            return problem;
        }

        AlertRule? rule;
        try
        {
            rule = await JsonSerializer.DeserializeAsync(request.Body, SinkJsonContext.Default.AlertRule, cancellationToken);
        }
        catch (JsonException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [$"not a rule in JSON: {e.Message}"] }, title: "Invalid alert rule.");
        }

        if (rule is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["a JSON rule object is required."] }, title: "Invalid alert rule.");
        }

        var settings = options.Value;
        var errors = rule.Validate(settings.Window, settings.Webhooks.Keys, settings.MinNotional);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid alert rule.");
        }

        if (!await services.GetRequiredService<AlertRuleSet>().PutAsync(rule, cancellationToken))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "A settings rule has this id.", detail: $"Rule '{rule.Id}' comes from Sink:Alerts:Rules; change it there.");
        }

        return TypedResults.Created($"/api/alerts/rules/{rule.Id}", new AlertRuleEntry("api", rule));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteRuleAsync(
        [Description("The rule id.")] string id, IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (Unavailable(services) is { } problem)
        {
            return problem;
        }

        return await services.GetRequiredService<AlertRuleSet>().DeleteAsync(id, cancellationToken) switch
        {
            true => TypedResults.NoContent(),
            false => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "A settings rule cannot be removed here.", detail: $"Rule '{id}' comes from Sink:Alerts:Rules."),
            null => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such rule.", detail: $"No rule '{id}'; see GET /api/alerts/rules."),
        };
    }

    public static async Task<Results<Ok<AlertEvent[]>, ValidationProblem, ProblemHttpResult>> GetAlertsAsync(
        [Description("Most alerts to return, 1 to 10000 (default 100).")] int? limit, IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (Unavailable(services) is { } problem)
        {
            return problem;
        }

        if (limit is < 1 or > 10_000)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["limit is 1 to 10000."] }, title: "Invalid alerts query.");
        }

        return TypedResults.Ok((await services.GetRequiredService<IAlertStore>().GetRecentAsync(limit ?? 100, cancellationToken)).ToArray());
    }

    public static AlertStreamResult StreamAlerts(AlertHub hub, IOptions<SinkOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new AlertStreamResult(hub, options.Value.StreamClientBuffer, TimeSpan.FromSeconds(options.Value.StreamHeartbeatSeconds));
    }

    public static async Task<Ok<AlertStatusReport>> GetStatusAsync(IServiceProvider services, IOptions<AlertOptions> options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        var enabled = options.Value.Enabled && services.GetRequiredService<IVolumeStore>().SupportsQueries;
        var rules = enabled ? (await services.GetRequiredService<AlertRuleSet>().GetAsync(cancellationToken)).Count : 0;
        var pending = services.GetServices<IHostedService>().OfType<AlertEngine>().FirstOrDefault()?.Pending ?? 0;
        return TypedResults.Ok(services.GetRequiredService<AlertStatus>().Snapshot(enabled, rules, pending));
    }

    private static ProblemHttpResult? Unavailable(IServiceProvider services)
    {
        var store = services.GetRequiredService<IVolumeStore>();
        return store.SupportsQueries ? null : TypedResults.Problem(
            statusCode: StatusCodes.Status501NotImplemented,
            title: "Alerts are not served by this store.",
            detail: $"Sink:Store is {store.Name}, which this service only writes to; alerts need to read the volumes (use sqlite or postgres).");
    }
}

/// <summary>One rule of <c>GET /api/alerts/rules</c>: where it comes from (<c>settings</c> or <c>api</c>) and its definition.</summary>
public sealed record AlertRuleEntry(string Source, AlertRule Rule);

/// <summary><c>/api/alerts/stream</c>: <c>event: alert</c> per stored alert or correction, <c>id: &lt;alert id&gt;#&lt;revision&gt;</c>.</summary>
public sealed class AlertStreamResult(AlertHub hub, int buffer, TimeSpan heartbeat)
    : ServerSentEventsResult<AlertEvent>("alerts", heartbeat), IEndpointMetadataProvider
{
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(AlertEvent), ["text/event-stream"]));
    }

    protected override UpdateSubscription<AlertEvent> Subscribe() => hub.Subscribe(Description, _ => true, buffer);

    protected override ValueTask AppendAsync(StringBuilder text, IReadOnlyList<AlertEvent> updates, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(updates);
        foreach (var alert in updates)
        {
            text.Append("id: ").Append(alert.Id).Append('#').Append(alert.Revision).Append('\n');
            text.Append("event: alert\ndata: ").Append(JsonSerializer.Serialize(alert, SinkJsonContext.Default.AlertEvent)).Append("\n\n");
        }

        return ValueTask.CompletedTask;
    }
}
