using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;

namespace BitcoinVolume.Ingest.Venues.Coinbase;

/// <summary>
/// Turns raw Coinbase websocket frames — Exchange feed (<c>match</c>, <c>last_match</c>) and Advanced Trade
/// (<c>market_trades</c> <c>snapshot</c>/<c>update</c>, several trades per frame) — into <see cref="Trade"/>s with the
/// TAKER's side. Coinbase's <c>side</c> is the maker's on both feeds, so it is flipped here, in exactly one place.
/// One forward pass of <see cref="Utf8JsonReader"/>, no reflection, no intermediate DOM. Never throws on input.
/// </summary>
public sealed class CoinbaseFrameParser(FrameParserOptions options, TimeProvider timeProvider) : IFrameParser
{
    /// <summary>The label of trade frames from the Exchange feed.</summary>
    public const string ExchangeFeed = "exchange";

    /// <summary>The label of trade frames from the Advanced Trade feed.</summary>
    public const string AdvancedTradeFeed = "advanced_trade";

    private static readonly HashSet<string> IgnoredTypes = new(StringComparer.Ordinal)
    {
        "subscriptions", "ticker", "l2update", "snapshot", "received", "open", "done", "change",
        "activate", "status", "auction", "rfq_match", "full", "level2", "level3",
    };

    private static readonly HashSet<string> IgnoredChannels = new(StringComparer.Ordinal)
    {
        "subscriptions", "ticker", "ticker_batch", "l2_data", "level2", "status", "candles", "user",
        "futures_balance_summary",
    };

    public CoinbaseFrameParser()
        : this(new FrameParserOptions(), TimeProvider.System)
    {
    }

    /// <summary>The frame reader as a delegate, made once (not per frame).</summary>
    private FrameParse? parseCore;

    /// <summary>Advanced Trade product ids mapped back to the configured product (<c>BTC-USD</c> → <c>BTC-USDC</c>), see <see cref="UseProducts"/>.</summary>
    private Dictionary<string, string>? advancedTradeAliases;

    /// <summary>
    /// Advanced Trade serves the <c>-USDC</c> products on its public channels as the <c>-USD</c> product (one order book):
    /// a configured <c>X-USDC</c> whose <c>X-USD</c> is not configured gets the frames' <c>X-USD</c> trades of
    /// <c>market_trades</c> as <c>X-USDC</c>. With both configured the frames cannot tell them apart: they stay
    /// <c>X-USD</c> (so <c>X-USDC</c> gets no trades) and a warning says so. The Exchange feed is not mapped.
    /// </summary>
    public IReadOnlyList<string> UseProducts(IReadOnlySet<string> products)
    {
        ArgumentNullException.ThrowIfNull(products);
        var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
        var warnings = new List<string>();
        foreach (var product in products.Where(p => p.EndsWith("-USDC", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var usd = product[..^1];
            if (products.Contains(usd))
            {
                warnings.Add($"Coinbase Advanced Trade serves {product} as {usd}: with both configured their trades cannot be told apart; they are produced as {usd} only, {product} gets none from Advanced Trade (configure one of them)");
            }
            else
            {
                aliases[usd] = product;
            }
        }

        advancedTradeAliases = aliases.Count > 0 ? aliases : null;
        return warnings;
    }

    /// <summary>Parses one frame, appending its trades to <paramref name="trades"/>.</summary>
    public FrameResult Parse(ReadOnlySpan<byte> frame, List<Trade> trades) => FrameParsing.Guarded(frame, trades, options, parseCore ??= ParseCore);

    /// <summary>
    /// Parses a page of the REST endpoint <c>GET /products/{id}/trades</c>: a JSON array of
    /// <c>{time, trade_id, price, size, side}</c> (no product; <c>side</c> is the maker's, flipped here too).
    /// Good trades are appended even when another element is bad; the result names the first bad one.
    /// </summary>
    public FrameResult ParseRestTrades(ReadOnlySpan<byte> body, string product, List<Trade> trades)
    {
        ArgumentNullException.ThrowIfNull(trades);
        ArgumentException.ThrowIfNullOrEmpty(product);
        var start = trades.Count;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "the trades page is not a JSON array");
            }

            FrameResult? firstError = null;
            var index = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var raw = ReadTradeObject(ref reader);

                raw.DefaultProduct(product);
                if (raw.TryBuild(options, timeProvider, out var trade, out var invalid))
                {
                    trades.Add(trade);
                }
                else
                {
                    firstError ??= invalid with { Detail = $"trade #{index}: {invalid.Detail}" };
                }

                index++;
            }

