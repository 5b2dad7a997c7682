using System.Text;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;

namespace BitcoinVolume.Ingest.Venues.Kraken;

/// <summary>
/// Turns Kraken spot websocket frames into <see cref="Trade"/>s: the current API v2 (JSON objects: <c>trade</c> channel
/// <c>snapshot</c>/<c>update</c> with <c>trade_id</c>, <c>heartbeat</c>, <c>status</c>, subscribe acknowledgements and
/// errors, <c>pong</c>) and the legacy v1 (arrays <c>[channelID, [[price, volume, time, side, type, misc], …], "trade",
/// pair]</c>, <c>event</c> objects) that cryptofeed's recording holds. Also the REST <c>/0/public/Trades</c> rows
/// (<see cref="ParseRestTrades"/>). Kraken's <c>side</c> is the TAKER's on every one of them (<see cref="TryTakerSide"/>).
/// Stateless, one forward pass of <see cref="Utf8JsonReader"/> (a <c>data</c> array met before <c>channel</c> is read again
/// from its slice), never throws on input.
/// </summary>
/// <remarks>
/// v1 trades carry no trade id. Their <see cref="Trade.TradeId"/> is made deterministic from the frame:
/// <c>microseconds of the trade's time × 1000 + its index in the frame</c> (<see cref="V1TradeId"/>). It orders the
/// trades, and the same frame replayed twice (or recorded on two connections) gives the same ids, so dedup drops the
/// repeat; two different v1 frames with trades in the same microsecond at the same index would collide (not seen in the
/// recording). These ids are not contiguous: a v1 replay can dedup but never detect a gap.
/// </remarks>
public sealed class KrakenFrameParser(FrameParserOptions options, TimeProvider timeProvider, SymbolMap symbols) : IFrameParser
{
    /// <summary>Label of trade frames of websocket v2.</summary>
    public const string V2Feed = "v2";

    /// <summary>Label of trade frames of the legacy websocket v1.</summary>
    public const string V1Feed = "v1";

    /// <summary>A Kraken error reply that is not about a subscription (e.g. a malformed request).</summary>
    public const string VenueError = DeadLetterReasons.VenueError;

    private static readonly HashSet<string> IgnoredChannels = new(StringComparer.Ordinal)
    {
        "status", "book", "ticker", "ohlc", "instrument", "level3", "executions", "balances",
    };

    private static readonly string[] IgnoredV1Prefixes = ["book", "ticker", "spread", "ohlc"];

    private const string Venue = Contracts.Venues.Kraken;

    private FrameParse? parseCore;

    public FrameResult Parse(ReadOnlySpan<byte> frame, List<Trade> trades) =>
        FrameParsing.Guarded(frame, trades, options, parseCore ??= (f, list, _) => ParseCore(f, list));

    /// <summary>Parses a frame given as text.</summary>
    public FrameResult Parse(string frame, List<Trade> trades) => Parse(Encoding.UTF8.GetBytes(frame), trades);

    /// <summary>
    /// The id of the trade at <paramref name="index"/> of a v1 frame, timed at <paramref name="seconds"/> (epoch seconds, µs):
    /// microseconds × 1000 + index (see the remarks of the class).
    /// </summary>
    public static long V1TradeId(decimal seconds, int index) => ((long)decimal.Truncate(seconds * 1_000_000m) * 1000) + index;

