using System.Text.Json;
using System.Text.Json.Serialization;

namespace BitcoinVolume.Sink.Infrastructure.BigQuery;

/// <summary>Body of <c>tabledata.insertAll</c>.</summary>
internal sealed record InsertAllRequest<TRow>(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("skipInvalidRows")] bool SkipInvalidRows,
    [property: JsonPropertyName("ignoreUnknownValues")] bool IgnoreUnknownValues,
    [property: JsonPropertyName("rows")] IReadOnlyList<InsertAllRow<TRow>> Rows);

/// <summary>One row: a deterministic <c>insertId</c> (best-effort de-duplication by BigQuery) and the column values.</summary>
internal sealed record InsertAllRow<TRow>(
    [property: JsonPropertyName("insertId")] string InsertId,
    [property: JsonPropertyName("json")] TRow Json);

/// <summary>
/// The columns of the versions table. NUMERIC/BIGNUMERIC values travel as decimal strings (exact: a JSON number would be
/// read as a double); TIMESTAMP as RFC 3339 UTC text.
/// </summary>
internal sealed record VolumeRow(
    [property: JsonPropertyName("venue")] string Venue,
    [property: JsonPropertyName("product")] string Product,
    [property: JsonPropertyName("side")] string Side,
    [property: JsonPropertyName("window_start")] string WindowStart,
    [property: JsonPropertyName("trades")] long Trades,
    [property: JsonPropertyName("base_volume")] string BaseVolume,
    [property: JsonPropertyName("quote_volume")] string QuoteVolume,
    [property: JsonPropertyName("open")] string Open,
    [property: JsonPropertyName("high")] string High,
    [property: JsonPropertyName("low")] string Low,
    [property: JsonPropertyName("close")] string Close,
    [property: JsonPropertyName("first_trade_id")] long FirstTradeId,
    [property: JsonPropertyName("last_trade_id")] long LastTradeId,
    [property: JsonPropertyName("version")] long Version,
    [property: JsonPropertyName("final")] bool Final,
    [property: JsonPropertyName("inserted_at")] string InsertedAt,
    [property: JsonPropertyName("complete")] bool Complete,
    [property: JsonPropertyName("incomplete_reason")] string? IncompleteReason,
    [property: JsonPropertyName("size_classes")] IReadOnlyList<SizeClassRow> SizeClasses);

/// <summary>
/// One size class of a row (REPEATED RECORD <c>size_classes</c>, empty when the window has none); bounds and base volume as
/// decimal strings (BIGNUMERIC), <c>max</c> null for the open top class.
/// </summary>
internal sealed record SizeClassRow(
    [property: JsonPropertyName("min")] string Min,
    [property: JsonPropertyName("max")] string? Max,
    [property: JsonPropertyName("trades")] long Trades,
    [property: JsonPropertyName("base_volume")] string BaseVolume);

/// <summary>
/// The columns of the footprint versions table: one row per (venue, product, window_start) and version; the tick and the
/// levels' prices and volumes as decimal strings (BIGNUMERIC), <c>levels</c> a REPEATED RECORD ascending by price.
/// </summary>
internal sealed record FootprintRow(
    [property: JsonPropertyName("venue")] string Venue,
    [property: JsonPropertyName("product")] string Product,
    [property: JsonPropertyName("window_start")] string WindowStart,
    [property: JsonPropertyName("tick")] string Tick,
    [property: JsonPropertyName("trades")] long Trades,
    [property: JsonPropertyName("levels")] IReadOnlyList<FootprintLevelRow> Levels,
    [property: JsonPropertyName("version")] long Version,
    [property: JsonPropertyName("final")] bool Final,
    [property: JsonPropertyName("inserted_at")] string InsertedAt);

/// <summary>One price level of a footprint row.</summary>
internal sealed record FootprintLevelRow(
    [property: JsonPropertyName("price")] string Price,
    [property: JsonPropertyName("buy_base")] string BuyBase,
    [property: JsonPropertyName("sell_base")] string SellBase,
    [property: JsonPropertyName("buy_trades")] long BuyTrades,
    [property: JsonPropertyName("sell_trades")] long SellTrades);

/// <summary>The columns of the large-trades table (the <c>LargeTrade</c> contract); decimals as strings (BIGNUMERIC).</summary>
internal sealed record LargeTradeRow(
    [property: JsonPropertyName("venue")] string Venue,
    [property: JsonPropertyName("product")] string Product,
    [property: JsonPropertyName("trade_id")] string TradeId,
    [property: JsonPropertyName("time")] string Time,
    [property: JsonPropertyName("price")] string Price,
    [property: JsonPropertyName("size")] string Size,
    [property: JsonPropertyName("notional")] string Notional,
    [property: JsonPropertyName("side")] string Side,
    [property: JsonPropertyName("quote")] string Quote,
    [property: JsonPropertyName("inserted_at")] string InsertedAt);

/// <summary>Answer of <c>tabledata.insertAll</c>: empty <c>insertErrors</c> means every row was accepted.</summary>
internal sealed record InsertAllResponse(
    [property: JsonPropertyName("kind")] string? Kind,
    [property: JsonPropertyName("insertErrors")] IReadOnlyList<InsertError>? InsertErrors);

internal sealed record InsertError(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("errors")] IReadOnlyList<ErrorProto>? Errors);

internal sealed record ErrorProto(
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("location")] string? Location,
    [property: JsonPropertyName("message")] string? Message);

/// <summary>The error body of a failed request (<c>{"error":{"code","message","errors":[...]}}</c>).</summary>
internal sealed record ErrorResponse([property: JsonPropertyName("error")] ErrorBody? Error);

internal sealed record ErrorBody(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("errors")] IReadOnlyList<ErrorProto>? Errors);

[JsonSourceGenerationOptions(JsonSerializerDefaults.General, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(InsertAllRequest<VolumeRow>), TypeInfoPropertyName = "InsertAllRequestVolumeRow")]
[JsonSerializable(typeof(InsertAllRequest<FootprintRow>), TypeInfoPropertyName = "InsertAllRequestFootprintRow")]
[JsonSerializable(typeof(InsertAllRequest<LargeTradeRow>), TypeInfoPropertyName = "InsertAllRequestLargeTradeRow")]
[JsonSerializable(typeof(InsertAllResponse))]
[JsonSerializable(typeof(ErrorResponse))]
internal sealed partial class BigQueryJsonContext : JsonSerializerContext;
