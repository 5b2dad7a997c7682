using System.Text;
using Microsoft.Extensions.Configuration;

namespace Aspire.Hosting;

/// <summary>
/// Every setting the AppHost hands to a service goes through an Aspire parameter, so the deployment manifest shows a
/// placeholder (<c>{ingest-source.value}</c>) with the given value as its default, and a secret setting shows only an
/// input marked secret, never its value.
/// </summary>
public static class SettingParameters
{
    /// <summary>Setting names (any segment) that hold secrets: their values never reach the manifest.</summary>
    private static readonly string[] SecretWords = ["password", "secret", "token", "credential", "apikey", "api.key", "sasl.jaas"];

    /// <summary>Whether the setting <paramref name="key"/> (e.g. <c>Kafka:sasl.password</c>) holds a secret.</summary>
    public static bool IsSecret(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SecretWords.Any(word => key.Contains(word, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// The parameter name of a setting: <c>Ingest:Live:Watchdog</c> → <c>ingest-live-watchdog</c> (Aspire names are
    /// letters, digits and single hyphens).
    /// </summary>
    public static string NameOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var name = new StringBuilder(key.Length);
        foreach (var c in key)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                name.Append(char.ToLowerInvariant(c));
            }
            else if (name.Length > 0 && name[^1] != '-')
            {
                name.Append('-');
            }
        }

        var text = name.ToString().TrimEnd('-');
        return text.Length == 0 || !char.IsAsciiLetter(text[0]) ? "setting-" + text : text;
    }

    /// <summary>
    /// The parameter for setting <paramref name="key"/> with value <paramref name="value"/> (published as its default
    /// unless secret); one parameter per setting, shared by every service that gets it.
    /// </summary>
    public static IResourceBuilder<ParameterResource> AddSettingParameter(this IDistributedApplicationBuilder builder, string key, string value)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var secret = IsSecret(key);
        return builder.GetOrAddParameter(NameOf(key), () => builder.AddParameter(NameOf(key), value, publishValueAsDefault: !secret, secret: secret)
            .WithDescription($"Setting `{key}`."));
    }

    /// <summary>The parameter named <paramref name="name"/> if one exists, else the one <paramref name="add"/> creates (a name is added once).</summary>
    public static IResourceBuilder<ParameterResource> GetOrAddParameter(
        this IDistributedApplicationBuilder builder, string name, Func<IResourceBuilder<ParameterResource>> add)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(add);
        return builder.Resources.OfType<ParameterResource>().FirstOrDefault(p => p.Name == name) is { } existing
            ? builder.CreateResourceBuilder(existing)
            : add();
    }

    /// <summary>Sets environment variable <c>KEY</c> (with <c>:</c> as <c>__</c>) of a service from a parameter for setting <paramref name="key"/>.</summary>
    public static IResourceBuilder<ProjectResource> WithSetting(this IResourceBuilder<ProjectResource> service, IDistributedApplicationBuilder builder, string key, string value)
    {
        ArgumentNullException.ThrowIfNull(service);
        return service.WithEnvironment(EnvironmentName(key), builder.AddSettingParameter(key, value));
    }

    /// <summary>
    /// Passes every setting of configuration section <paramref name="section"/> given to the AppHost on to the service,
    /// each through its own parameter, except the keys (relative to the section) that <paramref name="skip"/> selects.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithSettingsOf(
        this IResourceBuilder<ProjectResource> service, IDistributedApplicationBuilder builder, string section, Func<string, bool>? skip = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var (key, value) in builder.Configuration.GetSection(section).AsEnumerable(makePathsRelative: true))
        {
            if (value is not null && skip?.Invoke(key) != true)
            {
                service.WithSetting(builder, $"{section}:{key}", value);
            }
        }

        return service;
    }

    /// <summary>The environment variable of setting <paramref name="key"/>: <c>Ingest:Live:Watchdog</c> → <c>Ingest__Live__Watchdog</c>.</summary>
    public static string EnvironmentName(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Replace(":", "__", StringComparison.Ordinal);
    }
}
