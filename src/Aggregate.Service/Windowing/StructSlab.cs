namespace BitcoinVolume.Aggregate.Windowing;

/// <summary>
/// Values of <typeparamref name="T"/> in chunks of <see cref="ChunkSize"/>, handed out as runs of consecutive indexes
/// (<see cref="Rent"/>) and taken back for reuse by runs of the same length (<see cref="Return"/>).
/// <para>Why: an aggregator holds every window of its retention (7 days by default: hundreds of thousands). As objects, each
/// window and its size class cells were copied by the GC from generation 0 to 1 to 2, which took about a fifth of the
/// aggregation core's time at the 24-hour density (docs/BENCHMARKS.md, section 0). A chunk is one large array, allocated
/// once and never moved; when <typeparamref name="T"/> holds no references the GC never scans it either.</para>
/// </summary>
internal sealed class StructSlab<T>
    where T : struct
{
    /// <summary>Items per chunk (a run never spans two chunks, so it is at most this long).</summary>
    public const int ChunkSize = 1 << ChunkShift;

    private const int ChunkShift = 12;
    private const int ChunkMask = ChunkSize - 1;

    private readonly Dictionary<int, Stack<int>> free = [];
    private T[][] chunks = [];
    private int next;

    /// <summary>Items the chunks hold (used or not).</summary>
    public int Capacity => chunks.Length * ChunkSize;

    /// <summary>The item at <paramref name="index"/>.</summary>
    public ref T this[int index] => ref chunks[index >> ChunkShift][index & ChunkMask];

    /// <summary>The run of <paramref name="length"/> items that starts at <paramref name="start"/>.</summary>
    public Span<T> Run(int start, int length) => chunks[start >> ChunkShift].AsSpan(start & ChunkMask, length);

    /// <summary>A run of <paramref name="length"/> zeroed items; returns its first index.</summary>
    public int Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, ChunkSize);
        if (free.TryGetValue(length, out var reusable) && reusable.TryPop(out var start))
        {
            return start;
        }

        if ((next & ChunkMask) + length > ChunkSize)
        {
            next = (next | ChunkMask) + 1; // the rest of this chunk is too short: start the next one
        }

        start = next;
        if ((start >> ChunkShift) == chunks.Length)
        {
            Array.Resize(ref chunks, chunks.Length + 1);
            chunks[^1] = new T[ChunkSize];
        }

        next += length;
        return start;
    }

    /// <summary>Takes back the run of <paramref name="length"/> at <paramref name="start"/> (cleared for its next user).</summary>
    public void Return(int start, int length)
    {
        Run(start, length).Clear();
        if (!free.TryGetValue(length, out var reusable))
        {
            free.Add(length, reusable = new Stack<int>());
        }

        reusable.Push(start);
    }
}
