using System.Globalization;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.TestSupport;

/// <summary>
/// An aggregator's checkpoint folder (<c>Aggregate:Checkpoints:Path</c>) seen from outside: the next offset of each
/// partition's newest checkpoint (from its file name, <c>trades/partition/created ticks-next offset.ckpt</c>), waiting
/// until every partition is checkpointed at the end of its log, copying it.
/// </summary>
public sealed class CheckpointFolder(string path)
{
    public string Path { get; } = path;

    /// <summary>The next offset of the newest checkpoint of <paramref name="partition"/>, or -1 when there is none.</summary>
    public long NewestOffset(int partition)
    {
        var folder = System.IO.Path.Combine(Path, Topics.Trades, partition.ToString(CultureInfo.InvariantCulture));
        var newest = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.ckpt").Select(System.IO.Path.GetFileNameWithoutExtension).Max(StringComparer.Ordinal) : null;
        return newest is null ? -1 : long.Parse(newest[(newest.IndexOf('-', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);
    }

    /// <summary>Bytes of the newest checkpoint of every partition together (the state a move carries).</summary>
    public long NewestBytes() => Directory.Exists(System.IO.Path.Combine(Path, Topics.Trades))
        ? Directory.GetDirectories(System.IO.Path.Combine(Path, Topics.Trades))
            .Select(d => Directory.GetFiles(d, "*.ckpt").Max(StringComparer.Ordinal))
            .OfType<string>()
            .Sum(f => new FileInfo(f).Length)
        : 0;

    /// <summary>
    /// Waits until every partition of <c>trades</c> that holds records has a checkpoint at the end of its log on
    /// <paramref name="kafka"/> (the instance has checkpointed everything); returns each partition's log (first and next
    /// offset). A first offset above 0: the development broker has trimmed that partition's start.
    /// </summary>
    public async Task<List<(int Partition, long Low, long High)>> WaitAtLogEndAsync(KafkaTestCluster kafka, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(kafka);
        var partitions = Topics.All.Single(t => t.Name == Topics.Trades).Partitions;
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var logs = Enumerable.Range(0, partitions).Select(p => kafka.Watermarks(Topics.Trades, p) is var (low, high) ? (Partition: p, Low: low, High: high) : default).ToList();
            var behind = logs.Where(l => l.High > 0 && NewestOffset(l.Partition) != l.High).ToList();
            if (behind.Count == 0)
            {
                return logs;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no checkpoint at the end of the log of partitions {string.Join(", ", behind.Select(b => $"{b.Partition} (log ends at {b.High}, checkpoint {NewestOffset(b.Partition)})"))} in {Path} within {timeout}");
            }

            await Task.Delay(500);
        }
    }

    /// <summary>Copies the checkpoints to <paramref name="to"/> (a folder of checkpoints as they are now).</summary>
    public CheckpointFolder CopyTo(string to)
    {
        foreach (var file in Directory.GetFiles(Path, "*.ckpt", SearchOption.AllDirectories))
        {
            var target = System.IO.Path.Combine(to, System.IO.Path.GetRelativePath(Path, file));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return new CheckpointFolder(to);
    }
}
