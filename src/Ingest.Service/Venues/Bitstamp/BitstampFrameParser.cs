using System.Text;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;

namespace BitcoinVolume.Ingest.Venues.Bitstamp;

/// <summary>
/// Turns Bitstamp websocket v2 frames (<c>{"event":…,"channel":…,"data":{…}}</c>, in any field order: the recording has
/// <c>data</c> first) into <see cref="Trade"/>s: <c>trade</c> events of <c>live_trades_&lt;pair&gt;</c> (<c>id</c>,
/// <c>amount_str</c>, <c>price_str</c>, <c>type</c>, <c>microtimestamp</c>). <c>bts:subscription_succeeded</c>,
/// <c>bts:unsubscription_succeeded</c>, <c>bts:request_reconnect</c> and book <c>data</c> are ignored, <c>bts:heartbeat</c>
/// (the answer to our heartbeat) is a heartbeat, <c>bts:error</c> is a refused subscription. Also the REST
/// <c>transactions</c> rows (<see cref="ParseRestTrades"/>). Stateless, never throws on input.
/// </summary>
public sealed class BitstampFrameParser(FrameParserOptions options, TimeProvider timeProvider, SymbolMap symbols) : IFrameParser
{
    /// <summary>Label of trade frames.</summary>
    public const string Feed = "live_trades";

    /// <summary>The channel prefix of trades; the rest is the pair's url symbol (<c>btcusd</c>).</summary>
    public const string TradesChannelPrefix = "live_trades_";

    private const string Venue = Contracts.Venues.Bitstamp;

    /// <summary>Id, amount, price and time fields of a websocket trade and of a REST transaction.</summary>
    private static readonly byte[][] LiveNames = ["id"u8.ToArray(), "amount_str"u8.ToArray(), "price_str"u8.ToArray(), "microtimestamp"u8.ToArray()];

    private static readonly byte[][] RestNames = ["tid"u8.ToArray(), "amount"u8.ToArray(), "price"u8.ToArray(), "date"u8.ToArray()];

    private FrameParse? parseCore;

    public FrameResult Parse(ReadOnlySpan<byte> frame, List<Trade> trades) =>
        FrameParsing.Guarded(frame, trades, options, parseCore ??= (f, list, _) => ParseCore(f, list));

    /// <summary>Parses a frame given as text.</summary>
    public FrameResult Parse(string frame, List<Trade> trades) => Parse(Encoding.UTF8.GetBytes(frame), trades);

