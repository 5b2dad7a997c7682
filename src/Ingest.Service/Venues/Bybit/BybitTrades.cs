using System.Globalization;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Parsing;

namespace BitcoinVolume.Ingest.Venues.Bybit;

/// <summary>The two Bybit v5 markets ingest reads; each is its own venue id.</summary>
public enum BybitCategory
{
    /// <summary>Spot (<c>category=spot</c>, <c>/v5/public/spot</c>): venue <c>bybit</c>.</summary>
    Spot,

    /// <summary>USDT linear perpetuals (<c>category=linear</c>, <c>/v5/public/linear</c>): venue <c>bybit-linear</c>.</summary>
    Linear,
}

/// <summary>One Bybit trade as its text came (websocket <c>publicTrade</c> element or REST <c>recent-trade</c> row), not yet validated.</summary>
internal struct BybitRawTrade
{
    public string? Symbol;
    public string? Side;
    public string? Size;
    public string? Price;
    public string? Id;
    public long TimeMs;
    public bool HasTime;
    public bool TimeInvalid;
    public long Seq;
    public bool HasSeq;
    public bool SeqInvalid;
}

/// <summary>
/// What is the same for every Bybit trade, live or from REST: the taker-side rule, exact decimals, ids and the checks.
/// </summary>
internal static class BybitTrades
{
    /// <summary>
    /// THE side rule of Bybit, the only place it is applied: v5 <c>publicTrade</c> <c>S</c> is the "Side of taker"
    /// (<c>Buy</c>/<c>Sell</c>, https://bybit-exchange.github.io/docs/v5/websocket/public/trade), and REST
    /// <c>recent-trade</c> <c>side</c> is the same taker side. No flip.
    /// </summary>
    public static TakerSide? TakerSideOf(string? side) => side switch
    {
        "Buy" => TakerSide.Buy,
        "Sell" => TakerSide.Sell,
        _ => null,
    };

    /// <summary>
    /// Builds the trade: canonical product from <paramref name="symbols"/> (an unknown symbol is never guessed), size in
    /// base units (× the instrument's contract size, 1 on both markets: linear <c>v</c> is in the base coin), exact
    /// decimals, event time <c>T</c>. Ids: a spot <c>i</c> that is a number is <see cref="Trade.TradeId"/>; otherwise
    /// (linear UUIDs, or a spot id that is not a number) <c>i</c> is <see cref="Trade.TextId"/> and <c>seq</c> (the cross
    /// sequence, which orders the trades and may be shared by several) is <see cref="Trade.TradeId"/>.
    /// </summary>
    public static bool TryBuild(in BybitRawTrade raw, BybitCategory category, string venue, SymbolMap symbols, FrameParserOptions options,
        TimeProvider clock, out Trade trade, out FrameResult invalid)
    {
        trade = null!;
        invalid = default;
        if (raw.Symbol is null || raw.Side is null || raw.Size is null || raw.Price is null || raw.Id is null || !raw.HasTime)
        {
            invalid = FrameResult.Invalid(DeadLetterReasons.MissingField, $"missing {MissingFields(raw)}");
            return false;
        }

        if (!symbols.TryGet(raw.Symbol, out var instrument))
        {
            invalid = FrameResult.Invalid(DeadLetterReasons.UnknownSymbol, $"{venue} symbol '{Truncate(raw.Symbol)}' is not in the instrument list");
            return false;
        }

        if (!TryParseDecimal(raw.Size, out var size) || !TryParseDecimal(raw.Price, out var price))
        {
            invalid = FrameResult.Invalid(DeadLetterReasons.InvalidNumber, "size or price is not a decimal number");
            return false;
        }

        size *= instrument.ContractSize;
        if (size <= 0)
        {
            invalid = FrameResult.Invalid(DeadLetterReasons.NonPositiveSize, $"size {size} is not positive");
            return false;
        }

        if (price <= 0)
        {
            invalid = FrameResult.Invalid(DeadLetterReasons.NonPositivePrice, $"price {price} is not positive");
            return false;
        }

        if (TakerSideOf(raw.Side) is not { } taker)
        {
            invalid = FrameResult.Invalid(DeadLetterReasons.InvalidSide, $"side '{Truncate(raw.Side)}' is neither Buy nor Sell");
            return false;
        }

        if (raw.TimeInvalid)
        {
            invalid = FrameResult.Invalid(DeadLetterReasons.InvalidTime, "T is not a millisecond timestamp");
            return false;
        }

        if (!FrameParsing.TryTradeTime(raw.TimeMs, options, clock, out var time, out invalid))
        {
            return false;
        }

        if (raw.Id.Length is 0 or > 64)
        {
            invalid = FrameResult.Invalid(DeadLetterReasons.MissingField, "trade id i is empty or too long");
            return false;
        }

        string? textId = null;
        long tradeId;
        if (category == BybitCategory.Spot && IsDigits(raw.Id) && long.TryParse(raw.Id, NumberStyles.None, CultureInfo.InvariantCulture, out tradeId))
        {
            // Spot: a numeric trade id is the id.
        }
        else if (!raw.HasSeq || raw.SeqInvalid || raw.Seq < 0)
        {
            invalid = FrameResult.Invalid(raw.HasSeq ? DeadLetterReasons.InvalidNumber : DeadLetterReasons.MissingField,
                $"trade id '{Truncate(raw.Id)}' is not a number and seq (which orders such trades) is {(raw.HasSeq ? "not a non-negative integer" : "missing")}");
            return false;
        }
        else
        {
            textId = raw.Id;
            tradeId = raw.Seq;
        }

        trade = new Trade(instrument.Product, tradeId, time, price, size, taker) { Venue = venue, TextId = textId };
        return true;
    }

    /// <summary>A plain decimal as Bybit writes it (<c>"16578.50"</c>): digits and one point, no sign, no exponent; exact.</summary>
    public static bool TryParseDecimal(string text, out decimal value) =>
        decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);

    public static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";

    private static bool IsDigits(string text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return text.Length > 0;
    }

    private static string MissingFields(in BybitRawTrade raw)
    {
        var names = new List<string>(6);
        if (raw.Symbol is null)
        {
            names.Add("s");
        }

        if (raw.Side is null)
        {
            names.Add("S");
        }

        if (raw.Size is null)
        {
            names.Add("v");
        }

        if (raw.Price is null)
        {
            names.Add("p");
        }

        if (raw.Id is null)
        {
            names.Add("i");
        }

        if (!raw.HasTime)
        {
            names.Add("T");
        }

        return string.Join(", ", names);
    }
}
