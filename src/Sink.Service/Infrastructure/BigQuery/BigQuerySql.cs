using System.Globalization;
using BitcoinVolume.Contracts;

namespace BitcoinVolume.Sink.Infrastructure.BigQuery;

/// <summary>
/// The BigQuery DDL that goes with <see cref="BigQueryVolumeStore"/>: the versions table it appends to, and the view that
/// returns the latest version of each window (what the other stores keep by upserting). Also in <c>docs/SINK.md</c>.
/// </summary>
public static class BigQuerySql
{
    /// <summary>
    /// The table (NUMERIC columns are BIGNUMERIC: scale 38, so every C# decimal fits exactly). <c>venue</c> is NULLABLE:
    /// BigQuery adds only nullable columns to an existing table, and rows written before venues existed have none (they
    /// are Coinbase's; the view reads them as <c>coinbase</c>). See <see cref="AddVenueColumn"/>.
    /// </summary>
    public static string CreateTable(string project, string dataset, string table) => $"""
        CREATE TABLE IF NOT EXISTS `{project}.{dataset}.{table}` (
          venue          STRING,                -- venue id (coinbase, binance, bybit-linear, ...); NULL = coinbase (written before venues)
          product        STRING     NOT NULL,
          side           STRING     NOT NULL,   -- 'buy' | 'sell' (taker side)
          window_start   TIMESTAMP  NOT NULL,   -- base window [window_start, window_start + Sink:Window)
          trades         INT64      NOT NULL,
          base_volume    BIGNUMERIC NOT NULL,
          quote_volume   BIGNUMERIC NOT NULL,
          open           BIGNUMERIC NOT NULL,
          high           BIGNUMERIC NOT NULL,
          low            BIGNUMERIC NOT NULL,
          close          BIGNUMERIC NOT NULL,
          first_trade_id INT64      NOT NULL,
          last_trade_id  INT64      NOT NULL,
          version        INT64      NOT NULL,   -- grows with every change of the window
          final          BOOL       NOT NULL,
          inserted_at    TIMESTAMP  NOT NULL,   -- sink clock, informational
          complete       BOOL,                  -- false: trades may be missing (a gap); NULL = true (written before completeness)
          incomplete_reason STRING,             -- why, when complete is false
          size_classes   ARRAY<STRUCT<min BIGNUMERIC, max BIGNUMERIC, trades INT64, base_volume BIGNUMERIC>>
                                                -- trades by notional [min, max) (max NULL: open top class); empty: none
        )
        PARTITION BY DATE(window_start)
        CLUSTER BY venue, product, side;
        """;

    /// <summary>
    /// Migrates a table created before venues existed: adds the nullable <c>venue</c> (old rows stay NULL = coinbase). The
    /// clustering is changed outside SQL: <c>bq update --clustering_fields=venue,product,side PROJECT:DATASET.TABLE</c>
    /// (or Terraform, docs/DEPLOYMENT.md); it applies to data written afterwards.
    /// </summary>
    public static string AddVenueColumn(string project, string dataset, string table) =>
        $"ALTER TABLE `{project}.{dataset}.{table}` ADD COLUMN IF NOT EXISTS venue STRING;";

    /// <summary>
    /// Migrates a table created before completeness existed: adds the nullable <c>complete</c> and <c>incomplete_reason</c>
    /// (old rows stay NULL = complete; the view reads them as <c>true</c>).
    /// </summary>
    public static string AddCompletenessColumns(string project, string dataset, string table) =>
        $"ALTER TABLE `{project}.{dataset}.{table}` ADD COLUMN IF NOT EXISTS complete BOOL, ADD COLUMN IF NOT EXISTS incomplete_reason STRING;";

    /// <summary>
    /// Migrates a table created before size classes existed: adds the REPEATED <c>size_classes</c> (old rows read as empty =
    /// no classes).
    /// </summary>
    public static string AddSizeClassesColumn(string project, string dataset, string table) =>
        $"ALTER TABLE `{project}.{dataset}.{table}` ADD COLUMN IF NOT EXISTS size_classes ARRAY<STRUCT<min BIGNUMERIC, max BIGNUMERIC, trades INT64, base_volume BIGNUMERIC>>;";

