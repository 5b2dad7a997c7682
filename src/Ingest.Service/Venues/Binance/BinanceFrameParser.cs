using System.Text;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;

namespace BitcoinVolume.Ingest.Venues.Binance;

/// <summary>
/// Turns Binance (and Binance.US: the same protocol) spot websocket frames into <see cref="Trade"/>s: <c>aggTrade</c>
/// events, raw (<c>/ws</c>) or wrapped by the combined endpoint (<c>/stream</c>: <c>{"stream":…,"data":…}</c>). One
/// <see cref="Trade"/> per aggTrade: <see cref="Trade.TradeId"/> = the aggregate id <c>a</c> (contiguous per symbol),
/// price <c>p</c> and size <c>q</c> exact — every fill of an aggTrade has that one price, so quote = p × q is exact;
/// <c>f</c>..<c>l</c> (the fills it covers) is checked but not carried, so trade counts for Binance count aggTrades.
/// Subscribe answers (<c>{"result":null,"id":…}</c>) are ignored; error answers are <c>subscription_rejected</c> naming the
/// symbol the request id carries (<see cref="BinanceLiveFeed"/> ids are <c>sub</c> + symbol). Other streams (depth,
/// bookTicker, kline, trade, tickers) are ignored. Never throws on input.
/// </summary>
public sealed class BinanceFrameParser(string venue, FrameParserOptions options, TimeProvider timeProvider, SymbolMap symbols) : IFrameParser
{
    /// <summary>The label of aggTrade frames.</summary>
    public const string AggTradeLabel = "aggTrade";

    /// <summary>The label of subscribe acknowledgements.</summary>
    public const string SubscribedLabel = "subscribed";

    /// <summary>Label of the answer to the application ping (<see cref="BinanceLiveFeed.PingId"/>).</summary>
    public const string PongLabel = "pong";

    /// <summary>The prefix of the subscribe request ids <see cref="BinanceLiveFeed"/> sends (then the lower-case symbol).</summary>
    public const string SubscribeIdPrefix = "sub";

    /// <summary>Market-stream events (<c>e</c>) other than aggTrade: ignored under their own label; any other is news (<see cref="FrameResult.Unknown"/>).</summary>
    private static readonly HashSet<string> KnownEvents = new(StringComparer.Ordinal)
    {
        "trade", "depthUpdate", "kline", "24hrTicker", "24hrMiniTicker", "1hTicker", "4hTicker", "1dTicker", "avgPrice",
        "markPriceUpdate", "forceOrder", "indexPriceUpdate", "compositeIndex", "contractInfo", "assetIndexUpdate",
    };

    public FrameResult Parse(ReadOnlySpan<byte> frame, List<Trade> trades) => FrameParsing.Guarded(frame, trades, options, ParseCore);

    /// <summary>Parses a frame given as text.</summary>
    public FrameResult Parse(string frame, List<Trade> trades) => Parse(Encoding.UTF8.GetBytes(frame), trades);

    /// <summary>
    /// THE taker-side rule of Binance: <c>m</c> is "the buyer is the market maker", so the taker SOLD when it is true and
    /// BOUGHT when it is false (Binance API docs, aggTrade; checked against the book in the recordings).
    /// </summary>
    public static TakerSide TakerOf(bool buyerIsMaker) => buyerIsMaker ? TakerSide.Sell : TakerSide.Buy;

