using System.Text.Json;

namespace BitcoinVolume.Infrastructure.Tests.Terraform;

/// <summary>Every .tf file of the repository, parsed once per test run (one node process for all of them).</summary>
public static class TerraformFiles
{
    /// <summary>The folder that holds the Terraform modules.</summary>
    public const string Root = "terraform";

    /// <summary>The modules the issue asks for; each must exist.</summary>
    public static readonly IReadOnlyList<string> Modules = ["confluent-cloud", "google-cloud"];

    private static readonly HashSet<string> SkippedFolders = new(StringComparer.Ordinal) { ".git", ".terraform", "bin", "obj", "node_modules" };

    private static readonly Lazy<Task<IReadOnlyDictionary<string, HclParseResult>>> Parsed = new(() => HclParser.ParseAsync(All()));

    /// <summary>Every .tf file under the repository root (repository-relative, '/'-separated, sorted).</summary>
    public static IReadOnlyList<string> All()
    {
        var files = new List<string>();
        var pending = new Stack<string>([RepositoryRoot.Path]);
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            foreach (var sub in Directory.EnumerateDirectories(dir))
            {
                if (!SkippedFolders.Contains(Path.GetFileName(sub)))
                {
                    pending.Push(sub);
                }
            }

            files.AddRange(Directory.EnumerateFiles(dir, "*.tf").Select(f => Path.GetRelativePath(RepositoryRoot.Path, f).Replace('\\', '/')));
        }

        files.Sort(StringComparer.Ordinal);
        return files;
    }

    /// <summary>The parse of every file of <see cref="All"/>.</summary>
    public static Task<IReadOnlyDictionary<string, HclParseResult>> ParseAllAsync() => Parsed.Value;

    /// <summary>The module in <c>terraform/NAME</c>; fails when a file of it does not parse.</summary>
    public static async Task<TerraformModule> ModuleAsync(string name)
    {
        var folder = $"{Root}/{name}";
        var parsed = await ParseAllAsync();
        var files = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (file, result) in parsed.Where(p => Path.GetDirectoryName(p.Key)?.Replace('\\', '/') == folder))
        {
            files[file] = result.Json ?? throw new Xunit.Sdk.XunitException($"{file} does not parse: {result.Error}");
        }

        Assert.True(files.Count > 0, $"{folder} has no .tf files.");
        return new TerraformModule(folder, files);
    }
}
