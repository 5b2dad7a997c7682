namespace BitcoinVolume.Aggregate.State;

/// <summary>
/// Where partition checkpoints live, shared by every instance of the group: a folder (<see cref="FolderCheckpointStorage"/>)
/// or, in the cloud, a bucket (an object store maps one to one: a name is an object key, a write is one upload that
/// becomes visible whole, a listing is a prefix listing). Names are relative, '/'-separated.
/// </summary>
public interface ICheckpointStorage
{
    /// <summary>Where this is, for log lines and reasons (a folder path, a bucket URL).</summary>
    string Location { get; }

    /// <summary>Writes <paramref name="name"/> with what <paramref name="write"/> puts into the stream; it becomes visible whole, or not at all.</summary>
    void Write(string name, Action<Stream> write);

    /// <summary>The names under <paramref name="prefix"/> (a folder: no '/' at the end), in no particular order.</summary>
    IReadOnlyList<string> List(string prefix);

    /// <summary>Opens <paramref name="name"/> for reading.</summary>
    Stream OpenRead(string name);

    /// <summary>Deletes <paramref name="name"/> (nothing happens when it is already gone).</summary>
    void Delete(string name);
}
