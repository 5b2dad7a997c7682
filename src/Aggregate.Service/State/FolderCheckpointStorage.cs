namespace BitcoinVolume.Aggregate.State;

/// <summary>
/// Checkpoints in a folder (<see cref="CheckpointOptions.Path"/>): each is written to a temporary file, flushed to disk,
/// then renamed into place, so a reader never sees half a checkpoint.
/// </summary>
public sealed class FolderCheckpointStorage : ICheckpointStorage
{
    private const string TemporarySuffix = ".tmp";

    public FolderCheckpointStorage(string path)
    {
        Location = Path.GetFullPath(path);
        Directory.CreateDirectory(Location);
    }

    public string Location { get; }

    public void Write(string name, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var target = PathOf(name);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temporary = $"{target}.{Guid.NewGuid():N}{TemporarySuffix}";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, target, overwrite: true);
        }
        finally
        {
            File.Delete(temporary); // only there when something failed
        }
    }

    public IReadOnlyList<string> List(string prefix)
    {
        var folder = PathOf(prefix);
        return Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder)
                .Where(f => !f.EndsWith(TemporarySuffix, StringComparison.Ordinal))
                .Select(f => $"{prefix}/{Path.GetFileName(f)}")
                .ToList()
            : [];
    }

    public Stream OpenRead(string name) => new FileStream(PathOf(name), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16);

    public void Delete(string name) => File.Delete(PathOf(name));

    private string PathOf(string name)
    {
        var path = Path.GetFullPath(Path.Combine(Location, name));
        return path.StartsWith(Location, StringComparison.Ordinal)
            ? path
            : throw new ArgumentException($"The checkpoint name '{name}' is outside {Location}.", nameof(name));
    }
}
