using System.Text;

namespace BitcoinVolume.Infrastructure.Tests.Credentials;

/// <summary>No file of the repository holds anything shaped like a credential.</summary>
public sealed class CredentialScanTests
{
    [Fact]
    public async Task No_file_of_the_repository_contains_something_shaped_like_a_credential()
    {
        var files = await RepositoryFilesAsync();
        Assert.Contains("BitcoinVolume.sln", files);
        var allowlist = CredentialScanner.ParseAllowlist(await File.ReadAllTextAsync(RepositoryRoot.Combine(CredentialScanner.AllowlistFile)));

        var findings = new List<CredentialFinding>();
        var scanned = 0;
        foreach (var file in files)
        {
            var path = RepositoryRoot.Combine(file.Split('/'));
            if (CredentialScanner.IsAllowlisted(file, allowlist) || !File.Exists(path))
            {
                continue; // allowlisted, or deleted in the work tree but not yet in the index
            }

            var bytes = await File.ReadAllBytesAsync(path);
            if (CredentialScanner.LooksBinary(bytes))
            {
                continue;
            }

            scanned++;
            findings.AddRange(CredentialScanner.Scan(file, Encoding.UTF8.GetString(bytes)));
        }

        Assert.True(scanned > 50, $"only {scanned} files were scanned");
        Assert.True(findings.Count == 0,
            $"{findings.Count} credential-shaped value(s) in the repository. Remove them (secrets come from the environment or user-secrets), " +
            $"or, for a test fixture, build the value at run time, mark the line with '{CredentialScanner.AllowMarker}' or list the file in " +
            $"{CredentialScanner.AllowlistFile} with a reason:\n" + string.Join('\n', findings));
    }

    /// <summary>
    /// Every file git tracks plus the untracked files git does not ignore (so a credential is caught before it is
    /// committed), from <c>git ls-files</c> at the repository root.
    /// </summary>
    private static async Task<IReadOnlyList<string>> RepositoryFilesAsync()
    {
        var git = ExternalProcess.FindOnPath("git") ?? throw new InvalidOperationException(
            "`git` is not on PATH: the credential scan lists the repository's files with `git ls-files` (apt-get install git).");
        var result = await ExternalProcess.RunAsync(
            git, ["-c", "core.quotepath=off", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], RepositoryRoot.Path, TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, $"git ls-files failed in {RepositoryRoot.Path} (is it a git work tree?): {result.StandardError}");
        return [.. result.StandardOutput.Split('\0', StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal)];
    }
}
