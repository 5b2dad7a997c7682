using System.Text.Json;
using System.Text.Json.Serialization;
using BitcoinVolume.Ingest.Gaps;

namespace BitcoinVolume.Ingest.Recovery;

/// <summary>
/// One stream's stored mark: every id of the stream up to <see cref="TradeId"/> is on `trades` (or was reported);
/// <see cref="Time"/> is the trade time of the newest acknowledged trade. <see cref="RewindTradeId"/> is the stream's mark
/// as it was at least <see cref="IngestStateOptions.Rewind"/> before (for a stream first seen less than that long ago in
/// the run that wrote it: just below its first trade): where a stream resumes when `trades` has no record of it. Null in a
/// file without it.
/// </summary>
public sealed record StoredMark(string Stream, long TradeId, DateTimeOffset Time, bool Contiguous)
{
    public long? RewindTradeId { get; init; }
}

/// <summary>The file of one venue's marks.</summary>
public sealed record StoredMarks(string Venue, DateTimeOffset WrittenAt, IReadOnlyList<StoredMark> Streams);

[JsonSerializable(typeof(StoredMarks))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
internal sealed partial class IngestStateJsonContext : JsonSerializerContext;

/// <summary>
/// Ingest's durable high-water marks per (venue, product) on local disk (<see cref="IngestStateOptions.Path"/>, one file per
/// venue, <c>&lt;venue&gt;.json</c>). Written atomically — a temporary file, flushed to disk, then renamed over the old one —
/// so a crash leaves the old file or the new one, never half of one. Only marks of trades Kafka acknowledged are written
/// (<see cref="TradeGate.DurableMarks"/>), so a mark never runs ahead of `trades`. A failed write is logged once (until
/// a write succeeds again) and retried at the next interval; a file that cannot be read is logged and ignored (the tail of
/// `trades` still applies).
/// </summary>
public sealed class IngestStateStore(string folder, ILogger logger)
{
    private bool failing;

    public string Folder => folder;

    /// <summary>The file of <paramref name="venue"/>'s marks.</summary>
    public string FileOf(string venue) => System.IO.Path.Combine(folder, venue + ".json");

    /// <summary>The stored marks of <paramref name="venue"/>, by stream; empty when there is no (readable) file.</summary>
    public IReadOnlyDictionary<string, StoredMark> Load(string venue)
    {
        var file = FileOf(venue);
        if (!File.Exists(file))
        {
            return new Dictionary<string, StoredMark>();
        }

        try
        {
            var stored = JsonSerializer.Deserialize(File.ReadAllBytes(file), IngestStateJsonContext.Default.StoredMarks);
            return stored?.Streams?.Where(m => m?.Stream is not null).ToDictionary(m => m.Stream, StringComparer.Ordinal) ?? [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            logger.StateUnreadable(e, file, e.Message);
            return new Dictionary<string, StoredMark>();
        }
    }

    /// <summary>Writes <paramref name="marks"/> as <paramref name="venue"/>'s file (atomically); false when the write failed (logged).</summary>
    public bool Save(string venue, IReadOnlyList<DurableMark> marks, IReadOnlyDictionary<string, long> rewind, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(rewind);
        ArgumentNullException.ThrowIfNull(marks);
        var file = FileOf(venue);
        var temp = file + ".tmp";
        try
        {
            Directory.CreateDirectory(folder);
            var stored = new StoredMarks(venue, now, [.. marks.OrderBy(m => m.Stream, StringComparer.Ordinal).Select(m => new StoredMark(m.Stream, m.TradeId, m.Time, m.Contiguous)
            {
                // A stream younger than the rewind (first seen in this run): everything since its first trade.
                RewindTradeId = Math.Min(rewind.TryGetValue(m.Stream, out var back) ? back : m.Floor - 1, m.TradeId),
            })]);
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(stream, stored, IngestStateJsonContext.Default.StoredMarks);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, file, overwrite: true);
            if (failing)
            {
                failing = false;
                logger.StateWritableAgain(file);
            }

            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (!failing)
            {
                failing = true;
                logger.StateWriteFailed(e, file, e.Message);
            }

            return false;
        }
    }
}
