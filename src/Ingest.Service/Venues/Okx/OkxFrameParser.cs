using System.Text;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;

namespace BitcoinVolume.Ingest.Venues.Okx;

/// <summary>OKX instrument types (<c>instType</c>); each market is its own venue id (<c>okx</c> = spot, a later <c>okx-swap</c>).</summary>
public enum OkxInstType
{
    Spot,
    Swap,
    Futures,
    Option,
}

/// <summary>
/// Turns OKX v5 public websocket frames into <see cref="Trade"/>s of ONE market (<see cref="OkxInstType"/>; venue
/// <c>okx</c> = spot): channels <c>trades-all</c> (one trade per fill, what <see cref="OkxLiveFeed"/> subscribes) and
/// <c>trades</c> (what older recordings hold; since 2023 OKX aggregates it per taker order and price, <c>tradeId</c> = the
/// LAST id of the aggregation and <c>count</c> the fills — such an element is one trade here). Frames of instruments of
/// another market on the same connection (futures <c>BTC-USD-220527</c>, swaps <c>UNI-USD-SWAP</c>) are ignored as
/// <c>other_market</c>; sizes are multiplied by the instrument's <see cref="Instrument.ContractSize"/> (1 on spot, ctVal
/// on a contract market). <c>pong</c> is a heartbeat, subscribe/notice events are ignored, an <c>error</c> event is
/// <c>subscription_rejected</c> naming the instrument. Never throws on input.
/// </summary>
public sealed class OkxFrameParser(string venue, OkxInstType market, FrameParserOptions options, TimeProvider timeProvider, SymbolMap symbols) : IFrameParser
{
    /// <summary>The label of trade frames.</summary>
    public const string TradesLabel = "trades";

    /// <summary>The prefix of the subscribe request ids <see cref="OkxLiveFeed"/> sends (then the instId without dashes).</summary>
    public const string SubscribeIdPrefix = "sub";

    /// <summary>Events of operation replies other than <c>error</c>: ignored under their own label; any other is news (<see cref="FrameResult.Unknown"/>).</summary>
    private static readonly HashSet<string> KnownEvents = new(StringComparer.Ordinal)
    {
        "subscribe", "unsubscribe", "notice", "channel-conn-count", "channel-conn-count-error", "login",
    };

    /// <summary>Public channels other than trades: ignored under their own label (candles under <c>candle</c>); any other is news.</summary>
    private static readonly HashSet<string> KnownChannels = new(StringComparer.Ordinal)
    {
        "trades", "trades-all", "tickers", "books", "books5", "bbo-tbt", "books-l2-tbt", "books50-l2-tbt", "books-elp", "mark-price",
        "index-tickers", "funding-rate", "open-interest", "price-limit", "status", "opt-summary", "estimated-price",
        "liquidation-orders", "instruments",
    };

    public FrameResult Parse(ReadOnlySpan<byte> frame, List<Trade> trades) => FrameParsing.Guarded(frame, trades, options, ParseCore);

    /// <summary>Parses a frame given as text.</summary>
    public FrameResult Parse(string frame, List<Trade> trades) => Parse(Encoding.UTF8.GetBytes(frame), trades);

    /// <summary>THE taker-side rule of OKX: <c>side</c> is the taker's ("Trade side of taker", OKX v5 docs; checked 71/71 against the book).</summary>
    public static TakerSide? TakerOf(string? side) => side switch
    {
        "buy" => TakerSide.Buy,
        "sell" => TakerSide.Sell,
        _ => null,
    };

    /// <summary>The instrument type of an instId by its shape: <c>BTC-USDT</c> spot, <c>…-SWAP</c>, <c>BTC-USD-220527</c> futures, five parts option.</summary>
    public static OkxInstType? Classify(string instId)
    {
        ArgumentNullException.ThrowIfNull(instId);
        var parts = instId.Split('-');
        return parts.Length switch
        {
            2 => OkxInstType.Spot,
            3 when parts[2] == "SWAP" => OkxInstType.Swap,
            3 when parts[2].Length == 6 && parts[2].All(char.IsAsciiDigit) => OkxInstType.Futures,
            5 => OkxInstType.Option,
            _ => null,
        };
    }

    /// <summary>
    /// Parses <c>GET /api/v5/market/history-trades</c>: <c>{"code":"0","data":[{instId,tradeId,px,sz,side,ts}]}</c>, newest
    /// first. Good trades are appended even when another element is bad; the result names the first bad one.
    /// </summary>
    public FrameResult ParseRestTrades(ReadOnlySpan<byte> body, string product, List<Trade> trades)
    {
        ArgumentException.ThrowIfNullOrEmpty(product);
        var unlimited = new FrameParserOptions { MaxFrameBytes = int.MaxValue, EarliestTradeTime = options.EarliestTradeTime, MaxClockSkew = options.MaxClockSkew };
        return FrameParsing.Guarded(body, trades, unlimited, (span, list, start) =>
        {
            var reader = new Utf8JsonReader(span, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "the history-trades answer is not a JSON object");
            }

            string? code = null, message = null;
            var elements = new List<RawTrade>();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("code"u8))
                {
                    code = VenueJson.ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("msg"u8))
                {
                    message = VenueJson.ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("data"u8))
                {
                    ReadData(ref reader, elements);
                }
                else
                {
                    VenueJson.SkipValue(ref reader);
                }
            }

