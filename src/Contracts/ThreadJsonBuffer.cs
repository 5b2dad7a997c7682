using System.Buffers;
using System.Text.Json;

namespace BitcoinVolume.Contracts;

/// <summary>
/// The reused per-thread buffer and <see cref="Utf8JsonWriter"/> of the hand-written record writers
/// (<see cref="TradeRecordWriter"/>, <see cref="WindowVolumeWriter"/>, <see cref="FootprintWindowWriter"/>): no allocation
/// per record once the buffer has grown to the largest one.
/// </summary>
internal static class ThreadJsonBuffer
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? writer;

    /// <summary>
    /// Writes <paramref name="value"/> with <paramref name="write"/> into this thread's buffer and returns the bytes: valid
    /// until the next write of ANY of these writers on the same thread (copy them, or hand them on before that).
    /// </summary>
    public static ReadOnlySpan<byte> Write<T>(T value, Action<Utf8JsonWriter, T> write)
    {
        var output = buffer ??= new ArrayBufferWriter<byte>(512);
        output.ResetWrittenCount();
        var json = writer ??= new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
        json.Reset(output);
        write(json, value);
        json.Flush();
        return output.WrittenSpan;
    }
}
