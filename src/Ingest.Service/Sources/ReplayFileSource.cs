using System.Runtime.CompilerServices;
using System.Text;

namespace BitcoinVolume.Ingest.Sources;

/// <summary>
/// Reads a recording: one raw websocket text frame per line, exactly as received (NDJSON). Blank lines carry no frame
/// and are skipped. Frames are handed out as UTF-8 bytes; nothing is parsed here.
/// </summary>
public sealed class ReplayFileSource(string path) : IFrameSource
{
    public string Description => $"replay:{path}";

    public async IAsyncEnumerable<RawFrame> ReadFramesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Replay file '{path}' does not exist (Ingest:Source=replay:PATH wants an existing file).", path);
        }

        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite,
            Options = FileOptions.SequentialScan | FileOptions.Asynchronous,
            BufferSize = 1 << 16,
        });
        var line = 0L;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            yield return new RawFrame(Encoding.UTF8.GetBytes(text), $"{Description}:{line}");
        }
    }
}
