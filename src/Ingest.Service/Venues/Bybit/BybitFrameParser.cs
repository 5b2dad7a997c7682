using System.Text;
using System.Text.Json;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;

namespace BitcoinVolume.Ingest.Venues.Bybit;

/// <summary>
/// Bybit v5 public websocket frames (spot and linear, https://bybit-exchange.github.io/docs/v5/websocket/public/trade) →
/// <see cref="Trade"/>s: <c>{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":…,"data":[{"T","s","S","v","p","i","BT","seq"},…]}</c>,
/// up to 1024 trades a frame, each built by <see cref="BybitTrades.TryBuild"/> (taker side <c>S</c>, no flip). Block
/// trades (<c>BT</c> true) are trades of the market and are kept. Operation replies
/// (<c>{"success":…,"ret_msg":…,"op":"subscribe"|"ping"}</c>): a subscribe acknowledgement is ignored, a pong is a
/// heartbeat, a refused subscription is invalid <see cref="DeadLetterReasons.SubscriptionRejected"/> naming the topic
/// (the live feed sends one topic per subscribe with <c>req_id</c> = the topic, so the reply names it). Other topics
/// (order book, tickers, kline) are ignored. One forward pass of <see cref="Utf8JsonReader"/>; never throws on input.
/// </summary>
public sealed class BybitFrameParser(BybitCategory category, string venue, FrameParserOptions options, TimeProvider timeProvider, SymbolMap symbols)
    : IFrameParser
{
    /// <summary>The label of trade frames.</summary>
    public const string TradeTopic = "publicTrade";

    /// <summary>Topics of the v5 public streams other than trades (their prefix before the first dot): ignored under their own label.</summary>
    private static readonly HashSet<string> KnownTopics = new(StringComparer.Ordinal)
    {
        "orderbook", "tickers", "kline", "liquidation", "allLiquidation", "kline_lt", "tickers_lt", "lt", "insurance", "adl", "priceLimit",
    };

    /// <summary>Operation replies other than failures: ignored under their own label.</summary>
    private static readonly HashSet<string> KnownOps = new(StringComparer.Ordinal) { "subscribe", "unsubscribe", "auth" };

    /// <summary>The frame reader as a delegate, made once (not per frame).</summary>
    private FrameParse? parseCore;

    /// <summary>Parses one frame, appending its trades to <paramref name="trades"/>.</summary>
    public FrameResult Parse(ReadOnlySpan<byte> frame, List<Trade> trades) => FrameParsing.Guarded(frame, trades, options, parseCore ??= ParseCore);

    /// <summary>Parses a frame given as text.</summary>
    public FrameResult Parse(string frame, List<Trade> trades) => Parse(Encoding.UTF8.GetBytes(frame), trades);

    private FrameResult ParseCore(ReadOnlySpan<byte> frame, List<Trade> trades, int start)
    {
        var reader = new Utf8JsonReader(frame, new JsonReaderOptions { MaxDepth = 64 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return FrameResult.Invalid(DeadLetterReasons.MalformedJson, "frame is not a JSON object");
        }

        string? topic = null, op = null, retMsg = null, reqId = null;
        bool? success = null;
        List<BybitRawTrade>? data = null;
        var dataInvalid = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("topic"u8))
            {
                topic = FrameParsing.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("op"u8))
            {
                op = FrameParsing.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("ret_msg"u8))
            {
                retMsg = FrameParsing.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("req_id"u8))
            {
                reqId = FrameParsing.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("success"u8))
            {
                reader.Read();
                success = reader.TokenType switch { JsonTokenType.True => true, JsonTokenType.False => false, _ => null };
                reader.Skip();
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    data = ReadData(ref reader, out dataInvalid);
                }
                else
                {
                    reader.Skip();
                }
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

        if (topic is not null)
        {
            return topic.StartsWith("publicTrade.", StringComparison.Ordinal)
                ? BuildTrades(topic, data, dataInvalid, trades, start)
                : KnownTopics.Contains(Label(topic)) ? FrameResult.Ignored(Label(topic)) : FrameResult.Unknown("topic", topic);
        }

        return op switch
        {
            null => FrameResult.Invalid(DeadLetterReasons.UnknownType, "frame has neither 'topic' nor 'op'"),
            "subscribe" when success is false => Rejected(reqId, retMsg),
            "ping" or "pong" when success is not false => FrameResult.Heartbeat("pong", null, null),
            _ when success is false => FrameResult.Invalid(DeadLetterReasons.UnknownType, $"op '{BybitTrades.Truncate(op)}' failed: {BybitTrades.Truncate(retMsg ?? "")}"),
            _ when KnownOps.Contains(op) => FrameResult.Ignored(op),
            _ => FrameResult.Unknown("op", op),
        };
    }

    private FrameResult BuildTrades(string topic, List<BybitRawTrade>? data, bool dataInvalid, List<Trade> trades, int start)
    {
        if (data is null)
        {
            return FrameResult.Invalid(DeadLetterReasons.MissingField, $"{Label(topic)} frame without a 'data' array");
        }

        FrameResult? firstError = dataInvalid ? FrameResult.Invalid(DeadLetterReasons.MalformedJson, "a 'data' element is not a trade object") : null;
        for (var index = 0; index < data.Count; index++)
        {
            if (BybitTrades.TryBuild(data[index], category, venue, symbols, options, timeProvider, out var trade, out var invalid))
            {
                trades.Add(trade);
            }
            else
            {
                firstError ??= invalid with { Detail = $"trade #{index}: {invalid.Detail}" };
            }
        }

        var added = trades.Count - start;
        return firstError is { } error ? error with { Trades = added } : new FrameResult(FrameKind.Trades, added, TradeTopic);
    }

    /// <summary>A refused subscription, naming the topic (from <c>req_id</c>, which the live feed sets to it) and its product.</summary>
    private FrameResult Rejected(string? reqId, string? retMsg)
    {
        var what = string.IsNullOrEmpty(reqId) ? "a subscription" : BybitTrades.Truncate(reqId);
        var dot = reqId?.LastIndexOf('.') ?? -1;
        var product = dot >= 0 && symbols.TryGet(reqId![(dot + 1)..], out var instrument) ? $" (product {instrument.Product})" : "";
        return FrameResult.Invalid(DeadLetterReasons.SubscriptionRejected, $"{venue} refused {what}{product}: {BybitTrades.Truncate(retMsg ?? "no reason given")}");
    }

    /// <summary>Reads the <c>data</c> array's objects as raw trades (the reader is on its start).</summary>
    private static List<BybitRawTrade> ReadData(ref Utf8JsonReader reader, out bool invalid)
    {
        invalid = false;
        var list = new List<BybitRawTrade>(4);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                invalid = true;
                continue;
            }

            var raw = default(BybitRawTrade);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("s"u8))
                {
                    raw.Symbol = FrameParsing.ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("S"u8))
                {
                    raw.Side = FrameParsing.ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("v"u8))
                {
                    raw.Size = FrameParsing.ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("p"u8))
                {
                    raw.Price = FrameParsing.ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("i"u8))
                {
                    raw.Id = FrameParsing.ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("T"u8))
                {
                    reader.Read();
                    raw.HasTime = true;
                    raw.TimeInvalid = !(reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out raw.TimeMs));
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("seq"u8))
                {
                    reader.Read();
                    raw.HasSeq = true;
                    raw.SeqInvalid = !(reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out raw.Seq));
                    reader.Skip();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            list.Add(raw);
        }

        return list;
    }

    /// <summary>The channel part of a topic (<c>orderbook</c> of <c>orderbook.50.BTCUSDT</c>), bounded.</summary>
    private static string Label(string topic)
    {
        var dot = topic.IndexOf('.', StringComparison.Ordinal);
        return BybitTrades.Truncate(dot < 0 ? topic : topic[..dot]);
    }
}