    /// <summary>
    /// Parses a page of <c>GET /api/v3/aggTrades</c>: a JSON array of <c>{a,p,q,f,l,T,m,M}</c> (no symbol: the request's
    /// product). Good trades are appended even when another element is bad; the result names the first bad one.
    /// </summary>
    public FrameResult ParseRestTrades(ReadOnlySpan<byte> body, string product, List<Trade> trades)
    {
        ArgumentException.ThrowIfNullOrEmpty(product);
        return FrameParsing.Guarded(body, trades, new FrameParserOptions { MaxFrameBytes = int.MaxValue, EarliestTradeTime = options.EarliestTradeTime, MaxClockSkew = options.MaxClockSkew }, (span, list, start) =>
        {
            var reader = new Utf8JsonReader(span, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "the aggTrades page is not a JSON array");
            }

            FrameResult? firstError = null;
            var index = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var raw = default(RawAggTrade);
                raw.ReadObject(ref reader);
                if (raw.TryBuild(venue, product, options, timeProvider, out var trade, out var invalid))
                {
                    list.Add(trade);
                }
                else
                {
                    firstError ??= invalid with { Detail = $"trade #{index}: {invalid.Detail}" };
                }

                index++;
            }

            var added = list.Count - start;
            return firstError is { } error ? error with { Trades = added } : new FrameResult(FrameKind.Trades, added, "rest");
        });
    }

    private FrameResult ParseCore(ReadOnlySpan<byte> frame, List<Trade> trades, int start)
    {
        var reader = new Utf8JsonReader(frame, new JsonReaderOptions { MaxDepth = 64 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "frame is not a JSON object");
        }

        string? stream = null, id = null, message = null;
        long? code = null;
        var (hasResult, hasError) = (false, false);
        var raw = default(RawAggTrade);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("stream"u8))
            {
                stream = VenueJson.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                raw.ReadObject(ref reader);
            }
            else if (reader.ValueTextEquals("result"u8))
            {
                hasResult = true;
                VenueJson.SkipValue(ref reader);
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                id = reader.TokenType switch
                {
                    JsonTokenType.String => reader.GetString(),
                    JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan), // credential-scan:allow a JSON number read as text
                    _ => null,
                };
                reader.Skip();
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                // {"error":{"code":2,"msg":"…"},"id":…}
                hasError = true;
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        ReadErrorField(ref reader, ref code, ref message);
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("code"u8) || reader.ValueTextEquals("msg"u8))
            {
                // The older form: {"code":2,"msg":"…","id":…}
                hasError = true;
                ReadErrorField(ref reader, ref code, ref message);
            }
            else if (!raw.TryReadField(ref reader))
            {
                VenueJson.SkipValue(ref reader);
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "trailing data after the frame's object");
        }

        if (hasError)
        {
            return Rejected(id, code, message);
        }

        if (hasResult)
        {
            return FrameResult.Ignored(id == BinanceLiveFeed.PingId ? PongLabel : SubscribedLabel);
        }

        switch (raw.Event)
        {
            case "aggTrade":
                if (raw.Symbol is null)
                {
                    return FrameResult.Invalid(DeadLetterReasons.MissingField, "missing s");
                }

                if (!symbols.TryGet(raw.Symbol, out var instrument))
                {
                    return FrameResult.Invalid(VenueJson.UnknownSymbol, $"symbol '{VenueJson.Truncate(raw.Symbol)}' is not in {venue}'s instrument list");
                }

                if (!raw.TryBuild(venue, instrument.Product, options, timeProvider, out var trade, out var invalid))
                {
                    return invalid;
                }

                trades.Add(trade);
                return new FrameResult(FrameKind.Trades, trades.Count - start, AggTradeLabel);
            case { } other:
                return KnownEvents.Contains(other) ? FrameResult.Ignored(other) : FrameResult.Unknown("event", other);
        }

        // bookTicker events have no "e": the combined stream's name tells what they are.
        if (stream is not null)
        {
            var at = stream.IndexOf('@', StringComparison.Ordinal);
            return FrameResult.Ignored(at >= 0 && at < stream.Length - 1 ? stream[(at + 1)..] : stream);
        }

        return FrameResult.Invalid(DeadLetterReasons.UnknownType, "frame has neither 'e', 'stream', 'result' nor 'error'");
    }

    private FrameResult Rejected(string? id, long? code, string? message)
    {
        var what = "a request";
        if (id is not null && id.StartsWith(SubscribeIdPrefix, StringComparison.Ordinal) && id.Length > SubscribeIdPrefix.Length)
        {
            var symbol = id[SubscribeIdPrefix.Length..].ToUpperInvariant();
            what = symbols.TryGet(symbol, out var instrument) ? $"{instrument.Product} ({symbol})" : symbol;
        }

        var reason = id is not null && id.StartsWith(SubscribeIdPrefix, StringComparison.Ordinal) ? VenueJson.SubscriptionRejected : VenueJson.VenueError;
        return FrameResult.Invalid(reason, $"{venue} refused the subscription of {what}: code {code?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}: {VenueJson.Truncate(message)}");
    }

    private static void ReadErrorField(ref Utf8JsonReader reader, ref long? code, ref string? message)
    {
        if (reader.ValueTextEquals("code"u8))
        {
            code = VenueJson.ReadInt64(ref reader, out var value) ? value : null;
        }
        else if (reader.ValueTextEquals("msg"u8))
        {
            message = VenueJson.ReadString(ref reader);
        }
        else
        {
            VenueJson.SkipValue(ref reader);
        }
    }

    /// <summary>An aggTrade's fields as read, until validated.</summary>
    private struct RawAggTrade
    {
        private bool hasId, hasPrice, hasSize, hasTime, hasMaker, invalidNumber;
        private long id, first, last, time;
        private bool hasFirst, hasLast;
        private decimal price, size;
        private bool buyerIsMaker;

        public string? Event { get; private set; }

        public string? Symbol { get; private set; }

        /// <summary>Reads a whole event object (the reader is on its start; anything else is skipped).</summary>
        public void ReadObject(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                return;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!TryReadField(ref reader))
                {
                    VenueJson.SkipValue(ref reader);
                }
            }
        }

        /// <summary>Reads the property the reader is on if it is an aggTrade field; false (reader unmoved) otherwise.</summary>
        public bool TryReadField(ref Utf8JsonReader reader)
        {
            if (reader.ValueTextEquals("e"u8))
            {
                Event = VenueJson.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("s"u8))
            {
                Symbol = VenueJson.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("a"u8))
            {
                hasId = true;
                invalidNumber |= !VenueJson.ReadInt64(ref reader, out id);
            }
            else if (reader.ValueTextEquals("p"u8))
            {
                hasPrice = true;
                invalidNumber |= !VenueJson.ReadDecimal(ref reader, out price);
            }
            else if (reader.ValueTextEquals("q"u8))
            {
                hasSize = true;
                invalidNumber |= !VenueJson.ReadDecimal(ref reader, out size);
            }
            else if (reader.ValueTextEquals("f"u8))
            {
                hasFirst = VenueJson.ReadInt64(ref reader, out first);
            }
            else if (reader.ValueTextEquals("l"u8))
            {
                hasLast = VenueJson.ReadInt64(ref reader, out last);
            }
            else if (reader.ValueTextEquals("T"u8))
            {
                hasTime = true;
                invalidNumber |= !VenueJson.ReadInt64(ref reader, out time);
            }
            else if (reader.ValueTextEquals("m"u8))
            {
                reader.Read();
                hasMaker = reader.TokenType is JsonTokenType.True or JsonTokenType.False;
                buyerIsMaker = reader.TokenType == JsonTokenType.True;
                reader.Skip();
            }
            else
            {
                return false;
            }

            return true;
        }

        public readonly bool TryBuild(string venue, string product, FrameParserOptions options, TimeProvider clock, out Trade trade, out FrameResult invalid)
        {
            trade = null!;
            if (!hasId || !hasPrice || !hasSize || !hasTime || !hasMaker)
            {
                var missing = new[] { (hasId, "a"), (hasPrice, "p"), (hasSize, "q"), (hasTime, "T"), (hasMaker, "m") }.Where(f => !f.Item1).Select(f => f.Item2);
                invalid = FrameResult.Invalid(DeadLetterReasons.MissingField, $"missing {string.Join(", ", missing)}");
                return false;
            }

            if (invalidNumber || id < 0 || (hasFirst && hasLast && last < first))
            {
                invalid = FrameResult.Invalid(DeadLetterReasons.InvalidNumber, "a, p, q or T is not a number (or l < f)");
                return false;
            }

            if (VenueJson.CheckAmounts(size, price) is { } bad)
            {
                invalid = bad;
                return false;
            }

            if (!VenueJson.TryTime(time, options, clock, out var at, out invalid))
            {
                return false;
            }

            trade = new Trade(product, id, at, price, size, TakerOf(buyerIsMaker)) { Venue = venue };
            return true;
        }
    }
}