            var added = trades.Count - start;
            return firstError is { } error ? error with { Trades = added } : new FrameResult(FrameKind.Trades, added, "rest");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            trades.RemoveRange(start, trades.Count - start);
            return FrameResult.Invalid(DeadLetterReasons.MalformedJson, e.Message);
        }
    }

    /// <summary>Parses a frame given as text.</summary>
    public FrameResult Parse(string frame, List<Trade> trades) => Parse(Encoding.UTF8.GetBytes(frame), trades);

    private FrameResult ParseCore(ReadOnlySpan<byte> frame, List<Trade> trades, int start)
    {
        var reader = new Utf8JsonReader(frame, new JsonReaderOptions { MaxDepth = 64 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "frame is not a JSON object");
        }

        string? type = null, channel = null, message = null, reason = null;
        long? lastTradeId = null;
        var match = default(RawTrade);
        FrameResult? eventsError = null;

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                type = FrameParsing.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("channel"u8))
            {
                channel = FrameParsing.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("last_trade_id"u8))
            {
                reader.Read();
                // Some products report last_trade_id 0 always: an id ≤ 0 says nothing (liveness only), never a gap.
                lastTradeId = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var id) && id > 0 ? id : null;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("events"u8))
            {
                reader.Read();
                eventsError = ReadEvents(ref reader, trades);
            }
            else if (match.TryReadField(ref reader))
            {
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                message = FrameParsing.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("reason"u8))
            {
                reason = FrameParsing.ReadString(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        // Confirms the rest of the frame is well-formed JSON (the loop stops at the closing brace).
        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "trailing data after the frame's object");
        }

        if (channel is not null)
        {
            if (channel == "market_trades")
            {
                if (advancedTradeAliases is { } aliases)
                {
                    for (var i = start; i < trades.Count; i++)
                    {
                        if (aliases.TryGetValue(trades[i].Product, out var configured))
                        {
                            trades[i] = trades[i] with { Product = configured };
                        }
                    }
                }

                var added = trades.Count - start;
                return eventsError is { } error ? error with { Trades = added } : new FrameResult(FrameKind.Trades, added, AdvancedTradeFeed);
            }

            if (channel == "heartbeats")
            {
                // Advanced Trade heartbeats carry a counter, not a trade id: liveness only.
                return FrameResult.Heartbeat(channel, null, null);
            }

            return IgnoredChannels.Contains(channel)
                ? FrameResult.Ignored(channel)
                : FrameResult.Unknown("channel", channel);
        }

        switch (type)
        {
            case "match" or "last_match":
                trades.RemoveRange(start, trades.Count - start);
                if (!match.TryBuild(options, timeProvider, out var trade, out var invalid))
                {
                    return invalid;
                }

                trades.Add(trade);
                return new FrameResult(FrameKind.Trades, 1, ExchangeFeed);
            case "heartbeat":
                // Exchange heartbeat: the product's last trade id reveals a gap even when no trade follows.
                return FrameResult.Heartbeat(type, match.Product, match.Product is null ? null : lastTradeId);
            case "error":
                // Both feeds: {"type":"error","message":"Failed to subscribe","reason":"BTC-XXX is not a valid product"}.
                var said = $"{Truncate(message ?? "no message")}{(reason is null ? "" : ": " + Truncate(reason))}";
                return message?.Contains("subscribe", StringComparison.OrdinalIgnoreCase) == true
                    ? FrameResult.Invalid(DeadLetterReasons.SubscriptionRejected, $"Coinbase refused the subscription: {said}")
                    : FrameResult.Invalid(DeadLetterReasons.CoinbaseError, $"Coinbase sent an error: {said}");
            case null:
                return FrameResult.Invalid(DeadLetterReasons.UnknownType, "frame has neither 'type' nor 'channel'");
            default:
                return IgnoredTypes.Contains(type)
                    ? FrameResult.Ignored(type)
                    : FrameResult.Unknown("type", type);
        }
    }

    /// <summary>Reads <c>events: [{type, trades: [...]}]</c>; returns the first error (good trades are still kept).</summary>
    private FrameResult? ReadEvents(ref Utf8JsonReader reader, List<Trade> trades)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "'events' is not an array");
        }

        FrameResult? firstError = null;
        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                firstError ??= FrameResult.Invalid(DeadLetterReasons.MalformedJson, "an event is not an object");
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals("trades"u8))
                {
                    reader.Read();
                    reader.Skip();
                    continue;
                }

                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    firstError ??= FrameResult.Invalid(DeadLetterReasons.MalformedJson, "'trades' is not an array");
                    continue;
                }

                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var raw = ReadTradeObject(ref reader);

                    if (raw.TryBuild(options, timeProvider, out var trade, out var invalid))
                    {
                        trades.Add(trade);
                    }
                    else
                    {
                        firstError ??= invalid with { Detail = $"trade #{index}: {invalid.Detail}" };
                    }

                    index++;
                }
            }
        }

        return firstError;
    }

    /// <summary>Reads one trade object (the reader is on its start); anything else is skipped and yields an empty trade.</summary>
    private static RawTrade ReadTradeObject(ref Utf8JsonReader reader)
    {
        var raw = default(RawTrade);
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return raw;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!raw.TryReadField(ref reader))
            {
                reader.Read();
                reader.Skip();
            }
        }

        return raw;
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";

    /// <summary>Times up to this many characters are cut on the stack (longer ones on the heap).</summary>
    private const int MaxTimeChars = 128;

    /// <summary>The trade fields shared by both feeds, as raw UTF-8 slices until validated.</summary>
    private struct RawTrade
    {
        private long tradeId;
        private bool hasTradeId;
        private bool tradeIdInvalid;
        private string? product;
        private bool hasSide;
        private TakerSide? taker;
        private string? unknownSide;
        private decimal size;
        private decimal price;
        private bool hasSize;
        private bool hasPrice;
        private bool numberInvalid;
        private DateTimeOffset time;
        private bool hasTime;
        private bool timeInvalid;

        /// <summary>The <c>product_id</c> read so far, if any.</summary>
        public readonly string? Product => product;

        /// <summary>Uses <paramref name="value"/> as the product when the JSON named none (REST pages do not).</summary>
        public void DefaultProduct(string value) => product ??= value;

        /// <summary>Reads the property the reader is on if it is a trade field; false (reader unmoved) otherwise.</summary>
        public bool TryReadField(ref Utf8JsonReader reader)
        {
            if (reader.ValueTextEquals("trade_id"u8))
            {
                reader.Read();
                hasTradeId = true;
                tradeIdInvalid = !(reader.TokenType switch
                {
                    JsonTokenType.Number => reader.TryGetInt64(out tradeId),
                    JsonTokenType.String when !reader.ValueIsEscaped => Utf8Parser.TryParse(reader.ValueSpan, out tradeId, out var used) && used == reader.ValueSpan.Length,
                    _ => false,
                });
                reader.Skip();
            }
            else if (reader.ValueTextEquals("product_id"u8))
            {
                product = FrameParsing.ReadRepeatedString(ref reader);
            }
            else if (reader.ValueTextEquals("side"u8))
            {
                ReadSide(ref reader);
            }
            else if (reader.ValueTextEquals("size"u8))
            {
                numberInvalid |= !ReadDecimal(ref reader, out size, out hasSize);
            }
            else if (reader.ValueTextEquals("price"u8))
            {
                numberInvalid |= !ReadDecimal(ref reader, out price, out hasPrice);
            }
            else if (reader.ValueTextEquals("time"u8))
            {
                reader.Read();
                hasTime = true;
                timeInvalid = !(reader.TokenType == JsonTokenType.String && TryGetTime(ref reader, out time));
                reader.Skip();
            }
            else
            {
                return false;
            }

            return true;
        }

        public readonly bool TryBuild(FrameParserOptions options, TimeProvider clock, out Trade trade, out FrameResult invalid)
        {
            trade = null!;
            invalid = default;
            if (!hasTradeId || product is null || !hasSide || !hasSize || !hasPrice || !hasTime)
            {
                invalid = FrameResult.Invalid(DeadLetterReasons.MissingField, $"missing {MissingFields()}");
                return false;
            }

            if (tradeIdInvalid || tradeId < 0)
            {
                invalid = FrameResult.Invalid(DeadLetterReasons.InvalidNumber, "trade_id is not a non-negative integer");
                return false;
            }

            var (sizeValue, priceValue) = (size, price);
            if (numberInvalid)
            {
                invalid = FrameResult.Invalid(DeadLetterReasons.InvalidNumber, "size or price is not a decimal number");
                return false;
            }

            if (sizeValue <= 0)
            {
                invalid = FrameResult.Invalid(DeadLetterReasons.NonPositiveSize, $"size {sizeValue} is not positive");
                return false;
            }

            if (priceValue <= 0)
            {
                invalid = FrameResult.Invalid(DeadLetterReasons.NonPositivePrice, $"price {priceValue} is not positive");
                return false;
            }

            if (taker is not { } takerSide)
            {
                invalid = FrameResult.Invalid(DeadLetterReasons.InvalidSide, $"side '{Truncate(unknownSide ?? string.Empty)}' is neither buy nor sell");
                return false;
            }

            if (timeInvalid)
            {
                invalid = FrameResult.Invalid(DeadLetterReasons.InvalidTime, "time is not an ISO-8601 timestamp");
                return false;
            }

            if (time < options.EarliestTradeTime || time > clock.GetUtcNow() + options.MaxClockSkew)
            {
                invalid = FrameResult.Invalid(DeadLetterReasons.AbsurdTime, $"time {time:O} is outside the plausible range");
                return false;
            }

            if (product.Length is 0 or > 64)
            {
                invalid = FrameResult.Invalid(DeadLetterReasons.MissingField, "product_id is empty or too long");
                return false;
            }

            trade = new Trade(product, tradeId, time, priceValue, sizeValue, takerSide);
            return true;
        }

        private readonly string MissingFields()
        {
            var names = new List<string>(6);
            if (!hasTradeId)
            {
                names.Add("trade_id");
            }

            if (product is null)
            {
                names.Add("product_id");
            }

            if (!hasSide)
            {
                names.Add("side");
            }

            if (!hasSize)
            {
                names.Add("size");
            }

            if (!hasPrice)
            {
                names.Add("price");
            }

            if (!hasTime)
            {
                names.Add("time");
            }

            return string.Join(", ", names);
        }

        /// <summary>
        /// Reads <c>side</c> without making a string for the four known values. Coinbase's side is the MAKER's: a maker
        /// <c>sell</c> was hit by a taker BUY. Any other string is kept (for the dead letter's detail); a non-string is missing.
        /// </summary>
        private void ReadSide(ref Utf8JsonReader reader)
        {
            reader.Read();
            hasSide = reader.TokenType == JsonTokenType.String;
            if (!hasSide)
            {
                (taker, unknownSide) = (null, null);
                reader.Skip();
                return;
            }

            taker = reader.ValueTextEquals("sell"u8) || reader.ValueTextEquals("SELL"u8) ? TakerSide.Buy
                : reader.ValueTextEquals("buy"u8) || reader.ValueTextEquals("BUY"u8) ? TakerSide.Sell
                : null;
            unknownSide = taker is null ? reader.GetString() : null;
        }

        /// <summary>Reads a decimal given as a JSON string (Coinbase's form) or number; false when present but not a decimal.</summary>
        private static bool ReadDecimal(ref Utf8JsonReader reader, out decimal value, out bool present)
        {
            reader.Read();
            value = 0;
            present = reader.TokenType is not JsonTokenType.Null;
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.Number && !reader.ValueIsEscaped)
            {
                var text = reader.ValueSpan;
                return !text.IsEmpty && Utf8Parser.TryParse(text, out value, out var used) && used == text.Length;
            }

            reader.Skip();
            return !present;
        }

        private static bool TryGetTime(ref Utf8JsonReader reader, out DateTimeOffset value)
        {
            if (reader.TryGetDateTimeOffset(out value))
            {
                value = value.ToUniversalTime();
                return true;
            }

            // Advanced Trade can send more fractional digits (nanoseconds) than DateTimeOffset keeps: cut them to 7 (on the
            // stack; an escaped, long or non-UTF-8 value is read as a string, which throws for bad UTF-8 as before).
            Span<char> chars = stackalloc char[MaxTimeChars];
            if (!reader.ValueIsEscaped && !reader.HasValueSequence && reader.ValueSpan.Length <= MaxTimeChars
                && System.Text.Unicode.Utf8.ToUtf16(reader.ValueSpan, chars, out _, out var written, replaceInvalidSequences: false) == System.Buffers.OperationStatus.Done)
            {
                return TryParseTrimmed(chars[..written], out value);
            }

            return reader.GetString() is { } text && TryParseTrimmed(text, out value);
        }

        /// <summary>Parses an ISO-8601 time after cutting its fractional seconds to the 7 digits <see cref="DateTimeOffset"/> keeps.</summary>
        private static bool TryParseTrimmed(ReadOnlySpan<char> text, out DateTimeOffset value)
        {
            value = default;
            var dot = text.IndexOf('.');
            if (dot < 0)
            {
                return false;
            }

            var end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            var kept = Math.Min(end, dot + 8);
            var length = kept + text.Length - end;
            Span<char> trimmed = length <= MaxTimeChars ? stackalloc char[MaxTimeChars] : new char[length];
            text[..kept].CopyTo(trimmed);
            text[end..].CopyTo(trimmed[kept..]);
            return DateTimeOffset.TryParse(trimmed[..length], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out value);
        }
    }
}