            if (code is not "0")
            {
                return FrameResult.Invalid(VenueJson.VenueError, $"OKX answered code {VenueJson.Truncate(code)}: {VenueJson.Truncate(message)}");
            }

            var contractSize = symbols.TryGetByProduct(product, out var instrument) ? instrument.ContractSize : 1m;
            FrameResult? firstError = null;
            for (var i = 0; i < elements.Count; i++)
            {
                if (elements[i].TryBuild(venue, product, contractSize, options, timeProvider, out var trade, out var invalid))
                {
                    list.Add(trade);
                }
                else
                {
                    firstError ??= invalid with { Detail = $"trade #{i}: {invalid.Detail}" };
                }
            }

            var added = list.Count - start;
            return firstError is { } error ? error with { Trades = added } : new FrameResult(FrameKind.Trades, added, "rest");
        });
    }

    private FrameResult ParseCore(ReadOnlySpan<byte> frame, List<Trade> trades, int start)
    {
        if (frame.SequenceEqual("pong"u8))
        {
            return FrameResult.Heartbeat("pong", null, null);
        }

        var reader = new Utf8JsonReader(frame, new JsonReaderOptions { MaxDepth = 64 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "frame is not a JSON object nor 'pong'");
        }

        string? evt = null, channel = null, instId = null, code = null, message = null, id = null;
        var elements = new List<RawTrade>();
        var hasData = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("event"u8))
            {
                evt = VenueJson.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("arg"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("channel"u8))
                    {
                        channel = VenueJson.ReadString(ref reader);
                    }
                    else if (reader.ValueTextEquals("instId"u8))
                    {
                        instId = VenueJson.ReadString(ref reader);
                    }
                    else
                    {
                        VenueJson.SkipValue(ref reader);
                    }
                }
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                hasData = true;
                if (channel is null or "trades" or "trades-all")
                {
                    ReadData(ref reader, elements);
                }
                else
                {
                    VenueJson.SkipValue(ref reader);
                }
            }
            else if (reader.ValueTextEquals("code"u8))
            {
                reader.Read();
                code = reader.TokenType is JsonTokenType.String or JsonTokenType.Number ? Encoding.UTF8.GetString(reader.ValueSpan) : null;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("msg"u8))
            {
                message = VenueJson.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                id = VenueJson.ReadString(ref reader);
            }
            else
            {
                VenueJson.SkipValue(ref reader);
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "trailing data after the frame's object");
        }

        if (evt == "error")
        {
            var refused = RefusedInstrument(message, instId, id);
            var what = refused is null ? "a request" : symbols.TryGet(refused, out var known) ? $"{known.Product} ({refused})" : refused;
            return FrameResult.Invalid(VenueJson.SubscriptionRejected, $"{venue} refused the subscription of {what}: code {VenueJson.Truncate(code)}: {VenueJson.Truncate(message)}");
        }

        if (evt is not null)
        {
            return KnownEvents.Contains(evt) ? FrameResult.Ignored(evt) : FrameResult.Unknown("event", evt);
        }

        if (channel is "trades" or "trades-all" && hasData)
        {
            return Trades(elements, instId, trades, start);
        }

        return channel switch
        {
            null => FrameResult.Invalid(DeadLetterReasons.UnknownType, "frame has neither 'event' nor 'arg'"),
            _ when KnownChannels.Contains(channel) => FrameResult.Ignored(channel),
            _ when channel.Contains("candle", StringComparison.Ordinal) => FrameResult.Ignored("candle"),
            _ => FrameResult.Unknown("channel", channel),
        };
    }

    private FrameResult Trades(List<RawTrade> elements, string? argInstId, List<Trade> trades, int start)
    {
        FrameResult? firstError = null;
        var mine = 0;
        for (var i = 0; i < elements.Count; i++)
        {
            var instId = elements[i].InstId ?? argInstId;
            if (instId is null)
            {
                firstError ??= FrameResult.Invalid(DeadLetterReasons.MissingField, $"trade #{i}: missing instId");
                continue;
            }

            if (Classify(instId) != market)
            {
                continue; // a futures/swap/option trade on the spot venue (or the reverse): another venue's
            }

            mine++;
            if (!symbols.TryGet(instId, out var instrument))
            {
                firstError ??= FrameResult.Invalid(VenueJson.UnknownSymbol, $"trade #{i}: instId '{VenueJson.Truncate(instId)}' is not in {venue}'s instrument list");
                continue;
            }

            if (elements[i].TryBuild(venue, instrument.Product, instrument.ContractSize, options, timeProvider, out var trade, out var invalid))
            {
                trades.Add(trade);
            }
            else
            {
                firstError ??= invalid with { Detail = $"trade #{i}: {invalid.Detail}" };
            }
        }

        var added = trades.Count - start;
        if (firstError is { } error)
        {
            return error with { Trades = added };
        }

        return mine == 0 && elements.Count > 0 ? FrameResult.Ignored(VenueJson.OtherMarket) : new FrameResult(FrameKind.Trades, added, TradesLabel);
    }

    /// <summary>The instId an error names: OKX's message (<c>…instId:BTC-XYZ doesn't exist…</c>), the arg, or our request id.</summary>
    private static string? RefusedInstrument(string? message, string? argInstId, string? id)
    {
        if (message is not null)
        {
            var at = message.IndexOf("instId:", StringComparison.Ordinal);
            if (at >= 0)
            {
                var begin = at + "instId:".Length;
                var end = begin;
                while (end < message.Length && (char.IsAsciiLetterOrDigit(message[end]) || message[end] == '-'))
                {
                    end++;
                }

                if (end > begin)
                {
                    return message[begin..end];
                }
            }
        }

        if (argInstId is not null)
        {
            return argInstId;
        }

        return id is not null && id.StartsWith(SubscribeIdPrefix, StringComparison.Ordinal) && id.Length > SubscribeIdPrefix.Length ? id[SubscribeIdPrefix.Length..] : null;
    }

    private static void ReadData(ref Utf8JsonReader reader, List<RawTrade> elements)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var raw = default(RawTrade);
            raw.ReadObject(ref reader);
            elements.Add(raw);
        }
    }

    /// <summary>One element of a trades channel or of a REST page, as read.</summary>
    private struct RawTrade
    {
        private bool hasId, hasPrice, hasSize, hasTime, invalidNumber;
        private long id, time;
        private decimal price, size;
        private string? side;

        public string? InstId { get; private set; }

        public void ReadObject(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                invalidNumber = true;
                return;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("instId"u8))
                {
                    InstId = VenueJson.ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("tradeId"u8))
                {
                    hasId = true;
                    invalidNumber |= !VenueJson.ReadInt64(ref reader, out id);
                }
                else if (reader.ValueTextEquals("px"u8))
                {
                    hasPrice = true;
                    invalidNumber |= !VenueJson.ReadDecimal(ref reader, out price);
                }
                else if (reader.ValueTextEquals("sz"u8))
                {
                    hasSize = true;
                    invalidNumber |= !VenueJson.ReadDecimal(ref reader, out size);
                }
                else if (reader.ValueTextEquals("ts"u8))
                {
                    hasTime = true;
                    invalidNumber |= !VenueJson.ReadInt64(ref reader, out time);
                }
                else if (reader.ValueTextEquals("side"u8))
                {
                    side = VenueJson.ReadString(ref reader);
                }
                else
                {
                    VenueJson.SkipValue(ref reader);
                }
            }
        }

        public readonly bool TryBuild(string venue, string product, decimal contractSize, FrameParserOptions options, TimeProvider clock, out Trade trade, out FrameResult invalid)
        {
            trade = null!;
            if (!hasId || !hasPrice || !hasSize || !hasTime || side is null)
            {
                var missing = new[] { (hasId, "tradeId"), (hasPrice, "px"), (hasSize, "sz"), (hasTime, "ts"), (side is not null, "side") }.Where(f => !f.Item1).Select(f => f.Item2);
                invalid = FrameResult.Invalid(DeadLetterReasons.MissingField, $"missing {string.Join(", ", missing)}");
                return false;
            }

            if (invalidNumber || id < 0)
            {
                invalid = FrameResult.Invalid(DeadLetterReasons.InvalidNumber, "tradeId, px, sz or ts is not a number");
                return false;
            }

            var baseSize = size * contractSize;
            if (VenueJson.CheckAmounts(baseSize, price) is { } bad)
            {
                invalid = bad;
                return false;
            }

            if (TakerOf(side) is not { } taker)
            {
                invalid = FrameResult.Invalid(DeadLetterReasons.InvalidSide, $"side '{VenueJson.Truncate(side)}' is neither buy nor sell");
                return false;
            }

            if (!VenueJson.TryTime(time, options, clock, out var at, out invalid))
            {
                return false;
            }

            trade = new Trade(product, id, at, price, baseSize, taker) { Venue = venue };
            return true;
        }
    }
}
