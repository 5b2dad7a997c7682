namespace BitcoinVolume.Infrastructure.Tests;

/// <summary>The repository's root folder: the first folder above the test binaries that holds BitcoinVolume.sln.</summary>
public static class RepositoryRoot
{
    public const string SolutionFileName = "BitcoinVolume.sln";

    private static readonly Lazy<string> Root = new(Find);

    public static string Path => Root.Value;

    /// <summary>A path inside the repository, from '/'-separated parts.</summary>
    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, SolutionFileName)))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} contains {SolutionFileName}.");
    }
}
