using System.Text.Json;
using BitcoinVolume.Sink.Apis;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Sink.Alerts;

/// <summary>
/// The rules in force: those of <c>Sink:Alerts:Rules</c> (read-only) and those posted to the API (kept in the
/// <see cref="IAlertStore"/>, so they survive a restart). Thread-safe; readers get an immutable snapshot.
/// </summary>
internal sealed class AlertRuleSet(IOptions<AlertOptions> options, IAlertStore store) : IDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private volatile IReadOnlyList<ActiveRule> rules = [];
    private volatile bool loaded;

    public AlertOptions Options => options.Value;

    /// <summary>The rules in force (settings first, then API rules by id).</summary>
    public async Task<IReadOnlyList<ActiveRule>> GetAsync(CancellationToken cancellationToken)
    {
        if (!loaded)
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                if (!loaded)
                {
                    var all = Settings().ToList();
                    foreach (var (_, definition) in await store.GetRulesAsync(cancellationToken))
                    {
                        if (JsonSerializer.Deserialize(definition, SinkJsonContext.Default.AlertRule) is { } rule
                            && rule.Validate(Options.Window, Options.Webhooks.Keys, Options.MinNotional).Count == 0 && all.All(r => r.Id != rule.Id))
                        {
                            all.Add(ActiveRule.Of(rule, Options.Window, "api", Options.Webhooks.Keys));
                        }
                    }

                    rules = all;
                    loaded = true;
                }
            }
            finally
            {
                gate.Release();
            }
        }

        return rules;
    }

    /// <summary>Adds or replaces an API rule; false when its id is a settings rule.</summary>
    public async Task<bool> PutAsync(AlertRule rule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var current = await GetAsync(cancellationToken);
        if (current.Any(r => r.Id == rule.Id && r.Source == "settings"))
        {
            return false;
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            await store.SaveRuleAsync(rule.Id!, JsonSerializer.Serialize(rule, SinkJsonContext.Default.AlertRule), cancellationToken);
            rules = [.. rules.Where(r => r.Id != rule.Id), ActiveRule.Of(rule, Options.Window, "api", Options.Webhooks.Keys)];
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Removes an API rule: null when there is none of that id, false when it is a settings rule.</summary>
    public async Task<bool?> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        var current = await GetAsync(cancellationToken);
        if (current.FirstOrDefault(r => r.Id == id) is not { } rule)
        {
            return null;
        }

        if (rule.Source == "settings")
        {
            return false;
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            await store.DeleteRuleAsync(id, cancellationToken);
            rules = [.. rules.Where(r => r.Id != id)];
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose() => gate.Dispose();

    private IEnumerable<ActiveRule> Settings() => Options.Rules.Select(r => ActiveRule.Of(r, Options.Window, "settings", Options.Webhooks.Keys));
}