    /// <summary>
    /// Parses a REST <c>GET /0/public/Trades</c> body: <c>{"error":[],"result":{"&lt;PAIR&gt;":[[price, volume, time, side,
    /// type, misc, trade_id], …],"last":"&lt;ns&gt;"}}</c> for <paramref name="product"/>. Good trades are appended even when
    /// another row is bad; <paramref name="last"/> is Kraken's cursor (nanoseconds: the next page starts after it).
    /// A non-empty <c>error</c> list throws <see cref="InvalidOperationException"/> (a failed request).
    /// </summary>
    public FrameResult ParseRestTrades(ReadOnlySpan<byte> body, string product, List<Trade> trades, out long? last)
    {
        ArgumentNullException.ThrowIfNull(trades);
        ArgumentException.ThrowIfNullOrEmpty(product);
        last = null;
        var instrument = symbols.TryGetByProduct(product, out var known) ? known : new Instrument(product, product);
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "the trades page is not a JSON object");
        }

        var start = trades.Count;
        FrameResult? firstError = null;
        List<string>? errors = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        (errors ??= []).Add(reader.TokenType == JsonTokenType.String ? reader.GetString()! : "?");
                        reader.Skip();
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("result"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("last"u8))
                    {
                        reader.Read();
                        last = VenueTradeText.TryReadInt64(ref reader, out var cursor) ? cursor : null;
                        reader.Skip();
                        continue;
                    }

                    reader.Read();
                    firstError ??= ReadRows(ref reader, instrument, trades, restIds: true);
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (errors is { Count: > 0 })
        {
            trades.RemoveRange(start, trades.Count - start);
            throw new InvalidOperationException($"Kraken answered errors: {string.Join("; ", errors)}");
        }

        var added = trades.Count - start;
        return firstError is { } error ? error with { Trades = added } : new FrameResult(FrameKind.Trades, added, "rest");
    }

    private FrameResult ParseCore(ReadOnlySpan<byte> frame, List<Trade> trades)
    {
        var reader = new Utf8JsonReader(frame, new JsonReaderOptions { MaxDepth = 64 });
        if (!reader.Read())
        {
            return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "empty frame");
        }

        var result = reader.TokenType switch
        {
            JsonTokenType.StartArray => ParseV1Array(ref reader, frame, trades),
            JsonTokenType.StartObject => ParseObject(ref reader, frame, trades),
            _ => FrameResult.Invalid(DeadLetterReasons.MalformedJson, "frame is neither a JSON object nor an array"),
        };

        // Confirms the rest of the frame is well-formed JSON (the parse stops at the closing bracket).
        return reader.Read() ? FrameResult.Invalid(DeadLetterReasons.MalformedJson, "trailing data after the frame") : result;
    }

    /// <summary>A v2 message, or a v1 <c>event</c> object.</summary>
    private FrameResult ParseObject(ref Utf8JsonReader reader, ReadOnlySpan<byte> frame, List<Trade> trades)
    {
        string? channel = null, method = null, error = null, symbol = null, evt = null, status = null, pair = null;
        bool? success = null;
        (int Start, int End)? data = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("channel"u8))
            {
                channel = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("method"u8))
            {
                method = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("success"u8))
            {
                reader.Read();
                success = reader.TokenType switch { JsonTokenType.True => true, JsonTokenType.False => false, _ => null };
                reader.Skip();
            }
            else if (reader.ValueTextEquals("error"u8) || reader.ValueTextEquals("errorMessage"u8))
            {
                error = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("symbol"u8))
            {
                symbol = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("result"u8))
            {
                // v2 acknowledgement: {"result":{"channel":"trade","symbol":"BTC/USD",…}}
                reader.Read();
                symbol ??= ReadSymbolOf(ref reader);
            }
            else if (reader.ValueTextEquals("event"u8))
            {
                evt = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("status"u8))
            {
                status = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("pair"u8))
            {
                pair = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                data = (start, (int)reader.BytesConsumed);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "the frame's object does not end");
        }

        if (evt is not null)
        {
            return evt switch
            {
                "heartbeat" => FrameResult.Heartbeat(evt, null, null),
                "subscriptionStatus" when status == "error" => Rejected(pair, error),
                "subscriptionStatus" or "systemStatus" or "pong" => FrameResult.Ignored(evt),
                "error" => FrameResult.Invalid(VenueError, $"Kraken error: {VenueTradeText.Truncate(error ?? "(no message)")}"),
                _ => FrameResult.Unknown("event", evt),
            };
        }

        if (method is not null)
        {
            return method switch
            {
                "subscribe" when success == false => Rejected(symbol, error),
                "subscribe" or "unsubscribe" => FrameResult.Ignored(method),
                "pong" => FrameResult.Heartbeat(method, null, null),
                _ when success == false => FrameResult.Invalid(VenueError, $"Kraken refused '{VenueTradeText.Truncate(method)}': {VenueTradeText.Truncate(error ?? "(no message)")}"),
                "ping" => FrameResult.Ignored(method),
                _ => FrameResult.Unknown("method", method),
            };
        }

        switch (channel)
        {
            case "trade":
                if (data is not { } slice)
                {
                    return FrameResult.Invalid(DeadLetterReasons.MissingField, "trade message without 'data'");
                }

                var dataReader = new Utf8JsonReader(frame[slice.Start..slice.End], new JsonReaderOptions { MaxDepth = 64 });
                dataReader.Read();
                var start = trades.Count;
                var firstError = ReadV2Trades(ref dataReader, trades);
                var added = trades.Count - start;
                return firstError is { } invalid ? invalid with { Trades = added } : new FrameResult(FrameKind.Trades, added, V2Feed);
            case "heartbeat":
                return FrameResult.Heartbeat(channel, null, null);
            case null:
                return FrameResult.Invalid(DeadLetterReasons.UnknownType, "frame has neither 'channel', 'method' nor 'event'");
            default:
                return IgnoredChannels.Contains(channel)
                    ? FrameResult.Ignored(channel)
                    : FrameResult.Unknown("channel", channel);
        }
    }

    /// <summary>A refused subscription: the detail names the symbol (and its canonical product when known).</summary>
    private FrameResult Rejected(string? symbol, string? error)
    {
        var product = symbol is not null && symbols.TryGet(symbol, out var instrument) ? $" ({instrument.Product})" : "";
        return FrameResult.Invalid(
            VenueTradeText.SubscriptionRejected,
            $"kraken refused the subscription of {VenueTradeText.Truncate(symbol ?? "(symbol not named)")}{product}: {VenueTradeText.Truncate(error ?? "(no message)")}");
    }

    /// <summary>The v2 <c>data</c> array of a trade message: <c>[{symbol, side, price, qty, ord_type, trade_id, timestamp}, …]</c>.</summary>
    private FrameResult? ReadV2Trades(ref Utf8JsonReader reader, List<Trade> trades)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "'data' is not an array");
        }

        FrameResult? firstError = null;
        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var result = ReadV2Trade(ref reader, trades);
            if (result is { } invalid)
            {
                firstError ??= invalid with { Detail = $"trade #{index}: {invalid.Detail}" };
            }

            index++;
        }

        return firstError;
    }

    private FrameResult? ReadV2Trade(ref Utf8JsonReader reader, List<Trade> trades)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "a trade is not an object");
        }

        string? symbol = null, side = null;
        decimal price = 0, qty = 0;
        long id = 0;
        DateTimeOffset time = default;
        bool hasPrice = false, hasQty = false, hasId = false, hasTime = false;
        string? bad = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("symbol"u8))
            {
                symbol = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("side"u8))
            {
                side = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("price"u8))
            {
                reader.Read();
                hasPrice = true;
                bad ??= VenueTradeText.TryReadDecimal(ref reader, out price) ? null : "price";
                reader.Skip();
            }
            else if (reader.ValueTextEquals("qty"u8))
            {
                reader.Read();
                hasQty = true;
                bad ??= VenueTradeText.TryReadDecimal(ref reader, out qty) ? null : "qty";
                reader.Skip();
            }
            else if (reader.ValueTextEquals("trade_id"u8))
            {
                reader.Read();
                hasId = true;
                bad ??= VenueTradeText.TryReadInt64(ref reader, out id) && id >= 0 ? null : "trade_id";
                reader.Skip();
            }
            else if (reader.ValueTextEquals("timestamp"u8))
            {
                reader.Read();
                hasTime = true;
                if (reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out time))
                {
                    time = time.ToUniversalTime();
                }
                else
                {
                    return Skip(ref reader, FrameResult.Invalid(DeadLetterReasons.InvalidTime, "timestamp is not an RFC 3339 time"));
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (symbol is null || side is null || !hasPrice || !hasQty || !hasId || !hasTime)
        {
            return FrameResult.Invalid(DeadLetterReasons.MissingField, "a trade needs symbol, side, price, qty, trade_id and timestamp");
        }

        if (bad is not null)
        {
            return FrameResult.Invalid(DeadLetterReasons.InvalidNumber, $"{bad} is not a number");
        }

        return Add(trades, symbol, id, time, price, qty, side);
    }

    /// <summary>
    /// Rows <c>[price, volume, time, side, type, misc(, trade_id)]</c>: a v1 trade payload (no id: <see cref="V1TradeId"/>)
    /// or REST rows (<paramref name="restIds"/>: the 7th element is the trade id).
    /// </summary>
    private FrameResult? ReadRows(ref Utf8JsonReader reader, Instrument instrument, List<Trade> trades, bool restIds)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "trades are not an array");
        }

        FrameResult? firstError = null;
        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var result = ReadRow(ref reader, instrument, index, trades, restIds);
            if (result is { } invalid)
            {
                firstError ??= invalid with { Detail = $"trade #{index}: {invalid.Detail}" };
            }

            index++;
        }

        return firstError;
    }

    private FrameResult? ReadRow(ref Utf8JsonReader reader, Instrument instrument, int index, List<Trade> trades, bool restIds)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "a trade is not an array");
        }

        decimal price = 0, volume = 0, seconds = 0;
        long id = -1;
        string? side = null;
        var field = 0;
        string? bad = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            switch (field)
            {
                case 0:
                    bad ??= VenueTradeText.TryReadDecimal(ref reader, out price) ? null : "price";
                    break;
                case 1:
                    bad ??= VenueTradeText.TryReadDecimal(ref reader, out volume) ? null : "volume";
                    break;
                case 2:
                    bad ??= VenueTradeText.TryReadDecimal(ref reader, out seconds) ? null : "time";
                    break;
                case 3:
                    side = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    break;
                case 6 when restIds:
                    bad ??= VenueTradeText.TryReadInt64(ref reader, out id) && id >= 0 ? null : "trade_id";
                    break;
            }

            reader.Skip();
            field++;
        }

        if (field < (restIds ? 7 : 4) || side is null)
        {
            return FrameResult.Invalid(DeadLetterReasons.MissingField, $"a trade row has {field} fields");
        }

        if (bad is not null)
        {
            return FrameResult.Invalid(bad == "time" ? DeadLetterReasons.InvalidTime : DeadLetterReasons.InvalidNumber, $"{bad} is not a number");
        }

        if (!VenueTradeText.TryEpochSeconds(seconds, out var time))
        {
            return FrameResult.Invalid(DeadLetterReasons.AbsurdTime, $"time {seconds} is out of range");
        }

        return Add(trades, instrument, restIds ? id : V1TradeId(seconds, index), time, price, volume, side);
    }

    /// <summary>A v1 array: <c>[channelID, payload(, payload2), channelName, pair]</c>.</summary>
    private FrameResult ParseV1Array(ref Utf8JsonReader reader, ReadOnlySpan<byte> frame, List<Trade> trades)
    {
        (int Start, int End)? payload = null;
        var texts = new List<string?>(2);
        var elements = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject)
            {
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                payload ??= (start, (int)reader.BytesConsumed);
            }
            else if (reader.TokenType == JsonTokenType.String)
            {
                texts.Add(reader.GetString());
            }

            elements++;
        }

        if (reader.TokenType != JsonTokenType.EndArray)
        {
            return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "the frame's array does not end");
        }

        if (elements < 4 || texts.Count < 2 || payload is not { } slice)
        {
            return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "a v1 frame is [channelID, payload, channelName, pair]");
        }

        var (name, pair) = (texts[^2] ?? "", texts[^1]);
        if (name != "trade")
        {
            return IgnoredV1Prefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal))
                ? FrameResult.Ignored(name.StartsWith("book", StringComparison.Ordinal) ? "book" : name)
                : FrameResult.Unknown("v1 channel", name);
        }

        if (!VenueTradeText.TryInstrument(symbols, pair, out var instrument, out var unknown))
        {
            return unknown;
        }

        var rows = new Utf8JsonReader(frame[slice.Start..slice.End], new JsonReaderOptions { MaxDepth = 64 });
        rows.Read();
        var first = trades.Count;
        var firstError = ReadRows(ref rows, instrument, trades, restIds: false);
        var added = trades.Count - first;
        return firstError is { } invalid ? invalid with { Trades = added } : new FrameResult(FrameKind.Trades, added, V1Feed);
    }

    private FrameResult? Add(List<Trade> trades, string symbol, long id, DateTimeOffset time, decimal price, decimal size, string side) =>
        VenueTradeText.TryInstrument(symbols, symbol, out var instrument, out var unknown) ? Add(trades, instrument, id, time, price, size, side) : unknown;

    private FrameResult? Add(List<Trade> trades, Instrument instrument, long id, DateTimeOffset time, decimal price, decimal size, string side)
    {
        if (!TryTakerSide(side, out var taker))
        {
            return FrameResult.Invalid(DeadLetterReasons.InvalidSide, $"side '{VenueTradeText.Truncate(side)}' is neither buy nor sell");
        }

        if (VenueTradeText.Check(options, timeProvider, price, size, time) is { } invalid)
        {
            return invalid;
        }

        trades.Add(VenueTradeText.Build(Venue, instrument, id, time, price, size, taker));
        return null;
    }

    /// <summary>
    /// THE side rule: Kraken's <c>side</c> is the taker's ("the side of the taker" in the v2 trade channel; v1 and REST
    /// <c>b</c>/<c>s</c> = "buy/sell", the aggressor), checked against the book on the v1 recording (tests).
    /// </summary>
    private static bool TryTakerSide(string side, out TakerSide taker)
    {
        switch (side)
        {
            case "buy" or "b":
                taker = TakerSide.Buy;
                return true;
            case "sell" or "s":
                taker = TakerSide.Sell;
                return true;
            default:
                taker = default;
                return false;
        }
    }

    private static FrameResult Skip(ref Utf8JsonReader reader, FrameResult result)
    {
        reader.Skip();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            reader.Read();
            reader.Skip();
        }

        return result;
    }

    /// <summary>The <c>symbol</c> of an object the reader is on (skipped otherwise).</summary>
    private static string? ReadSymbolOf(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        string? symbol = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("symbol"u8))
            {
                symbol = ReadString(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return symbol;
    }

    private static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }
}