    /// <summary>
    /// The latest version of each (venue, product, side, window_start): one row per window, whatever was inserted twice.
    /// <c>window_end</c> is <c>window_start</c> + <paramref name="window"/> (the base window, default 1 minute); the view's
    /// name stays <c>volumes_1m</c> whatever the base window.
    /// </summary>
    public static string CreateLatestView(string project, string dataset, string table, string view = "volumes_1m", WindowSpec? window = null) => $"""
        CREATE OR REPLACE VIEW `{project}.{dataset}.{view}` AS
        SELECT venue, product, side, window_start, TIMESTAMP_ADD(window_start, {Interval(window ?? WindowSpec.Default)}) AS window_end,
               trades, base_volume, quote_volume,
               IF(base_volume = 0, 0, quote_volume / base_volume) AS vwap,
               open, high, low, close, first_trade_id, last_trade_id, version, final, complete, incomplete_reason, size_classes
        FROM (SELECT * REPLACE (IFNULL(venue, 'coinbase') AS venue, IFNULL(complete, TRUE) AS complete) FROM `{project}.{dataset}.{table}`)
        WHERE TRUE
        QUALIFY ROW_NUMBER() OVER (PARTITION BY venue, product, side, window_start ORDER BY version DESC, inserted_at DESC) = 1;
        """;

    /// <summary>The footprint versions table of <see cref="BigQueryFootprintStore"/> (volume at price of each base window).</summary>
    public static string CreateFootprintTable(string project, string dataset, string table) => $"""
        CREATE TABLE IF NOT EXISTS `{project}.{dataset}.{table}` (
          venue          STRING     NOT NULL,
          product        STRING     NOT NULL,
          window_start   TIMESTAMP  NOT NULL,   -- base window [window_start, window_start + Sink:Window)
          tick           BIGNUMERIC NOT NULL,   -- price step of the levels
          trades         INT64      NOT NULL,   -- both sides
          levels         ARRAY<STRUCT<price BIGNUMERIC, buy_base BIGNUMERIC, sell_base BIGNUMERIC, buy_trades INT64, sell_trades INT64>>,
                                                -- non-empty price levels, ascending by price
          version        INT64      NOT NULL,   -- 2 x trades + (final ? 1 : 0)
          final          BOOL       NOT NULL,
          inserted_at    TIMESTAMP  NOT NULL    -- sink clock, informational
        )
        PARTITION BY DATE(window_start)
        CLUSTER BY venue, product;
        """;

    /// <summary>The latest version of each (venue, product, window_start) of the footprint table.</summary>
    public static string CreateLatestFootprintView(string project, string dataset, string table, string view = "footprint_1m") => $"""
        CREATE OR REPLACE VIEW `{project}.{dataset}.{view}` AS
        SELECT venue, product, window_start, tick, trades, levels, version, final
        FROM `{project}.{dataset}.{table}`
        WHERE TRUE
        QUALIFY ROW_NUMBER() OVER (PARTITION BY venue, product, window_start ORDER BY version DESC, inserted_at DESC) = 1;
        """;

    /// <summary>The large-trades table of <see cref="BigQueryLargeTradeStore"/> (one row per trade of <c>trades.large</c>).</summary>
    public static string CreateLargeTradesTable(string project, string dataset, string table) => $"""
        CREATE TABLE IF NOT EXISTS `{project}.{dataset}.{table}` (
          venue          STRING     NOT NULL,
          product        STRING     NOT NULL,
          trade_id       STRING     NOT NULL,   -- the venue's trade id (numeric or text)
          time           TIMESTAMP  NOT NULL,   -- event time of the trade
          price          BIGNUMERIC NOT NULL,
          size           BIGNUMERIC NOT NULL,   -- base quantity
          notional       BIGNUMERIC NOT NULL,   -- price x size, in quote
          side           STRING     NOT NULL,   -- 'buy' | 'sell' (taker side)
          quote          STRING     NOT NULL,   -- quote currency (USD, USDT, ...)
          inserted_at    TIMESTAMP  NOT NULL    -- sink clock, informational
        )
        PARTITION BY DATE(time)
        CLUSTER BY venue, product;
        """;

    /// <summary>The window length as a BigQuery interval literal: <c>INTERVAL 1 MINUTE</c>, <c>INTERVAL 10 SECOND</c>.</summary>
    private static string Interval(WindowSpec window)
    {
        var seconds = window.Length.Ticks / TimeSpan.TicksPerSecond;
        return seconds % 60 == 0
            ? string.Create(CultureInfo.InvariantCulture, $"INTERVAL {seconds / 60} MINUTE")
            : string.Create(CultureInfo.InvariantCulture, $"INTERVAL {seconds} SECOND");
    }
}
