using System.Text;
using System.Text.Json;

namespace BitcoinVolume.Ingest.Sources;

/// <summary>
/// One line of a cryptofeed recording (format 2, tests/data/cryptofeed/README.md): its top-level fields, in any order.
/// The <c>data</c> string is not decoded while reading (an <c>http</c> body can be megabytes); <see cref="DataBytes"/> and
/// <see cref="DataString"/> decode it on demand from the line.
/// </summary>
/// <param name="Type"><c>t</c>: <c>header</c>, <c>http</c>, <c>connect</c>, <c>send</c>, <c>recv</c> (others are skipped).</param>
/// <param name="Conn"><c>conn</c>: the connection a record belongs to.</param>
/// <param name="Ts"><c>ts</c> (epoch seconds, read exactly as a decimal), or default.</param>
/// <param name="Addr"><c>addr</c> of a <c>connect</c>: the websocket endpoint.</param>
/// <param name="Url"><c>url</c> of an <c>http</c> record.</param>
/// <param name="Venue"><c>venue</c> of a <c>connect</c>: our venue id (only in recordings of ours; cryptofeed has none).</param>
/// <param name="Format"><c>format</c> of the header.</param>
/// <param name="Exchange"><c>exchange</c> of the header.</param>
/// <param name="DataStart">Byte offset of the <c>data</c> string token in the line, or -1.</param>
public readonly record struct CryptofeedRecord(
    string? Type, string? Conn, DateTimeOffset Ts, string? Addr, string? Url, string? Venue, int? Format, string? Exchange, int DataStart)
{
    public const string Header = "header";
    public const string Http = "http";
    public const string Connect = "connect";
    public const string Send = "send";
    public const string Recv = "recv";

    /// <summary>The format this reader (and our recorder) speaks.</summary>
    public const int SupportedFormat = 2;

    private const long MaxUnixSeconds = 253_402_300_799; // 9999-12-31T23:59:59Z

    public bool HasData => DataStart >= 0;

    /// <summary>
    /// Reads a line's top-level fields; false (with a reason) when the line is not a JSON object, has trailing data, or a
    /// known field has the wrong type. Nested values (the header's <c>config</c>) are skipped.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> line, out CryptofeedRecord record, out string error)
    {
        record = default;
        error = string.Empty;
        string? type = null, conn = null, addr = null, url = null, venue = null, exchange = null;
        int? format = null;
        DateTimeOffset ts = default;
        var dataStart = -1;
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "the line is not a JSON object";
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueSpan;
                var escaped = reader.ValueIsEscaped;
                reader.Read();
                if (escaped)
                {
                    reader.Skip();
                    continue;
                }

                if (name.SequenceEqual("t"u8))
                {
                    type = ReadString(ref reader, "t");
                }
                else if (name.SequenceEqual("conn"u8))
                {
                    conn = ReadString(ref reader, "conn");
                }
                else if (name.SequenceEqual("addr"u8))
                {
                    addr = ReadString(ref reader, "addr");
                }
                else if (name.SequenceEqual("url"u8))
                {
                    url = ReadString(ref reader, "url");
                }
                else if (name.SequenceEqual("venue"u8))
                {
                    venue = ReadString(ref reader, "venue");
                }
                else if (name.SequenceEqual("exchange"u8))
                {
                    exchange = ReadString(ref reader, "exchange");
                }
                else if (name.SequenceEqual("format"u8))
                {
                    format = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var f) ? f : throw new FormatException("format is not an integer");
                }
                else if (name.SequenceEqual("ts"u8))
                {
                    ts = reader.TokenType == JsonTokenType.Number && reader.TryGetDecimal(out var seconds) && seconds is >= 0 and <= MaxUnixSeconds
                        ? DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond))
                        : throw new FormatException("ts is not a plausible epoch time in seconds");
                }
                else if (name.SequenceEqual("data"u8))
                {
                    dataStart = reader.TokenType == JsonTokenType.String ? (int)reader.TokenStartIndex : throw new FormatException("data is not a string");
                }
                else
                {
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                error = "trailing data after the record's object";
                return false;
            }
        }
        catch (JsonException e)
        {
            error = e.Message;
            return false;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return false;
        }

        record = new CryptofeedRecord(type, conn, ts, addr, url, venue, format, exchange, dataStart);
        return true;
    }

    /// <summary>The <c>data</c> string, unescaped, as UTF-8 bytes — the frame exactly as received.</summary>
    public byte[] DataBytes(ReadOnlySpan<byte> line)
    {
        var reader = DataReader(line);
        if (!reader.ValueIsEscaped)
        {
            return reader.ValueSpan.ToArray();
        }

        var buffer = new byte[reader.ValueSpan.Length];
        var written = reader.CopyString(buffer);
        return buffer.AsSpan(0, written).ToArray();
    }

    /// <summary>The <c>data</c> string (an <c>http</c> response body).</summary>
    public string DataString(ReadOnlySpan<byte> line)
    {
        var reader = DataReader(line);
        return reader.ValueIsEscaped ? reader.GetString()! : Encoding.UTF8.GetString(reader.ValueSpan);
    }

    private Utf8JsonReader DataReader(ReadOnlySpan<byte> line)
    {
        if (DataStart < 0)
        {
            throw new InvalidOperationException("the record has no data");
        }

        var reader = new Utf8JsonReader(line[DataStart..]);
        reader.Read();
        return reader;
    }

    private static string? ReadString(ref Utf8JsonReader reader, string field) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => throw new FormatException($"{field} is not a string"),
    };
}
