using System.Buffers.Text;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;

namespace BitcoinVolume.Ingest.Venues;

/// <summary>
/// Reading helpers shared by the JSON venue parsers (Binance, OKX): exact decimals and integers from JSON text or numbers,
/// millisecond timestamps checked against <see cref="FrameParserOptions"/> (the never-throw wrapper is <see cref="FrameParsing.Guarded"/>).
/// Also the dead-letter reasons the venue seam adds (to move into <see cref="DeadLetterReasons"/> when the runtime owner
/// takes them).
/// </summary>
internal static class VenueJson
{
    /// <summary>A trade of a symbol the venue's <see cref="SymbolMap"/> does not know (never guessed).</summary>
    public const string UnknownSymbol = DeadLetterReasons.UnknownSymbol;

    /// <summary>The venue refused a subscription; the detail names the refused symbol/product.</summary>
    public const string SubscriptionRejected = DeadLetterReasons.SubscriptionRejected;

    /// <summary>An error frame of the venue that is not about a subscription.</summary>
    public const string VenueError = DeadLetterReasons.VenueError;

    /// <summary>Ignored label of frames of another market of the same venue (OKX futures/swaps on the spot venue).</summary>
    public const string OtherMarket = "other_market";

    /// <summary>Reads a decimal given as a JSON string or number, exactly (never through double); false when not a decimal.</summary>
    public static bool ReadDecimal(ref Utf8JsonReader reader, out decimal value)
    {
        reader.Read();
        value = 0;
        if (reader.TokenType is JsonTokenType.String or JsonTokenType.Number && !reader.ValueIsEscaped)
        {
            var text = reader.ValueSpan;
            return !text.IsEmpty && Utf8Parser.TryParse(text, out value, out var used) && used == text.Length;
        }

        reader.Skip();
        return false;
    }

    /// <summary>Reads an integer given as a JSON number or a string of digits; false otherwise.</summary>
    public static bool ReadInt64(ref Utf8JsonReader reader, out long value)
    {
        reader.Read();
        value = 0;
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return reader.TryGetInt64(out value);
            case JsonTokenType.String when !reader.ValueIsEscaped:
                var text = reader.ValueSpan;
                return !text.IsEmpty && Utf8Parser.TryParse(text, out value, out var used) && used == text.Length;
            default:
                reader.Skip();
                return false;
        }
    }

    /// <summary>Reads a JSON string (null for any other token, which is skipped).</summary>
    public static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }

    /// <summary>Skips the value of the property the reader is on.</summary>
    public static void SkipValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        reader.Skip();
    }

    /// <summary>
    /// The event time of a Unix millisecond timestamp, or the invalid result when it is out of range or implausible
    /// (<see cref="FrameParserOptions.EarliestTradeTime"/>, <see cref="FrameParserOptions.MaxClockSkew"/>).
    /// </summary>
    public static bool TryTime(long milliseconds, FrameParserOptions options, TimeProvider clock, out DateTimeOffset time, out FrameResult invalid)
    {
        invalid = default;
        time = default;
        if (milliseconds < 0 || milliseconds > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            invalid = FrameResult.Invalid(DeadLetterReasons.InvalidTime, $"time {milliseconds} is not a Unix millisecond timestamp");
            return false;
        }

        time = DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
        if (time < options.EarliestTradeTime || time > clock.GetUtcNow() + options.MaxClockSkew)
        {
            invalid = FrameResult.Invalid(DeadLetterReasons.AbsurdTime, $"time {time:O} is outside the plausible range");
            return false;
        }

        return true;
    }

    /// <summary>The invalid result of a non-positive size or price, else null.</summary>
    public static FrameResult? CheckAmounts(decimal size, decimal price)
    {
        if (size <= 0)
        {
            return FrameResult.Invalid(DeadLetterReasons.NonPositiveSize, $"size {size} is not positive");
        }

        return price <= 0 ? FrameResult.Invalid(DeadLetterReasons.NonPositivePrice, $"price {price} is not positive") : null;
    }

    /// <summary>Cuts a text for a dead-letter detail.</summary>
    public static string Truncate(string? value) => value is null ? "" : value.Length <= 64 ? value : value[..64] + "…";

    /// <summary>True for an absolute ws:// or wss:// URL.</summary>
    public static bool IsWebSocketUrl(Uri? url) => url is not null && url.IsAbsoluteUri && url.Scheme is "ws" or "wss";

    /// <summary>True for an absolute http:// or https:// URL.</summary>
    public static bool IsHttpUrl(Uri? url) => url is not null && url.IsAbsoluteUri && url.Scheme is "http" or "https";

    /// <summary>A base address for an HttpClient (with the trailing slash relative URIs need).</summary>
    public static Uri BaseAddress(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var text = url.ToString();
        return new Uri(text.EndsWith('/') ? text : text + "/");
    }

    /// <summary>
    /// Registers a venue's named REST HttpClient at <paramref name="url"/> (read when the client is made; ServiceDefaults
    /// adds the standard resilience handler to every client).
    /// </summary>
    public static void AddVenueRestClient(this IServiceCollection services, string name, Func<IServiceProvider, Uri> url) =>
        services.AddHttpClient(name, (sp, http) =>
        {
            http.BaseAddress = BaseAddress(url(sp));
            http.DefaultRequestHeaders.UserAgent.ParseAdd("BitcoinVolume-Ingest/1.0");
            http.MaxResponseContentBufferSize = 16 * 1024 * 1024;
        });

    /// <summary>GETs <paramref name="uri"/> and returns the body; throws <see cref="HttpRequestException"/> on a failed status.</summary>
    public static async Task<byte[]> GetBodyAsync(HttpClient http, string uri, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {uri} answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
        }

        return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The instruments of a REST instrument list: the objects of the top-level array <paramref name="arrayName"/> (their
    /// string fields) through <paramref name="map"/> (null = not an instrument of the venue). A malformed body throws
    /// <see cref="FormatException"/>.
    /// </summary>
    public static List<Instrument> ReadInstrumentList(string venue, string body, string arrayName, Func<IReadOnlyDictionary<string, string>, Instrument?> map)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(map);
        try
        {
            var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(body), new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new FormatException($"{venue}: the instrument list is not a JSON object");
            }

            var instruments = new List<Instrument>();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals(arrayName))
                {
                    SkipValue(ref reader);
                    continue;
                }

                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    throw new FormatException($"{venue}: the instrument list's '{arrayName}' is not an array");
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    var fields = new Dictionary<string, string>(StringComparer.Ordinal);
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var name = reader.GetString()!;
                        if (ReadString(ref reader) is { } value)
                        {
                            fields[name] = value;
                        }
                    }

                    if (map(fields) is { } instrument && Products.IsCanonical(instrument.Product))
                    {
                        instruments.Add(instrument);
                    }
                }
            }

            return instruments;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new FormatException($"{venue}: the instrument list is not valid JSON: {e.Message}", e);
        }
    }
}