    /// <summary>
    /// Parses a REST <c>GET /api/v2/transactions/{pair}/</c> body: <c>[{"date":"…","tid":"…","amount":"…","price":"…","type":"0|1"}, …]</c>
    /// (newest first; <c>date</c> is whole seconds — REST gives no finer time). Good trades are appended even when another
    /// element is bad.
    /// </summary>
    public FrameResult ParseRestTrades(ReadOnlySpan<byte> body, string product, List<Trade> trades)
    {
        ArgumentNullException.ThrowIfNull(trades);
        ArgumentException.ThrowIfNullOrEmpty(product);
        var instrument = symbols.TryGetByProduct(product, out var known) ? known : new Instrument(product, product);
        var start = trades.Count;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "the transactions page is not a JSON array");
            }

            FrameResult? firstError = null;
            var index = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (ReadTrade(ref reader, instrument, trades, rest: true) is { } invalid)
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

    private FrameResult ParseCore(ReadOnlySpan<byte> frame, List<Trade> trades)
    {
        var reader = new Utf8JsonReader(frame, new JsonReaderOptions { MaxDepth = 64 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "frame is not a JSON object");
        }

        string? evt = null, channel = null;
        (int Start, int End)? data = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("event"u8))
            {
                evt = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("channel"u8))
            {
                channel = ReadString(ref reader);
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

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "trailing data after the frame's object");
        }

        switch (evt)
        {
            case "trade":
                if (channel is null || !channel.StartsWith(TradesChannelPrefix, StringComparison.Ordinal) || data is not { } slice)
                {
                    return FrameResult.Invalid(DeadLetterReasons.MissingField, "a trade needs a live_trades_ channel and data");
                }

                if (!VenueTradeText.TryInstrument(symbols, channel[TradesChannelPrefix.Length..], out var instrument, out var unknown))
                {
                    return unknown;
                }

                var dataReader = new Utf8JsonReader(frame[slice.Start..slice.End], new JsonReaderOptions { MaxDepth = 64 });
                dataReader.Read();
                return ReadTrade(ref dataReader, instrument, trades, rest: false) ?? new FrameResult(FrameKind.Trades, 1, Feed);
            case "bts:heartbeat":
                return FrameResult.Heartbeat(evt, null, null);
            case "bts:error":
                return Rejected(frame, channel, data);
            case "bts:subscription_succeeded" or "bts:unsubscription_succeeded" or "bts:request_reconnect":
                return FrameResult.Ignored(evt);
            case "data" or "order_created" or "order_changed" or "order_deleted":
                // Book channels (diff_order_book_, order_book_, detail_order_book_, live_orders_).
                return FrameResult.Ignored(channel is null ? evt : BookChannel(channel));
            case null:
                return FrameResult.Invalid(DeadLetterReasons.UnknownType, "frame has no 'event'");
            default:
                return FrameResult.Unknown("event", evt);
        }
    }

    /// <summary><c>bts:error</c>: <c>{"event":"bts:error","channel":"live_trades_x","data":{"code":…,"message":…}}</c>; the detail names the channel's pair.</summary>
    private FrameResult Rejected(ReadOnlySpan<byte> frame, string? channel, (int Start, int End)? data)
    {
        string? message = null;
        if (data is { } slice)
        {
            var reader = new Utf8JsonReader(frame[slice.Start..slice.End]);
            reader.Read();
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("message"u8))
                    {
                        message = ReadString(ref reader);
                    }
                    else if (reader.ValueTextEquals("channel"u8) && string.IsNullOrEmpty(channel))
                    {
                        channel = ReadString(ref reader);
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
        }

        var symbol = channel is null ? null : channel.StartsWith(TradesChannelPrefix, StringComparison.Ordinal) ? channel[TradesChannelPrefix.Length..] : channel;
        var product = symbol is not null && symbols.TryGet(symbol, out var instrument) ? $" ({instrument.Product})" : "";
        return FrameResult.Invalid(
            VenueTradeText.SubscriptionRejected,
            $"bitstamp refused the subscription of {VenueTradeText.Truncate(string.IsNullOrEmpty(symbol) ? "(channel not named)" : symbol)}{product}: {VenueTradeText.Truncate(message ?? "(no message)")}");
    }

    /// <summary>
    /// One trade object: websocket <c>{id, amount_str, price_str, type, microtimestamp, …}</c> or REST
    /// <c>{tid, amount, price, type, date}</c> (<paramref name="rest"/>).
    /// </summary>
    private FrameResult? ReadTrade(ref Utf8JsonReader reader, Instrument instrument, List<Trade> trades, bool rest)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "a trade is not an object");
        }

        long id = 0, type = -1, time = 0;
        decimal amount = 0, price = 0;
        bool hasId = false, hasType = false, hasTime = false, hasAmount = false, hasPrice = false;
        string? bad = null;
        var names = rest ? RestNames : LiveNames;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(names[0]))
            {
                reader.Read();
                hasId = true;
                bad ??= VenueTradeText.TryReadInt64(ref reader, out id) && id >= 0 ? null : "id";
            }
            else if (reader.ValueTextEquals(names[1]))
            {
                reader.Read();
                hasAmount = true;
                bad ??= VenueTradeText.TryReadDecimal(ref reader, out amount) ? null : "amount";
            }
            else if (reader.ValueTextEquals(names[2]))
            {
                reader.Read();
                hasPrice = true;
                bad ??= VenueTradeText.TryReadDecimal(ref reader, out price) ? null : "price";
            }
            else if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                hasType = true;
                bad ??= VenueTradeText.TryReadInt64(ref reader, out type) ? null : "type";
            }
            else if (reader.ValueTextEquals(names[3]))
            {
                reader.Read();
                hasTime = true;
                bad ??= VenueTradeText.TryReadInt64(ref reader, out time) ? null : "time";
            }
            else
            {
                reader.Read();
            }

            reader.Skip();
        }

        if (!hasId || !hasAmount || !hasPrice || !hasType || !hasTime)
        {
            return FrameResult.Invalid(DeadLetterReasons.MissingField, rest
                ? "a transaction needs tid, amount, price, type and date"
                : "a trade needs id, amount_str, price_str, type and microtimestamp");
        }

        if (bad is not null)
        {
            return FrameResult.Invalid(bad == "time" ? DeadLetterReasons.InvalidTime : DeadLetterReasons.InvalidNumber, $"{bad} is not a number");
        }

        if (!TryTakerSide(type, out var taker))
        {
            return FrameResult.Invalid(DeadLetterReasons.InvalidSide, $"type {type} is neither 0 (buy) nor 1 (sell)");
        }

        if (!VenueTradeText.TryEpochMicroseconds(rest ? time * 1_000_000 : time, out var at))
        {
            return FrameResult.Invalid(DeadLetterReasons.AbsurdTime, $"time {time} is out of range");
        }

        if (VenueTradeText.Check(options, timeProvider, price, amount, at) is { } invalid)
        {
            return invalid;
        }

        trades.Add(VenueTradeText.Build(Venue, instrument, id, at, price, amount, taker));
        return null;
    }

    /// <summary>
    /// THE side rule: Bitstamp's <c>type</c> is the taker's — 0 = buy, 1 = sell (its websocket and REST docs; checked on
    /// the recording against the book: a buy is at the ask, a sell at the bid, and the later order id is the taker).
    /// </summary>
    private static bool TryTakerSide(long type, out TakerSide taker)
    {
        taker = type == 0 ? TakerSide.Buy : TakerSide.Sell;
        return type is 0 or 1;
    }

    private static string BookChannel(string channel)
    {
        var cut = channel.LastIndexOf('_');
        return cut > 0 ? channel[..cut] : channel;
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
