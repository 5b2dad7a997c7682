using System.Text;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;

namespace BitcoinVolume.Ingest.Venues.Gemini;

/// <summary>
/// Turns Gemini market data v2 frames (<c>wss://api.gemini.com/v2/marketdata</c>, channel <c>l2</c>) into
/// <see cref="Trade"/>s of Gemini SPOT (<c>gemini</c>). The frames (fields in any order: Gemini writes them alphabetically,
/// <c>type</c> last):
/// <list type="bullet">
/// <item><c>{"type":"trade","symbol","event_id","tid","timestamp","price","quantity","side"}</c>: one trade.</item>
/// <item><c>{"type":"l2_updates","symbol","changes":[…],"trades":[…],"auction_events":[…]}</c>: the first one after a
/// subscribe carries the symbol's book AND its most recent trades (<c>trades</c>, the same objects as a <c>trade</c>
/// frame; up to 100 in the recording): those are trades too (a reconnect sends them again; dedup drops the repeats).
/// Later ones carry book changes only: ignored as <c>l2_updates</c>.</item>
/// <item><c>heartbeat</c> (every 5 s): a heartbeat. <c>candles_*_updates</c> and auction frames: ignored.</item>
/// <item><c>{"type":"error",…}</c> or <c>{"result":"error",…}</c>: the answer to our only request, the subscribe —
/// dead-lettered <c>subscription_rejected</c> with Gemini's reason and message.</item>
/// </list>
/// Perpetuals (<c>BTCUSDCPERP</c>, <c>product_type</c> <c>swap</c> in <c>/v1/symbols/details</c>) share the socket; the
/// contract has no Gemini derivative venue, so their frames are ignored as <c>other_market</c> (counted, never read as
/// spot). A symbol that is neither a known spot instrument nor a perpetual is <c>unknown_symbol</c>. Never throws on input.
/// </summary>
public sealed class GeminiFrameParser(FrameParserOptions options, TimeProvider timeProvider, SymbolMap symbols) : IFrameParser
{
    /// <summary>Label of trade frames.</summary>
    public const string TradesLabel = "trade";

    /// <summary>Label of book-only <c>l2_updates</c> frames.</summary>
    public const string BookLabel = "l2_updates";

    /// <summary>Ignored label of frames of a perpetual (another market; no venue id in the contract).</summary>
    public const string OtherMarket = VenueJson.OtherMarket;

    /// <summary>The suffix of Gemini's perpetual symbols (every <c>product_type</c> <c>swap</c> of the recording has it, no spot symbol does).</summary>
    public const string PerpetualSuffix = "PERP";

    private const string Venue = Contracts.Venues.Gemini;

    public FrameResult Parse(ReadOnlySpan<byte> frame, List<Trade> trades) => FrameParsing.Guarded(frame, trades, options, ParseCore);

    /// <summary>Parses a frame given as text.</summary>
    public FrameResult Parse(string frame, List<Trade> trades) => Parse(Encoding.UTF8.GetBytes(frame), trades);

    /// <summary>
    /// THE taker-side rule of Gemini v2: <c>side</c> is the taker's (Gemini's v2 docs: "Side of the taker in the trade.
    /// buy or sell"; checked on the recording: both live BTCUSD trades print at the ask and are <c>buy</c>).
    /// </summary>
    public static TakerSide? TakerOf(string? side) => side switch
    {
        "buy" => TakerSide.Buy,
        "sell" => TakerSide.Sell,
        _ => null,
    };

    /// <summary>True for a perpetual's symbol (<c>BTCUSDCPERP</c>, <c>avaxgusdperp</c>).</summary>
    public static bool IsPerpetual(string symbol)
    {
        ArgumentNullException.ThrowIfNull(symbol);
        return symbol.Length > PerpetualSuffix.Length && symbol.EndsWith(PerpetualSuffix, StringComparison.OrdinalIgnoreCase);
    }

