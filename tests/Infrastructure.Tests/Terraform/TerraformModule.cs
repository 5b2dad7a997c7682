using System.Text.Json;
using System.Text.RegularExpressions;

namespace BitcoinVolume.Infrastructure.Tests.Terraform;

/// <summary>A <c>resource</c> block: its type, name, body (Terraform JSON syntax) and the file it is in.</summary>
public sealed record TerraformResource(string Type, string Name, JsonElement Body, string File)
{
    public string Address => $"{Type}.{Name}";

    public override string ToString() => Address;
}

/// <summary>
/// One Terraform module (a folder of .tf files) as parsed JSON: resources, variables, outputs, providers and the
/// <c>terraform</c> settings, with a resolver for the simple references the tests need to follow.
/// </summary>
public sealed partial class TerraformModule
{
    public TerraformModule(string folder, IReadOnlyDictionary<string, JsonElement> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        Folder = folder;
        Files = files;
        foreach (var (file, json) in files)
        {
            foreach (var top in json.EnumerateObject())
            {
                switch (top.Name)
                {
                    case "resource":
                        foreach (var type in top.Value.EnumerateObject())
                        {
                            foreach (var name in type.Value.EnumerateObject())
                            {
                                foreach (var body in name.Value.EnumerateArray())
                                {
                                    Resources.Add(new TerraformResource(type.Name, name.Name, body, file));
                                }
                            }
                        }

                        break;
                    case "variable":
                        AddNamed(top.Value, Variables);
                        break;
                    case "output":
                        AddNamed(top.Value, Outputs);
                        break;
                    case "provider":
                        AddNamed(top.Value, Providers);
                        break;
                    case "terraform":
                        Settings.AddRange(top.Value.EnumerateArray());
                        break;
                    default:
                        break;
                }
            }
        }
    }

    /// <summary>The module's folder, relative to the repository root ('/'-separated).</summary>
    public string Folder { get; }

    /// <summary>Every .tf file of the module (repository-relative path → parsed JSON).</summary>
    public IReadOnlyDictionary<string, JsonElement> Files { get; }

    public List<TerraformResource> Resources { get; } = [];

    public Dictionary<string, JsonElement> Variables { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, JsonElement> Outputs { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, JsonElement> Providers { get; } = new(StringComparer.Ordinal);

    /// <summary>The bodies of the <c>terraform { }</c> blocks.</summary>
    public List<JsonElement> Settings { get; } = [];

    public IEnumerable<TerraformResource> OfType(string type) => Resources.Where(r => r.Type == type);

    /// <summary>The resource <c>type.name</c>, or a failure naming what exists.</summary>
    public TerraformResource Resource(string type, string name) =>
        Resources.SingleOrDefault(r => r.Type == type && r.Name == name)
        ?? throw new Xunit.Sdk.XunitException(
            $"{Folder}: resource {type}.{name} is missing; resources of that type: [{string.Join(", ", OfType(type).Select(r => r.Name))}]");

    /// <summary>
    /// The literal value behind a string: itself when it holds no interpolation; for exactly <c>${var.NAME}</c> the
    /// variable's default; for exactly <c>${TYPE.NAME.ATTR}</c> that resource's literal attribute. Null otherwise.
    /// </summary>
    public string? Resolve(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (!value.Contains("${", StringComparison.Ordinal))
        {
            return value;
        }

        if (VariableReference().Match(value) is { Success: true } variable)
        {
            return Variables.TryGetValue(variable.Groups["name"].Value, out var body) && body.TryGetProperty("default", out var d)
                ? Scalar(d)
                : null;
        }

        if (AttributeReference().Match(value) is { Success: true } attribute)
        {
            var resource = Resources.SingleOrDefault(r => r.Type == attribute.Groups["type"].Value && r.Name == attribute.Groups["name"].Value);
            return resource is not null && resource.Body.TryGetProperty(attribute.Groups["attr"].Value, out var v) ? Resolve(Scalar(v)) : null;
        }

        return null;
    }

    /// <summary>A scalar as invariant text (strings as they are, numbers and booleans in JSON form), else null.</summary>
    public static string? Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        _ => null,
    };

    private static void AddNamed(JsonElement element, Dictionary<string, JsonElement> into)
    {
        foreach (var named in element.EnumerateObject())
        {
            into[named.Name] = named.Value.ValueKind == JsonValueKind.Array ? named.Value[0] : named.Value;
        }
    }

    [GeneratedRegex(@"^\$\{var\.(?<name>[A-Za-z0-9_-]+)\}$")]
    private static partial Regex VariableReference();

    [GeneratedRegex(@"^\$\{(?<type>[a-z0-9_]+)\.(?<name>[A-Za-z0-9_-]+)\.(?<attr>[A-Za-z0-9_]+)\}$")]
    private static partial Regex AttributeReference();
}

/// <summary>Reading Terraform JSON bodies: attributes are properties, nested blocks are arrays of objects.</summary>
public static class TerraformJson
{
    public static JsonElement? Attribute(this JsonElement body, string name) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var value) ? value : null;

    public static string? Text(this JsonElement body, string name) =>
        body.Attribute(name) is { } value ? TerraformModule.Scalar(value) : null;

    /// <summary>The first (usually only) nested block called <paramref name="name"/>.</summary>
    public static JsonElement? Block(this JsonElement body, string name) =>
        body.Attribute(name) is { ValueKind: JsonValueKind.Array } blocks && blocks.GetArrayLength() > 0 ? blocks[0] : null;

    public static string? Text(this TerraformResource resource, string name) => resource.Body.Text(name);

    public static JsonElement? Block(this TerraformResource resource, string name) => resource.Body.Block(name);
}
