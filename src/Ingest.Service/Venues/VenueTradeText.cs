using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;

namespace BitcoinVolume.Ingest.Venues;

/// <summary>
/// What the Kraken and Bitstamp parsers share: exact decimals and epoch times from a venue's text, the plausibility
/// checks of <see cref="FrameParserOptions"/> on a built trade, the symbol lookup, and the two dead-letter reasons every
/// venue adapter uses (<see cref="SubscriptionRejected"/>, <see cref="UnknownSymbol"/>).
/// </summary>
public static class VenueTradeText
{
    /// <summary>The venue refused a subscription (the detail names the refused symbol/product).</summary>
    public const string SubscriptionRejected = DeadLetterReasons.SubscriptionRejected;

    /// <summary>A trade of a symbol the venue's <see cref="SymbolMap"/> does not know (never guessed).</summary>
    public const string UnknownSymbol = DeadLetterReasons.UnknownSymbol;

    /// <summary>The current JSON token (a string or a number) as an exact decimal, from its text; false for anything else.</summary>
    public static bool TryReadDecimal(ref Utf8JsonReader reader, out decimal value)
    {
        value = 0;
        if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Number) || reader.ValueIsEscaped || reader.HasValueSequence)
        {
            return false;
        }

        return TryParseDecimal(reader.ValueSpan, out value);
    }

    /// <summary>Exact decimal from ASCII text (plain or with an exponent), never through <see cref="double"/>.</summary>
    public static bool TryParseDecimal(ReadOnlySpan<byte> text, out decimal value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 64)
        {
            return false;
        }

        if (Utf8Parser.TryParse(text, out value, out var used) && used == text.Length)
        {
            return true;
        }

        Span<char> chars = stackalloc char[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            chars[i] = (char)text[i];
        }

        return decimal.TryParse(chars, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>The current token (string or number) as a signed 64-bit integer from its text.</summary>
    public static bool TryReadInt64(ref Utf8JsonReader reader, out long value)
    {
        value = 0;
        return reader.TokenType switch
        {
            JsonTokenType.Number => reader.TryGetInt64(out value),
            JsonTokenType.String when !reader.ValueIsEscaped && !reader.HasValueSequence =>
                Utf8Parser.TryParse(reader.ValueSpan, out value, out var used) && used == reader.ValueSpan.Length,
            _ => false,
        };
    }

    /// <summary>A time given as decimal seconds since the epoch (<c>1618678142.557535</c>), exact to 100 ns.</summary>
    public static bool TryEpochSeconds(decimal seconds, out DateTimeOffset time)
    {
        time = default;
        if (seconds is < 0 or > 253_402_300_799m)
        {
            return false;
        }

        time = DateTimeOffset.UnixEpoch.AddTicks((long)decimal.Truncate(seconds * TimeSpan.TicksPerSecond));
        return true;
    }

    /// <summary>A time given as microseconds since the epoch (Bitstamp <c>microtimestamp</c>).</summary>
    public static bool TryEpochMicroseconds(long micros, out DateTimeOffset time)
    {
        time = default;
        if (micros is < 0 or > 253_402_300_799_000_000)
        {
            return false;
        }

        time = DateTimeOffset.UnixEpoch.AddTicks(micros * 10);
        return true;
    }

    /// <summary>The instrument of a venue symbol, or an <see cref="UnknownSymbol"/> result.</summary>
    public static bool TryInstrument(SymbolMap symbols, string? symbol, out Instrument instrument, out FrameResult invalid)
    {
        ArgumentNullException.ThrowIfNull(symbols);
        invalid = default;
        if (symbol is not null && symbols.TryGet(symbol, out instrument))
        {
            return true;
        }

        instrument = null!;
        invalid = FrameResult.Invalid(UnknownSymbol, $"{symbols.Venue.Id} symbol '{Truncate(symbol ?? "(none)")}' is not a known instrument");
        return false;
    }

    /// <summary>
    /// The checks every trade passes before it is built (positive price and size, time within
    /// <see cref="FrameParserOptions"/>' plausible range): null when it passes, else the invalid result.
    /// </summary>
    public static FrameResult? Check(FrameParserOptions options, TimeProvider clock, decimal price, decimal size, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clock);
        if (size <= 0)
        {
            return FrameResult.Invalid(DeadLetterReasons.NonPositiveSize, $"size {size} is not positive");
        }

        if (price <= 0)
        {
            return FrameResult.Invalid(DeadLetterReasons.NonPositivePrice, $"price {price} is not positive");
        }

        if (time < options.EarliestTradeTime || time > clock.GetUtcNow() + options.MaxClockSkew)
        {
            return FrameResult.Invalid(DeadLetterReasons.AbsurdTime, $"time {time:O} is outside the plausible range");
        }

        return null;
    }

    /// <summary>Builds the venue's trade (size × the instrument's contract size, exactly).</summary>
    public static Trade Build(string venue, Instrument instrument, long id, DateTimeOffset time, decimal price, decimal size, TakerSide side, string? textId = null)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        return new Trade(instrument.Product, id, time, price, size * instrument.ContractSize, side) { Venue = venue, TextId = textId };
    }

    /// <summary>Cuts a value for a dead-letter detail.</summary>
    public static string Truncate(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Length <= 64 ? value : value[..64] + "…";
    }
}

/// <summary>The named REST HttpClient of a venue (ServiceDefaults adds the standard resilience handler to every client).</summary>
public static class VenueRestClients
{
    /// <summary>Registers <paramref name="name"/> with its base address from the venue's options.</summary>
    public static IServiceCollection AddVenueRestClient<TOptions>(this IServiceCollection services, string name, Func<TOptions, Uri> restUrl)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(restUrl);
        services.AddHttpClient(name, (sp, http) =>
        {
            var url = restUrl(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<TOptions>>().Value).ToString();
            http.BaseAddress = new Uri(url.EndsWith('/') ? url : url + "/");
            http.DefaultRequestHeaders.UserAgent.ParseAdd("BitcoinVolume-Ingest/1.0");
            http.MaxResponseContentBufferSize = 16 * 1024 * 1024;
        });
        return services;
    }
}