    private FrameResult ParseCore(ReadOnlySpan<byte> frame, List<Trade> trades, int start)
    {
        var reader = new Utf8JsonReader(frame, new JsonReaderOptions { MaxDepth = 64 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "frame is not a JSON object");
        }

        string? type = null, result = null, reason = null, message = null;
        var top = default(RawTrade);
        List<RawTrade>? recent = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                type = FrameParsing.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("trades"u8))
            {
                recent = ReadTrades(ref reader);
            }
            else if (reader.ValueTextEquals("result"u8))
            {
                result = FrameParsing.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("reason"u8))
            {
                reason = FrameParsing.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                message = FrameParsing.ReadString(ref reader);
            }
            else if (!top.ReadField(ref reader))
            {
                reader.Read();
                reader.Skip(); // changes, auction_events, candles, …
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "trailing data after the frame's object");
        }

        if (type == "error" || result == "error")
        {
            return FrameResult.Invalid(
                DeadLetterReasons.SubscriptionRejected,
                $"gemini refused the subscription: {VenueJson.Truncate(reason ?? "(no reason)")}: {VenueJson.Truncate(message ?? "(no message)")}");
        }

        switch (type)
        {
            case "trade":
                if (top.Symbol is { } symbol && IsOtherMarket(symbol))
                {
                    return FrameResult.Ignored(OtherMarket);
                }

                return Trades([top], null, trades, start);
            case "l2_updates":
                if (top.Symbol is { } book && IsOtherMarket(book))
                {
                    return FrameResult.Ignored(OtherMarket);
                }

                return recent is { Count: > 0 } ? Trades(recent, top.Symbol, trades, start) : FrameResult.Ignored(BookLabel);
            case "heartbeat":
                return FrameResult.Heartbeat(type, null, null);
            case { } other when other.StartsWith("candles_", StringComparison.Ordinal) || other.StartsWith("auction", StringComparison.Ordinal):
                return FrameResult.Ignored(other.StartsWith("candles_", StringComparison.Ordinal) ? "candles" : "auction");
            case null:
                return FrameResult.Invalid(DeadLetterReasons.UnknownType, "frame has no 'type'");
            default:
                return FrameResult.Unknown("type", type);
        }
    }

    /// <summary>A perpetual that no spot instrument of the map has the symbol of.</summary>
    private bool IsOtherMarket(string symbol) => IsPerpetual(symbol) && !symbols.TryGet(symbol, out _);

    private FrameResult Trades(List<RawTrade> elements, string? frameSymbol, List<Trade> trades, int start)
    {
        FrameResult? firstError = null;
        for (var i = 0; i < elements.Count; i++)
        {
            var symbol = elements[i].Symbol ?? frameSymbol;
            if (symbol is not null && IsOtherMarket(symbol))
            {
                continue; // a perpetual's trade inside a spot frame: another market's
            }

            if (symbol is null)
            {
                firstError ??= FrameResult.Invalid(DeadLetterReasons.MissingField, $"trade #{i}: missing symbol");
                continue;
            }

            if (!VenueTradeText.TryInstrument(symbols, symbol, out var instrument, out var unknown))
            {
                firstError ??= unknown with { Detail = $"trade #{i}: {unknown.Detail}" };
                continue;
            }

            if (elements[i].TryBuild(instrument, options, timeProvider, out var trade, out var invalid))
            {
                trades.Add(trade);
            }
            else
            {
                firstError ??= invalid with { Detail = $"trade #{i}: {invalid.Detail}" };
            }
        }

        var added = trades.Count - start;
        return firstError is { } error ? error with { Trades = added } : new FrameResult(FrameKind.Trades, added, TradesLabel);
    }

    private static List<RawTrade> ReadTrades(ref Utf8JsonReader reader)
    {
        reader.Read();
        var elements = new List<RawTrade>();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            elements.Add(RawTrade.Malformed);
            return elements;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var raw = default(RawTrade);
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                elements.Add(RawTrade.Malformed);
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!raw.ReadField(ref reader))
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            elements.Add(raw);
        }

        return elements;
    }

    /// <summary>The fields of one trade (a <c>trade</c> frame's own fields, or an element of <c>trades</c>), as read.</summary>
    private struct RawTrade
    {
        private bool hasId, hasPrice, hasSize, hasTime, notObject;
        private long id, time;
        private decimal price, size;
        private string? side, bad;

        public static RawTrade Malformed => new() { notObject = true };

        public string? Symbol { get; private set; }

        /// <summary>Reads the value of the property the reader is on when it is a trade field; false (nothing read) otherwise.</summary>
        public bool ReadField(ref Utf8JsonReader reader)
        {
            if (reader.ValueTextEquals("symbol"u8))
            {
                Symbol = FrameParsing.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("tid"u8))
            {
                reader.Read();
                hasId = true;
                bad ??= VenueTradeText.TryReadInt64(ref reader, out id) && id >= 0 ? null : "tid";
                reader.Skip();
            }
            else if (reader.ValueTextEquals("price"u8))
            {
                reader.Read();
                hasPrice = true;
                bad ??= VenueTradeText.TryReadDecimal(ref reader, out price) ? null : "price";
                reader.Skip();
            }
            else if (reader.ValueTextEquals("quantity"u8))
            {
                reader.Read();
                hasSize = true;
                bad ??= VenueTradeText.TryReadDecimal(ref reader, out size) ? null : "quantity";
                reader.Skip();
            }
            else if (reader.ValueTextEquals("timestamp"u8))
            {
                reader.Read();
                hasTime = true;
                bad ??= VenueTradeText.TryReadInt64(ref reader, out time) ? null : "timestamp";
                reader.Skip();
            }
            else if (reader.ValueTextEquals("side"u8))
            {
                side = FrameParsing.ReadString(ref reader);
            }
            else
            {
                return false;
            }

            return true;
        }

        public readonly bool TryBuild(Instrument instrument, FrameParserOptions options, TimeProvider clock, out Trade trade, out FrameResult invalid)
        {
            trade = null!;
            if (notObject)
            {
                invalid = FrameResult.Invalid(DeadLetterReasons.MalformedJson, "a trade is not an object");
                return false;
            }

            if (!hasId || !hasPrice || !hasSize || !hasTime || side is null)
            {
                var missing = new[] { (hasId, "tid"), (hasPrice, "price"), (hasSize, "quantity"), (hasTime, "timestamp"), (side is not null, "side") }
                    .Where(f => !f.Item1).Select(f => f.Item2);
                invalid = FrameResult.Invalid(DeadLetterReasons.MissingField, $"missing {string.Join(", ", missing)}");
                return false;
            }

            if (bad is not null)
            {
                invalid = FrameResult.Invalid(bad == "timestamp" ? DeadLetterReasons.InvalidTime : DeadLetterReasons.InvalidNumber, $"{bad} is not a number");
                return false;
            }

            if (TakerOf(side) is not { } taker)
            {
                invalid = FrameResult.Invalid(DeadLetterReasons.InvalidSide, $"side '{VenueJson.Truncate(side)}' is neither buy nor sell");
                return false;
            }

            if (!FrameParsing.TryTradeTime(time, options, clock, out var at, out invalid))
            {
                return false;
            }

            if (VenueTradeText.Check(options, clock, price, size, at) is { } wrong)
            {
                invalid = wrong;
                return false;
            }

            trade = VenueTradeText.Build(Venue, instrument, id, at, price, size, taker);
            return true;
        }
    }
}
