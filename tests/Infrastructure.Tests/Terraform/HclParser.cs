using System.Text.Json;

namespace BitcoinVolume.Infrastructure.Tests.Terraform;

/// <summary>One file's parse: its Terraform JSON form, or the parser's error.</summary>
public sealed record HclParseResult(JsonElement? Json, string? Error);

/// <summary>
/// Parses Terraform files with HashiCorp's HCL parser: <c>hcl/parse-hcl.js</c> on node, using the WebAssembly build of
/// hcl/v2 in npm package @cdktf/hcl2json (installed by tests/prerequisites.d/10-node-tools.sh). No NuGet HCL parser is
/// served here and the terraform CLI cannot be installed. A missing node or package FAILS the tests (never skips).
/// </summary>
public static class HclParser
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>The folder of the parser script and its package.json.</summary>
    public static string ScriptDirectory => RepositoryRoot.Combine("tests", "Infrastructure.Tests", "hcl");

    /// <summary>Parses every file (paths relative to the repository root or absolute) in ONE node run.</summary>
    public static async Task<IReadOnlyDictionary<string, HclParseResult>> ParseAsync(IReadOnlyCollection<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var node = ExternalProcess.FindOnPath("node") ?? throw new InvalidOperationException(MissingMessage(
            "`node` (Node.js 18 or newer) is not on PATH"));
        var package = Path.Combine(ScriptDirectory, "node_modules", "@cdktf", "hcl2json", "package.json");
        if (!File.Exists(package))
        {
            throw new InvalidOperationException(MissingMessage($"npm package @cdktf/hcl2json is not installed ({package} is missing)"));
        }

        var result = await ExternalProcess.RunAsync(
            node, [Path.Combine(ScriptDirectory, "parse-hcl.js"), .. files], RepositoryRoot.Path, Timeout);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"parse-hcl.js exited with {result.ExitCode}: {result.StandardError}");
        }

        using var document = JsonDocument.Parse(result.StandardOutput);
        var parsed = new Dictionary<string, HclParseResult>(StringComparer.Ordinal);
        foreach (var file in document.RootElement.EnumerateObject())
        {
            parsed[file.Name] = file.Value.TryGetProperty("json", out var json)
                ? new HclParseResult(json.Clone(), null)
                : new HclParseResult(null, file.Value.GetProperty("error").GetString() ?? "unknown parse error");
        }

        return parsed;
    }

    private static string MissingMessage(string what) =>
        $"{what}. The Terraform tests parse every .tf file with it and fail without it{(ExternalProcess.IsCi ? " (CI=true: never skipped)" : "")}. " +
        "Install it with `bash tests/prerequisites.d/10-node-tools.sh` (./test.sh runs it) or `npm ci` in tests/Infrastructure.Tests/hcl.";
}
